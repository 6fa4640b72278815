/**
 * HED stain jitter (Tellez et al. 2018, "Whole-slide mitosis detection in H&E
 * breast histology using PHH3 as a reference to train distilled
 * stain-invariant convolutional networks"): per image, each stain
 * concentration c becomes alpha * c + beta in Ruifrok-Johnston HED space.
 */

import * as tf from '@tensorflow/tfjs';

import { hedToRgbTensor, OD_SCALE, rgbToHedTensor } from '../stain/hed';

/**
 * Applies per-image alpha (scale) and beta (shift) to the H, E and D channels
 * of NHWC images in [0, 1]. beta is in natural-log optical-density units and
 * is divided by OD_SCALE, because rgbToHedTensor returns concentrations on
 * scikit-image's scale (OD / OD_SCALE). Output is clipped to [0, 1].
 */
export function hedJitter(
  images: tf.Tensor4D,
  alpha: readonly (readonly number[])[],
  beta: readonly (readonly number[])[],
): tf.Tensor4D {
  const batch = images.shape[0];
  if (alpha.length !== batch || beta.length !== batch) {
    throw new Error(`hedJitter: got ${alpha.length} alpha and ${beta.length} beta rows for a batch of ${batch}; pass one row per image.`);
  }

  return tf.tidy(() => {
    // NOTE: code that adds beta straight to scikit-image's rgb2hed output shifts colours about
    // 13.8 times more for the same strength; which scale Tellez et al. used is not verified here.
    // Concentrations are not clipped at 0, so alpha = 1 and beta = 0 return the input up to float error.
    const hed = rgbToHedTensor(images);
    const scale = tf.tensor4d(alpha.flat(), [batch, 1, 1, 3]);
    const shift = tf.tensor4d(beta.flat().map((b) => b / OD_SCALE), [batch, 1, 1, 3]);
    return hedToRgbTensor(tf.add(tf.mul(hed, scale), shift));
  });
}
