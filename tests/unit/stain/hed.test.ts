import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  HED_FROM_RGB,
  hedToRgb,
  hedToRgbTensor,
  OD_SCALE,
  RGB_FROM_HED,
  rgbToHed,
  rgbToHedTensor,
} from '../../../src/core/stain/hed';
import { LUNG_ACA_TILE, loadTile } from './tile-fixture';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('hed', () => {
  it('matrices are inverses', () => {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let product = 0;
        for (let k = 0; k < 3; k++) product += RGB_FROM_HED[i][k] * HED_FROM_RGB[k][j];
        expect(product).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('pure haematoxylin pixel maps to H only', () => {
    // A pixel stained only by haematoxylin at concentration c has RGB = exp(-c * OD_SCALE * h),
    // where h = (0.65, 0.70, 0.29) is the haematoxylin OD vector.
    const c = 0.05;
    const rgb = new Float32Array([0.65, 0.7, 0.29].map((h) => Math.exp(-c * OD_SCALE * h)));

    const hed = rgbToHed(rgb);

    expect(hed[0]).toBeCloseTo(c, 5);
    expect(hed[1]).toBeCloseTo(0, 5);
    expect(hed[2]).toBeCloseTo(0, 5);
  });

  it('white maps to zero concentrations', () => {
    const hed = rgbToHed(new Float32Array([1, 1, 1]));

    expect(Array.from(hed).map((v) => Math.abs(v))).toEqual([0, 0, 0]);
  });

  it('real tile round trip within 1/255', () => {
    const tile = loadTile(LUNG_ACA_TILE);

    const back = hedToRgb(rgbToHed(tile.rgb));

    expect(tile.width * tile.height).toBe(224 * 224);
    expect(maxAbsDifference(back, tile.rgb)).toBeLessThan(1 / 255);
  });

  it('clipNegative keeps concentrations non-negative', () => {
    const tile = loadTile(LUNG_ACA_TILE);

    const unclipped = rgbToHed(tile.rgb);
    const clipped = rgbToHed(tile.rgb, { clipNegative: true });

    let negatives = 0;
    let clippedMin = Number.POSITIVE_INFINITY;
    for (let i = 0; i < unclipped.length; i++) {
      if (unclipped[i] < 0) negatives += 1;
      clippedMin = Math.min(clippedMin, clipped[i]);
    }
    expect(clippedMin).toBe(0);
    // A real H&E tile has pixels outside the H/E/D cone, so clipping changes some values.
    expect(negatives).toBeGreaterThan(0);
  });

  it('tensor ops match typed-array version', () => {
    const tile = loadTile(LUNG_ACA_TILE);
    const before = tf.memory().numTensors;

    const image = tf.tensor4d(tile.rgb, [1, tile.height, tile.width, 3]);
    const hedTensor = rgbToHedTensor(image);
    const backTensor = hedToRgbTensor(hedTensor);
    const hed = hedTensor.dataSync() as Float32Array;
    const back = backTensor.dataSync() as Float32Array;
    tf.dispose([image, hedTensor, backTensor]);

    expect(maxAbsDifference(hed, rgbToHed(tile.rgb))).toBeLessThan(1e-5);
    expect(maxAbsDifference(back, tile.rgb)).toBeLessThan(1 / 255);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a wrong channel count', () => {
    expect(() => rgbToHed(new Float32Array(4))).toThrow(/multiple of 3/);
    expect(() => rgbToHedTensor(tf.zeros([2, 2, 4]))).toThrow(/last axis of size 3/);
  });
});
