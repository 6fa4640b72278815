import * as tf from '@tensorflow/tfjs-core';

import type { ClipPreprocessConfig } from '../clip/preprocess-config';
import type { BatchSource } from '../train/classifier-trainer';
import type { BackboneExportConfig } from './vision-backbone';

/**
 * Every image source of the studio and the command line gives NHWC RGB tiles in [0, 1] at one
 * size. The small CNN, the MLP and the ViT read those directly, and the ViT normalises them
 * inside its forward pass. The CLIP vision tower reads normalised NCHW pixels, which
 * `ClipPixelBatches` makes from the tiles.
 */

/** Side in pixels at which tiles are decoded for an exported backbone. */
export function backboneInputSize(config: BackboneExportConfig): number {
  switch (config.kind) {
    case 'small-cnn':
      return config.cnn.inputSize;
    case 'mlp':
      return config.inputShape[0];
    case 'clip-vision':
      return config.clip.vision.imageSize;
    case 'vit':
      return config.inputSize;
  }
}

/** Wraps NHWC [0, 1] tiles at the backbone's input size into the batches the backbone reads. */
export function backboneBatchSource(config: BackboneExportConfig, tiles: BatchSource): BatchSource {
  return config.kind === 'clip-vision' ? new ClipPixelBatches(tiles, config.preprocess) : tiles;
}

/**
 * CLIP pixel values from tiles already decoded at the tower's image size: rescaled values in
 * [0, 1] normalised with the checkpoint's mean and std, transposed to NCHW.
 * NOTE: the tiles were resized by the project's decoder, not by CLIPImageProcessor's bicubic
 * shortest-edge resize and centre crop, so pixels of non-square or differently sized tiles
 * differ slightly from the CLIP reference preprocessing.
 */
export class ClipPixelBatches implements BatchSource {
  constructor(
    readonly tiles: BatchSource,
    readonly preprocess: ClipPreprocessConfig,
  ) {}

  batch(indices: readonly number[]): tf.Tensor4D {
    const tiles = this.tiles.batch(indices);
    try {
      return tf.tidy(() => {
        const mean = this.preprocess.doNormalize ? this.preprocess.imageMean : [0, 0, 0];
        const std = this.preprocess.doNormalize ? this.preprocess.imageStd : [1, 1, 1];
        const normalised = tf.div(tf.sub(tiles, tf.tensor1d(mean)), tf.tensor1d(std));
        return tf.transpose(normalised, [0, 3, 1, 2]) as tf.Tensor4D;
      });
    } finally {
      tiles.dispose();
    }
  }
}
