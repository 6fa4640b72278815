/**
 * Training-time augmentation as a trainer uses it: one call per training
 * batch, with the draws of step s taken from the run seed's `augment` fork,
 * forked again by s. A batch therefore depends only on (seed, step), so a run
 * resumed from a checkpoint at step s draws the same batches as an
 * uninterrupted one, and the checkpoint needs no extra random state.
 */

import type * as tf from '@tensorflow/tfjs';

import { SeededRng } from '../rng';
import { augmentBatch } from './augment';
import { type AugmentConfig, validateAugmentConfig } from './augment-config';

export class BatchAugmenter {
  private readonly root: SeededRng;

  constructor(
    readonly config: AugmentConfig,
    seed: number,
  ) {
    validateAugmentConfig(config);
    this.root = new SeededRng(seed).fork('augment');
  }

  /** Returns a new augmented batch for global optimizer step `step`; the input is not disposed. */
  augment(images: tf.Tensor4D, step: number): tf.Tensor4D {
    if (images.shape[3] !== 3) {
      throw new Error(
        `Augmentation needs NHWC RGB tiles in [0, 1], got shape [${images.shape.join(', ')}]; switch augmentation off for this backbone.`,
      );
    }
    return augmentBatch(images, this.config, this.root.fork(`step-${step}`));
  }
}

/** Tests whether the config changes any image, so a run can skip the augmentation ops. */
export function isAugmentActive(config: AugmentConfig | null | undefined): config is AugmentConfig {
  if (!config) return false;
  return config.flips || config.rotate90 || config.randomResizedCrop.enabled || config.colorJitter.enabled || config.hedJitter.enabled;
}
