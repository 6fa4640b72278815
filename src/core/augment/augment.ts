/**
 * Batch augmentation of H&E tiles as tfjs ops on NHWC float32 images in
 * [0, 1], with every random draw taken from a `SeededRng`.
 *
 * Order: flips and 90-degree rotations, random resized crop, HED jitter,
 * colour jitter. Labels are not an input: every transform keeps the class.
 */

import * as tf from '@tensorflow/tfjs';

import type { SeededRng } from '../rng';

import { type AugmentConfig, validateAugmentConfig } from './augment-config';
import { sampleAugmentParams, type ImageAugmentParams } from './augment-params';
import { colorJitter } from './color-jitter';
import { dihedralSourceIndices, isIdentity } from './dihedral';
import { hedJitter } from './hed-jitter';

/**
 * Returns a new augmented batch; the input is not disposed. Draws the batch's
 * parameters from `rng` (advancing it), so the same generator state gives the
 * same batch.
 */
export function augmentBatch(images: tf.Tensor4D, config: AugmentConfig, rng: SeededRng): tf.Tensor4D {
  checkImages(images);
  validateAugmentConfig(config);
  const [batch, height, width] = images.shape;
  const params = sampleAugmentParams(batch, height, width, config, rng);
  return applyAugmentParams(images, params);
}

/** Applies already drawn per-image parameters (one entry per image). */
export function applyAugmentParams(images: tf.Tensor4D, params: readonly ImageAugmentParams[]): tf.Tensor4D {
  checkImages(images);
  const [batch, height, width, channels] = images.shape;
  if (params.length !== batch) {
    throw new Error(`applyAugmentParams: got ${params.length} parameter sets for a batch of ${batch}; pass one per image.`);
  }

  const hedChanged = params.some((p) => p.hedAlpha.some((a) => a !== 1) || p.hedBeta.some((b) => b !== 0));
  const colorChanged = params.some((p) => p.brightness !== 1 || p.contrast !== 1 || p.saturation !== 1 || p.hue !== 0);
  if ((hedChanged || colorChanged) && channels !== 3) {
    throw new Error(`applyAugmentParams: colour and HED jitter need RGB images, got ${channels} channels; switch them off in the AugmentConfig.`);
  }

  return tf.tidy(() => {
    let x: tf.Tensor4D = images;

    if (params.some((p) => !isIdentity(p.dihedral))) {
      x = applyDihedral(x, params);
    }

    const boxes = params.map((p) => p.crop);
    if (boxes.some((box) => box !== undefined)) {
      const fullImage = [0, 0, 1, 1];
      const boxData = boxes.map((box) => box ?? fullImage).flat();
      const boxIndices = Array.from({ length: batch }, (_, n) => n);
      x = tf.image.cropAndResize(x, tf.tensor2d(boxData, [batch, 4]), tf.tensor1d(boxIndices, 'int32'), [height, width], 'bilinear');
    }

    if (hedChanged) {
      x = hedJitter(x, params.map((p) => p.hedAlpha), params.map((p) => p.hedBeta));
    }

    if (colorChanged) {
      x = colorJitter(x, {
        brightness: params.map((p) => p.brightness),
        contrast: params.map((p) => p.contrast),
        saturation: params.map((p) => p.saturation),
        hue: params.map((p) => p.hue),
      });
    }

    return x === images ? tf.clone(images) : tf.clipByValue(x, 0, 1);
  });
}

/** Applies each image's own flip/rotation with one gather over the flattened batch. */
function applyDihedral(images: tf.Tensor4D, params: readonly ImageAugmentParams[]): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const pixelsPerImage = height * width;
  const indices = new Int32Array(batch * pixelsPerImage);

  for (let n = 0; n < batch; n++) {
    const local = dihedralSourceIndices(height, width, params[n].dihedral);
    const offset = n * pixelsPerImage;
    for (let k = 0; k < pixelsPerImage; k++) indices[offset + k] = local[k] + offset;
  }

  const pixels = tf.reshape(images, [batch * pixelsPerImage, channels]);
  const gathered = tf.gather(pixels, tf.tensor1d(indices, 'int32'));
  return tf.reshape(gathered, [batch, height, width, channels]);
}

function checkImages(images: tf.Tensor4D): void {
  if (images.rank !== 4) {
    throw new Error(`augmentBatch: expected an NHWC batch (rank 4), got shape [${images.shape.join(', ')}].`);
  }
  if (images.dtype !== 'float32') {
    throw new Error(`augmentBatch: expected float32 images in [0, 1], got dtype ${images.dtype}; convert with tf.div(x, 255).`);
  }
}
