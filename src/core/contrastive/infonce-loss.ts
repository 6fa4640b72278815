import * as tf from '@tensorflow/tfjs-core';

/** CLIP's initial temperature parameter: logit_scale = log(1 / 0.07), so exp(logit_scale) starts near 14.3. */
export const LOGIT_SCALE_INIT = Math.log(1 / 0.07);

/** CLIP clamps logit_scale at log(100), so cosine similarities are never multiplied by more than 100. */
export const LOGIT_SCALE_MAX = Math.log(100);

/**
 * Computes the symmetric InfoNCE loss of CLIP: row i of `imageEmbeds` and row i of `textEmbeds` are a
 * positive pair and every other row of the batch is a negative. Both inputs are L2-normalised here,
 * the cosine similarities are multiplied by exp(min(logitScale, log 100)), and the loss is the mean of
 * the image-to-text and text-to-image cross-entropies. `logitScale` is the log of the multiplier (a
 * scalar tensor or variable, so it can be learned). Returns a scalar; gradients flow into every input.
 */
export function symmetricInfoNceLoss(imageEmbeds: tf.Tensor2D, textEmbeds: tf.Tensor2D, logitScale: tf.Scalar | number): tf.Scalar {
  const [rows, dim] = imageEmbeds.shape;
  const [textRows, textDim] = textEmbeds.shape;
  if (rows !== textRows || dim !== textDim) {
    throw new Error(`InfoNCE loss: image embeddings [${rows}, ${dim}] and text embeddings [${textRows}, ${textDim}] must have the same shape, one text per image.`);
  }

  return tf.tidy(() => {
    const images = l2NormalizeRows(imageEmbeds);
    const texts = l2NormalizeRows(textEmbeds);
    const scale = tf.exp(tf.minimum(logitScale, LOGIT_SCALE_MAX));
    const logitsPerImage = tf.mul(tf.matMul(images, texts, false, true), scale) as tf.Tensor2D;

    const diagonal = tf.eye(rows);
    const imageToText = crossEntropyOnDiagonal(logitsPerImage, diagonal);
    const textToImage = crossEntropyOnDiagonal(tf.transpose(logitsPerImage), diagonal);
    return tf.div(tf.add(imageToText, textToImage), 2) as tf.Scalar;
  });
}

/** Divides each row by its L2 norm, with a floor of 1e-12 so a zero row stays finite. */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), 1e-12)) as tf.Tensor2D);
}

/** Mean over rows of -log softmax(logits)[i, i]: cross-entropy with target class i for row i. */
function crossEntropyOnDiagonal(logits: tf.Tensor2D, diagonal: tf.Tensor2D): tf.Scalar {
  const logProbabilities = tf.logSoftmax(logits, -1);
  return tf.neg(tf.mean(tf.sum(tf.mul(logProbabilities, diagonal), -1))) as tf.Scalar;
}
