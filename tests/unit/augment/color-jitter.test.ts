import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { colorJitter, hueRotationTransposed } from '../../../src/core/augment/color-jitter';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function neutral(batch: number) {
  return {
    brightness: new Array(batch).fill(1),
    contrast: new Array(batch).fill(1),
    saturation: new Array(batch).fill(1),
    hue: new Array(batch).fill(0),
  };
}

describe('colorJitter', () => {
  it('brightness scales each image by its own factor', () => {
    const images = tf.fill([2, 2, 2, 3], 0.5) as tf.Tensor4D;

    const out = colorJitter(images, { ...neutral(2), brightness: [1.2, 0.8] });
    const values = out.dataSync();

    expect(values[0]).toBeCloseTo(0.6, 6);
    expect(values[12]).toBeCloseTo(0.4, 6);
    tf.dispose([images, out]);
  });

  it('contrast keeps the mean grey', () => {
    // Pixels 0.2 and 0.6 (grey), mean 0.4; contrast 0.5 pulls them to 0.3 and 0.5.
    const images = tf.tensor4d([0.2, 0.2, 0.2, 0.6, 0.6, 0.6], [1, 1, 2, 3]);

    const out = colorJitter(images, { ...neutral(1), contrast: [0.5] });
    const values = out.dataSync();

    expect(values[0]).toBeCloseTo(0.3, 6);
    expect(values[3]).toBeCloseTo(0.5, 6);
    tf.dispose([images, out]);
  });

  it('saturation 0 gives greyscale', () => {
    // Grey of (0.8, 0.2, 0.4) = 0.299 * 0.8 + 0.587 * 0.2 + 0.114 * 0.4 = 0.4022.
    const images = tf.tensor4d([0.8, 0.2, 0.4], [1, 1, 1, 3]);

    const out = colorJitter(images, { ...neutral(1), saturation: [0] });

    for (const v of out.dataSync()) expect(v).toBeCloseTo(0.4022, 5);
    tf.dispose([images, out]);
  });

  it('hue rotation keeps grey and luma', () => {
    const images = tf.tensor4d([0.5, 0.5, 0.5, 0.6, 0.3, 0.4], [1, 1, 2, 3]);

    const out = colorJitter(images, { ...neutral(1), hue: [0.25] });
    const values = out.dataSync();
    const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

    expect(values[0]).toBeCloseTo(0.5, 5);
    expect(values[1]).toBeCloseTo(0.5, 5);
    expect(luma(values[3], values[4], values[5])).toBeCloseTo(luma(0.6, 0.3, 0.4), 5);
    expect(Math.abs(values[3] - 0.6)).toBeGreaterThan(0.02);
    tf.dispose([images, out]);
  });

  it('two half-turn hue rotations cancel', () => {
    const half = hueRotationTransposed(0.5);

    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let product = 0;
        for (let k = 0; k < 3; k++) product += half[i][k] * half[k][j];
        expect(product).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  });
});
