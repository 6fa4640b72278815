/**
 * Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep
 * Networks via Gradient-based Localization"): a class heatmap from the last
 * convolutional feature map, weighted by the spatially averaged gradient of
 * the class logit.
 */

import * as tf from '@tensorflow/tfjs';

/**
 * A convolutional classifier split at the feature map that Grad-CAM explains.
 * The split is needed because tf.grad differentiates only with respect to a
 * function's inputs, so the feature map must be the head's input.
 */
export interface GradCamModel {
  /** NHWC images -> NHWC feature map [batch, h, w, channels]. */
  features: (images: tf.Tensor4D) => tf.Tensor4D;

  /** Feature map -> logits [batch, numClasses]. */
  head: (features: tf.Tensor4D) => tf.Tensor2D;
}

export interface GradCamResult {
  /** Heatmaps [batch, height, width] at image size, each scaled so its max is 1 (all zero when the map is zero). */
  heatmaps: tf.Tensor3D;

  /** Logits of the batch, so callers can show the predicted class beside the map. */
  logits: tf.Tensor2D;
}

/**
 * Computes one heatmap per image for `classIndices` (one class for the whole
 * batch, or one per image). The caller disposes the returned tensors.
 */
export function gradCam(model: GradCamModel, images: tf.Tensor4D, classIndices: number | readonly number[]): GradCamResult {
  const [batch, height, width] = images.shape;
  const classes = typeof classIndices === 'number' ? new Array<number>(batch).fill(classIndices) : Array.from(classIndices);
  if (classes.length !== batch) {
    throw new Error(`gradCam: got ${classes.length} class indices for a batch of ${batch}; pass one per image or a single index.`);
  }

  return tf.tidy(() => {
    const featureMap = model.features(images);
    const logits = model.head(featureMap);
    const numClasses = logits.shape[1];
    for (const c of classes) {
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
        throw new Error(`gradCam: invalid class index ${c}; the model has ${numClasses} classes.`);
      }
    }
    const selector = tf.oneHot(tf.tensor1d(classes, 'int32'), numClasses);

    // The sum of the selected logits has, for image n, the gradient of its own class logit only.
    const gradientOf = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(model.head(f as tf.Tensor4D), selector)));
    const gradients = gradientOf(featureMap);

    const channelWeights = tf.mean(gradients, [1, 2], true);
    const cam = tf.relu(tf.sum(tf.mul(featureMap, channelWeights), 3, true)) as tf.Tensor4D;
    const resized = tf.image.resizeBilinear(cam, [height, width], true);

    const peak = tf.max(resized, [1, 2, 3], true);
    const scaled = tf.div(resized, tf.maximum(peak, 1e-12));
    return {
      heatmaps: tf.reshape(scaled, [batch, height, width]) as tf.Tensor3D,
      logits: tf.clone(logits),
    };
  });
}
