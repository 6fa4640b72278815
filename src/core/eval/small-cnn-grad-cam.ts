import * as tf from '@tensorflow/tfjs';

import type { SmallCnn } from '../train/small-cnn';
import type { GradCamModel } from './grad-cam';

/**
 * Splits the small CNN at the output of its last convolution block, the
 * usual Grad-CAM layer: the head is global average pooling and the linear
 * classifier, exactly as in SmallCnn.logits without dropout.
 */
export function smallCnnGradCamModel(cnn: SmallCnn): GradCamModel {
  return {
    features: (images) => cnn.featureMap(images),
    head: (featureMap) => tf.tidy(() => cnn.head(tf.mean(featureMap, [1, 2]) as tf.Tensor2D)),
  };
}
