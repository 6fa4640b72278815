import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { activate, causalMask, plainLinear } from '../../../src/core/clip/clip-layers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('activate', () => {
  // Expected values: x * sigmoid(1.702 x), x * Phi(x) and the tanh approximation, in float64.
  it.each([
    ['quick_gelu', [0.845796, -0.154204, 1.935659]],
    ['gelu', [0.841345, -0.158655, 1.954500]],
    ['gelu_new', [0.841192, -0.158808, 1.954598]],
    ['relu', [1, 0, 2]],
  ] as const)('computes %s', (act, expected) => {
    const input = tf.tensor1d([1, -1, 2]);
    const output = activate(input, act);

    const values = Array.from(output.dataSync());
    expected.forEach((value, index) => expect(values[index]).toBeCloseTo(value, 5));
    tf.dispose([input, output]);
  });
});

describe('causalMask', () => {
  it('blocks only future positions', () => {
    const mask = causalMask(3);
    expect(mask.arraySync()).toEqual([
      [0, -1e9, -1e9],
      [0, 0, -1e9],
      [0, 0, 0],
    ]);
    mask.dispose();
  });
});

describe('plainLinear', () => {
  it('applies x W^T + b over the last axis', () => {
    const x = tf.tensor3d([1, 2, 3, 4], [1, 2, 2]);
    const weight = tf.tensor2d([1, 0, 1, 1, 0, 2], [3, 2]);
    const bias = tf.tensor1d([0, 10, 100]);

    const y = plainLinear('unit', x, weight, bias);
    expect(y.shape).toEqual([1, 2, 3]);
    expect(Array.from(y.dataSync())).toEqual([1, 13, 104, 3, 17, 108]);
    tf.dispose([x, weight, bias, y]);
  });
});
