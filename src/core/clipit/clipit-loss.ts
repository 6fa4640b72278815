import * as tf from '@tensorflow/tfjs-core';

import { weightedCrossEntropy } from '../train/weighted-cross-entropy';

/** Loss components of one batch, as scalars on the backend. */
export interface ClipItLossTerms {
  total: tf.Scalar;
  /** Softmax cross-entropy of the fusion logits, mean over the batch. */
  ce: tf.Scalar;
  /** mean(1 - cos(t, P(v))) over the batch. */
  cosine: tf.Scalar;
}

/** torch.nn.functional.cosine_similarity clamps each norm at 1e-8; so does this loss. */
const COSINE_EPS = 1e-8;

/**
 * CLIP-IT loss: `CE(fusion logits, y) + lambda * mean(1 - cos(t, P(v)))`. Cross-entropy is taken
 * on logits (softmax inside the loss), never on probabilities. Pass `lambda` 0 for a loss with
 * no text term. `labels` are class indices, int32 [batch].
 */
export function clipItLoss(
  fusionLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  textEmbeddings: tf.Tensor2D,
  projected: tf.Tensor2D,
  lambda: number,
  classWeights?: readonly number[],
): ClipItLossTerms {
  return tf.tidy(() => {
    const ce = crossEntropyOnLogits(fusionLogits, labels, classWeights);
    const cosine = tf.mean(tf.sub(1, cosineSimilarity(textEmbeddings, projected))) as tf.Scalar;
    const total = tf.add(ce, tf.mul(cosine, lambda)) as tf.Scalar;
    return { total, ce, cosine };
  });
}

/**
 * Mean softmax cross-entropy of `logits` [batch, C] against class indices `labels` [batch];
 * with `classWeights`, the class-weighted mean of `weightedCrossEntropy`.
 */
export function crossEntropyOnLogits(logits: tf.Tensor2D, labels: tf.Tensor1D, classWeights?: readonly number[]): tf.Scalar {
  if (classWeights) return weightedCrossEntropy(logits, labels, classWeights);
  return tf.tidy(() => {
    const targets = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  });
}

/** Row-wise cosine similarity of two [batch, dim] tensors. */
export function cosineSimilarity(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    if (a.shape[1] !== b.shape[1] || a.shape[0] !== b.shape[0]) {
      throw new Error(`Cosine similarity needs tensors of one shape, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]. The projection width must equal the text embedding width.`);
    }
    const normA = tf.maximum(tf.norm(a, 'euclidean', 1), COSINE_EPS);
    const normB = tf.maximum(tf.norm(b, 'euclidean', 1), COSINE_EPS);
    return tf.div(tf.sum(tf.mul(a, b), 1), tf.mul(normA, normB)) as tf.Tensor1D;
  });
}
