import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { applyAugmentParams, augmentBatch } from '../../../src/core/augment/augment';
import {
  type AugmentConfig,
  DEFAULT_AUGMENT_CONFIG,
  NO_AUGMENT_CONFIG,
  validateAugmentConfig,
} from '../../../src/core/augment/augment-config';
import { sampleAugmentParams } from '../../../src/core/augment/augment-params';
import { SeededRng } from '../../../src/core/rng';
import { cropTile, LUNG_ACA_TILE, loadTile } from '../stain/tile-fixture';

const SIZE = 24;
const BATCH = 6;

// Six 24x24 crops of a real lung adenocarcinoma tile, shifted so each image differs.
function realBatch(): tf.Tensor4D {
  const tile = loadTile(LUNG_ACA_TILE);
  const data = new Float32Array(BATCH * SIZE * SIZE * 3);
  for (let n = 0; n < BATCH; n++) {
    const shifted = { ...tile, rgb: tile.rgb.subarray(n * 37 * tile.width * 3), height: tile.height - n * 37 };
    data.set(cropTile(shifted, SIZE).rgb, n * SIZE * SIZE * 3);
  }
  return tf.tensor4d(data, [BATCH, SIZE, SIZE, 3]);
}

const STRONG_CONFIG: AugmentConfig = {
  flips: true,
  rotate90: true,
  randomResizedCrop: { enabled: true, scale: [0.3, 1], aspectRatio: [0.5, 2] },
  colorJitter: { enabled: true, brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.5 },
  hedJitter: { enabled: true, strength: 0.5 },
};

const GEOMETRY_ONLY: AugmentConfig = { ...NO_AUGMENT_CONFIG, flips: true, rotate90: true };

