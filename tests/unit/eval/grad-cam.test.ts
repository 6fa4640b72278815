import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { gradCam, type GradCamModel } from '../../../src/core/eval/grad-cam';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SIZE = 16;

/**
 * Feature 0 detects red above 0.5, feature 1 green above 0.5 (1x1 conv + ReLU), then a 2x2
 * average pool gives an 8x8 map. The head is global average pooling and a dense layer where
 * class 0 reads only feature 0 and class 1 only feature 1.
 */
const model: GradCamModel = {
  features: (images) =>
    tf.tidy(() => {
      const kernel = tf.tensor4d([1, 0, 0, 1, 0, 0], [1, 1, 3, 2]);
      const detected = tf.relu(tf.sub(tf.conv2d(images, kernel, 1, 'same'), 0.5)) as tf.Tensor4D;
      return tf.avgPool(detected, 2, 2, 'valid');
    }),
  head: (features) =>
    tf.tidy(() => {
      const pooled = tf.mean(features, [1, 2]) as tf.Tensor2D;
      return tf.matMul(pooled, tf.tensor2d([10, 0, 0, 10], [2, 2]));
    }),
};

/** Red square in the bottom-right quadrant; green stripes in the top-left quadrant only. */
function syntheticImage(): tf.Tensor4D {
  const data = new Float32Array(SIZE * SIZE * 3).fill(0.2);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const p = (y * SIZE + x) * 3;
      if (y >= 8 && x >= 8) data[p] = 1;
      if (y < 8 && x < 8 && y % 2 === 0) data[p + 1] = 1;
    }
  }
  return tf.tensor4d(data, [1, SIZE, SIZE, 3]);
}

function quadrantMean(map: Float32Array | Int32Array | Uint8Array, top: number, left: number): number {
  let sum = 0;
  for (let y = top; y < top + 8; y++) {
    for (let x = left; x < left + 8; x++) sum += map[y * SIZE + x];
  }
  return sum / 64;
}

describe('gradCam', () => {
  it('highlights the region the logit depends on', () => {
    const image = syntheticImage();

    const red = gradCam(model, image, 0);
    const green = gradCam(model, image, 1);
    const redMap = red.heatmaps.dataSync();
    const greenMap = green.heatmaps.dataSync();

    expect(red.heatmaps.shape).toEqual([1, SIZE, SIZE]);
    expect(Math.max(...redMap)).toBeCloseTo(1, 5);

    // Class 0 depends only on the red bottom-right square.
    expect(quadrantMean(redMap, 8, 8)).toBeGreaterThan(0.8);
    expect(quadrantMean(redMap, 0, 0)).toBeLessThan(0.1);
    expect(quadrantMean(redMap, 0, 8)).toBeLessThan(0.1);

    // Class 1 depends only on the green stripes in the top-left quadrant.
    expect(quadrantMean(greenMap, 0, 0)).toBeGreaterThan(0.5);
    expect(quadrantMean(greenMap, 8, 8)).toBeLessThan(0.1);
    tf.dispose([image, red.heatmaps, red.logits, green.heatmaps, green.logits]);
  });

  it('leaves no tensors behind', () => {
    const image = syntheticImage();
    const before = tf.memory().numTensors;

    const result = gradCam(model, image, [1]);
    tf.dispose([result.heatmaps, result.logits]);

    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
  });

  it('rejects an invalid class index', () => {
    const image = syntheticImage();

    expect(() => gradCam(model, image, 2)).toThrow(/invalid class index 2/);
    expect(() => gradCam(model, image, [0, 1])).toThrow(/2 class indices for a batch of 1/);
    image.dispose();
  });
});
