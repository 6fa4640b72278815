import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { gradCam } from '../../../src/core/eval/grad-cam';
import { smallCnnGradCamModel } from '../../../src/core/eval/small-cnn-grad-cam';
import { SeededRng } from '../../../src/core/rng';
import { SmallCnn } from '../../../src/core/train/small-cnn';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SIZE = 16;

/**
 * Builds a CNN with one conv block whose 3x3 kernels read only the centre pixel: channel 0 is
 * the red value and channel 1 the green value (minus the model's own 0.5
 * offset, then ReLU). Class 0 reads channel 0 and class 1 channel 1, so each
 * logit depends only on where its colour is above 0.5.
 */
function colourDetector(): SmallCnn {
  const cnn = new SmallCnn({ inputSize: SIZE, channels: [2], numClasses: 2, dropout: 0 }, new SeededRng(1));
  const kernel = new Float32Array(3 * 3 * 3 * 2);
  const centre = (1 * 3 + 1) * 3 * 2;
  kernel[centre + 0 * 2 + 0] = 1;
  kernel[centre + 1 * 2 + 1] = 1;

  cnn.importWeights({
    'conv0.weight': { shape: [3, 3, 3, 2], values: kernel },
    'conv0.bias': { shape: [2], values: new Float32Array([0, 0]) },
    'head.weight': { shape: [2, 2], values: new Float32Array([10, 0, 0, 10]) },
    'head.bias': { shape: [2], values: new Float32Array([0, 0]) },
  });
  return cnn;
}

/** Red bottom-right quadrant, green top-right quadrant, grey elsewhere. */
function image(): tf.Tensor4D {
  const data = new Float32Array(SIZE * SIZE * 3).fill(0.3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const p = (y * SIZE + x) * 3;
      if (y >= 8 && x >= 8) data[p] = 1;
      if (y < 8 && x >= 8) data[p + 1] = 1;
    }
  }
  return tf.tensor4d(data, [1, SIZE, SIZE, 3]);
}

function quadrantMean(map: ArrayLike<number>, top: number, left: number): number {
  let sum = 0;
  for (let y = top; y < top + 8; y++) {
    for (let x = left; x < left + 8; x++) sum += map[y * SIZE + x];
  }
  return sum / 64;
}

describe('smallCnnGradCamModel', () => {
  it('split keeps the logits', () => {
    const cnn = new SmallCnn({ inputSize: SIZE, channels: [4, 8], numClasses: 3, dropout: 0 }, new SeededRng(2));
    const images = tf.randomUniform([2, SIZE, SIZE, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const split = smallCnnGradCamModel(cnn);

    const direct = cnn.logits(images);
    const featureMap = split.features(images);
    const viaSplit = split.head(featureMap);

    expect(featureMap.shape).toEqual([2, SIZE / 4, SIZE / 4, 8]);
    const difference = tf.max(tf.abs(tf.sub(direct, viaSplit))).dataSync()[0];
    expect(difference).toBeLessThan(1e-5);
    tf.dispose([images, direct, featureMap, viaSplit]);
    cnn.dispose();
  });

  it('Grad-CAM highlights the logit region', () => {
    const cnn = colourDetector();
    const input = image();

    const red = gradCam(smallCnnGradCamModel(cnn), input, 0);
    const green = gradCam(smallCnnGradCamModel(cnn), input, 1);
    const redMap = red.heatmaps.dataSync();
    const greenMap = green.heatmaps.dataSync();

    expect(quadrantMean(redMap, 8, 8)).toBeGreaterThan(0.8);
    expect(quadrantMean(redMap, 0, 0)).toBeLessThan(0.1);
    expect(quadrantMean(redMap, 0, 8)).toBeLessThan(0.1);
    expect(quadrantMean(greenMap, 0, 8)).toBeGreaterThan(0.8);
    expect(quadrantMean(greenMap, 8, 8)).toBeLessThan(0.1);
    expect(quadrantMean(greenMap, 8, 0)).toBeLessThan(0.1);
    tf.dispose([input, red.heatmaps, red.logits, green.heatmaps, green.logits]);
    cnn.dispose();
  });
});
