import * as tf from '@tensorflow/tfjs-core';

/**
 * Class-weighted mean softmax cross-entropy: sum_i w[y_i] * ce_i / sum_i w[y_i],
 * the normalisation of torch.nn.functional.cross_entropy with `weight`.
 * `labels` are int32 class indices [batch]; `weights` has one entry per class.
 */
export function weightedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, weights: readonly number[]): tf.Scalar {
  if (weights.length !== logits.shape[1]) {
    throw new Error(`Got ${weights.length} class weights for ${logits.shape[1]} classes; pass one weight per class.`);
  }
  return tf.tidy(() => {
    const classIndices = tf.cast(labels, 'int32');
    const targets = tf.oneHot(classIndices, logits.shape[1]);
    const perImage = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));
    const imageWeights = tf.gather(tf.tensor1d(weights as number[]), classIndices);
    return tf.div(tf.sum(tf.mul(perImage, imageWeights)), tf.maximum(tf.sum(imageWeights), 1e-12)) as tf.Scalar;
  });
}
