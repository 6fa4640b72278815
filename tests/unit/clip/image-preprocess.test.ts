import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parsePreprocessConfig } from '../../../src/core/clip/preprocess-config';
import { type ClipModel, loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { preprocessImage, preprocessImages, shortestEdgeSize } from '../../../src/core/clip/image-preprocess';
import {
  TINY_CLIP_DIR,
  cosineSimilarity,
  decodeFixtureImage,
  maxAbsDifference,
  readModelFiles,
  readReference,
  readReferencePixels,
} from './tiny-clip-fixture';

const reference = readReference();
const referencePixels = readReferencePixels(reference);
const config = parsePreprocessConfig(JSON.parse(fs.readFileSync(path.join(TINY_CLIP_DIR, 'preprocessor_config.json'), 'utf8')));
const valuesPerImage = 3 * 64 * 64;

describe('preprocessImage', () => {
  it.each(reference.images.map((fileName, index) => [fileName, index] as const))('matches reference pixels for %s', (fileName, index) => {
    const values = preprocessImage(decodeFixtureImage(fileName), config);
    const expected = referencePixels.subarray(index * valuesPerImage, (index + 1) * valuesPerImage);

    expect(values.length).toBe(valuesPerImage);
    expect(maxAbsDifference(values, expected)).toBeLessThanOrEqual(0.05);
  });

  it('resizes a non-square image by its shorter side', () => {
    expect(shortestEdgeSize(300, 200, 64)).toEqual([96, 64]);
    expect(shortestEdgeSize(200, 301, 64)).toEqual([64, 96]);
  });

  it('crops the centre of a wide image', () => {
    // Left half black, right half white; after the centre crop the middle column is the boundary.
    const width = 256;
    const height = 64;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = width / 2; x < width; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
    const values = preprocessImage({ data, width, height, channels: 3 }, { ...config, doNormalize: false });

    expect(values[0]).toBe(0);
    expect(values[63]).toBe(1);
    expect(values.length).toBe(valuesPerImage);
  });

  it('replicates a grayscale channel into RGB', () => {
    const data = new Uint8Array(64 * 64).fill(128);
    const values = preprocessImage({ data, width: 64, height: 64, channels: 1 }, { ...config, doNormalize: false });
    expect(values[0]).toBeCloseTo(128 / 255, 6);
    expect(values[2 * 64 * 64]).toBeCloseTo(128 / 255, 6);
  });

  it('rejects pixel buffers shorter than their size', () => {
    expect(() => preprocessImage({ data: new Uint8Array(10), width: 64, height: 64, channels: 3 }, config)).toThrow(/fewer than 64x64x3/);
  });
});

describe('preprocessed images through the model', () => {
  let model: ClipModel;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = loadClipFromFiles(readModelFiles(['config.json', 'model.safetensors', 'preprocessor_config.json']));
  });

  afterAll(() => {
    model.dispose();
  });

  it('keeps image embedding cosine >= 0.99', () => {
    const batch = preprocessImages(reference.images.map(decodeFixtureImage), model.preprocess);
    expect(batch.shape).toEqual(reference.pixel_values_shape);

    const pixels = tf.tensor4d(batch.values, batch.shape);
    const embeds = model.embedImages(pixels).arraySync();
    embeds.forEach((embedding, index) => {
      expect(cosineSimilarity(embedding, reference.image_embeds[index])).toBeGreaterThanOrEqual(0.99);
    });
    pixels.dispose();
  });
});
