import * as tf from '@tensorflow/tfjs-core';

import type { BatchSource } from '../train/classifier-trainer';
import type { ClipItModel } from './clipit-model';

/**
 * Computes class probabilities of `model` (its output head, no text) for the images `indices`,
 * `batchSize` images per forward pass. Returns row-major [indices.length, numClasses].
 */
export async function predictProbabilities(model: ClipItModel, images: BatchSource, indices: readonly number[], batchSize = 64): Promise<Float32Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Invalid batch size ${batchSize}: expected a positive integer.`);

  const numClasses = model.numClasses;
  const probabilities = new Float32Array(indices.length * numClasses);

  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = images.batch(indices.slice(start, start + batchSize));
    const probs = tf.tidy(() => tf.softmax(model.logits(batch)));
    try {
      probabilities.set((await probs.data()) as Float32Array, start * numClasses);
    } finally {
      tf.dispose([batch, probs]);
    }
  }
  return probabilities;
}