/** Reference flips and rotation built from tf.reverse and tf.transpose, independent of the index maps. */
function referenceDihedral(image: tf.Tensor3D, flipH: boolean, flipV: boolean, turns: number): tf.Tensor3D {
  return tf.tidy(() => {
    let x = image;
    if (flipH) x = tf.reverse(x, 1);
    if (flipV) x = tf.reverse(x, 0);

    // numpy.rot90 (counter-clockwise): B = reverse(transpose(A), rows).
    for (let t = 0; t < turns; t++) x = tf.reverse(tf.transpose(x, [1, 0, 2]), 0);
    return x;
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('augmentBatch', () => {
  it('keeps the shape and leaves the input intact', () => {
    const images = realBatch();
    const before = images.dataSync().slice();

    const out = augmentBatch(images, DEFAULT_AUGMENT_CONFIG, new SeededRng(1));

    expect(out.shape).toEqual(images.shape);
    expect(out.dtype).toBe('float32');
    expect(images.isDisposed).toBe(false);
    expect(images.dataSync()).toEqual(before);
    tf.dispose([images, out]);
  });

  it('same seed gives an identical batch', () => {
    const images = realBatch();

    const a = augmentBatch(images, DEFAULT_AUGMENT_CONFIG, new SeededRng(42));
    const b = augmentBatch(images, DEFAULT_AUGMENT_CONFIG, new SeededRng(42));

    expect(a.dataSync()).toEqual(b.dataSync());
    tf.dispose([images, a, b]);
  });

  it('different seeds and consecutive batches differ', () => {
    const images = realBatch();
    const rng = new SeededRng(42);

    const first = augmentBatch(images, DEFAULT_AUGMENT_CONFIG, rng);
    const second = augmentBatch(images, DEFAULT_AUGMENT_CONFIG, rng);
    const otherSeed = augmentBatch(images, DEFAULT_AUGMENT_CONFIG, new SeededRng(43));

    const firstValues = first.dataSync();
    expect(tf.max(tf.abs(tf.sub(first, second))).dataSync()[0]).toBeGreaterThan(0.01);
    expect(tf.max(tf.abs(tf.sub(first, otherSeed))).dataSync()[0]).toBeGreaterThan(0.01);
    expect(firstValues).not.toEqual(otherSeed.dataSync());
    tf.dispose([images, first, second, otherSeed]);
  });

  it('strong settings keep values in [0, 1]', () => {
    const images = realBatch();

    const out = augmentBatch(images, STRONG_CONFIG, new SeededRng(7));
    const values = out.dataSync();

    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(values.some((v) => Number.isNaN(v))).toBe(false);
    tf.dispose([images, out]);
  });

  it('flips and rot90 are exact pixel permutations', () => {
    const images = realBatch();
    const rng = new SeededRng(5);
    const params = sampleAugmentParams(BATCH, SIZE, SIZE, GEOMETRY_ONLY, SeededRng.fromState(rng.getState()));

    const out = augmentBatch(images, GEOMETRY_ONLY, rng);

    const inputs = tf.unstack(images) as tf.Tensor3D[];
    const outputs = tf.unstack(out) as tf.Tensor3D[];
    const seenTurns = new Set<number>();
    for (let n = 0; n < BATCH; n++) {
      const { flipHorizontal, flipVertical, quarterTurns } = params[n].dihedral;
      seenTurns.add(quarterTurns);
      const expected = referenceDihedral(inputs[n], flipHorizontal, flipVertical, quarterTurns);

      expect(outputs[n].dataSync()).toEqual(expected.dataSync());
      expect(Array.from(outputs[n].dataSync()).sort()).toEqual(Array.from(inputs[n].dataSync()).sort());
      expected.dispose();
    }
    // Six images with seed 5 use more than one rotation, so the check covers rotated cases.
    expect(seenTurns.size).toBeGreaterThan(1);
    tf.dispose([images, out, ...inputs, ...outputs]);
  });

  it('no-op config returns an equal copy', () => {
    const images = realBatch();

    const out = augmentBatch(images, NO_AUGMENT_CONFIG, new SeededRng(3));

    expect(out).not.toBe(images);
    expect(out.dataSync()).toEqual(images.dataSync());
    tf.dispose([images, out]);
  });

  it('HED jitter at alpha 1 and beta 0 is near identity', () => {
    const images = realBatch();
    const params = sampleAugmentParams(BATCH, SIZE, SIZE, NO_AUGMENT_CONFIG, new SeededRng(1));
    // A tiny non-zero beta on D forces the HED path while leaving H and E untouched.
    for (const p of params) p.hedBeta = [0, 0, 1e-9];

    const out = applyAugmentParams(images, params);

    expect(tf.max(tf.abs(tf.sub(out, images))).dataSync()[0]).toBeLessThan(1 / 255);
    tf.dispose([images, out]);
  });

  it('HED jitter changes colour within a light range', () => {
    const images = realBatch();
    const config: AugmentConfig = { ...NO_AUGMENT_CONFIG, hedJitter: { enabled: true, strength: 0.05 } };

    const out = augmentBatch(images, config, new SeededRng(11));
    const meanChange = tf.mean(tf.abs(tf.sub(out, images))).dataSync()[0];

    // Measured on this batch (seed 11): mean |change| 0.011, about 3 of 255; the bounds catch a
    // no-op and a scale error (such as beta applied on scikit-image's OD / 13.8 scale).
    expect(meanChange).toBeGreaterThan(0.001);
    expect(meanChange).toBeLessThan(0.05);
    tf.dispose([images, out]);
  });

  it('crop boxes stay inside the image with the drawn area', () => {
    const config: AugmentConfig = {
      ...NO_AUGMENT_CONFIG,
      randomResizedCrop: { enabled: true, scale: [0.25, 0.25], aspectRatio: [1, 1] },
    };

    const params = sampleAugmentParams(20, SIZE, SIZE, config, new SeededRng(9));

    for (const p of params) {
      const [y1, x1, y2, x2] = p.crop!;
      expect(y1).toBeGreaterThanOrEqual(0);
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(y2).toBeLessThanOrEqual(1);
      expect(x2).toBeLessThanOrEqual(1);
      expect((y2 - y1) * (x2 - x1)).toBeCloseTo(0.25, 9);
    }
  });

  it('crop of a half box upsamples the quarter', () => {
    // A 4x4 image with distinct values; the box [0, 0, 1/3, 1/3] covers pixel rows/cols 0..1 in
    // cropAndResize coordinates (y * (H - 1)), so a 4x4 output interpolates between pixels 0 and 1.
    const image = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i / 16).flatMap((v) => [v, v, v]), [1, 4, 4, 3]);
    const params = sampleAugmentParams(1, 4, 4, NO_AUGMENT_CONFIG, new SeededRng(1));
    params[0].crop = [0, 0, 1 / 3, 1 / 3];

    const out = applyAugmentParams(image, params);
    const values = out.dataSync();

    expect(values[0]).toBeCloseTo(0, 6);
    expect(values[3 * 3]).toBeCloseTo(1 / 16, 6);
    expect(values[3 * 15]).toBeCloseTo(5 / 16, 6);
    tf.dispose([image, out]);
  });

  it('tensor count stays flat', () => {
    const images = realBatch();
    const rng = new SeededRng(2);
    augmentBatch(images, STRONG_CONFIG, rng).dispose();
    const before = tf.memory().numTensors;

    for (let i = 0; i < 3; i++) augmentBatch(images, STRONG_CONFIG, rng).dispose();

    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });

  it('rejects bad input and settings', () => {
    const ints = tf.zeros([1, 4, 4, 3], 'int32') as tf.Tensor4D;
    const grey = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;

    expect(() => augmentBatch(ints, DEFAULT_AUGMENT_CONFIG, new SeededRng(1))).toThrow(/dtype int32/);
    expect(() => augmentBatch(grey, DEFAULT_AUGMENT_CONFIG, new SeededRng(1))).toThrow(/need RGB images/);
    expect(() =>
      validateAugmentConfig({ ...DEFAULT_AUGMENT_CONFIG, colorJitter: { ...DEFAULT_AUGMENT_CONFIG.colorJitter, hue: 0.7 } }),
    ).toThrow(/colorJitter.hue 0.7/);
    expect(() =>
      validateAugmentConfig({
        ...DEFAULT_AUGMENT_CONFIG,
        randomResizedCrop: { enabled: true, scale: [0.9, 0.5], aspectRatio: [1, 1] },
      }),
    ).toThrow(/randomResizedCrop.scale/);
    tf.dispose([ints, grey]);
  });
});
