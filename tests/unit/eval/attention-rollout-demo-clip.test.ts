import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ClipModel, loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { preprocessImages } from '../../../src/core/clip/image-preprocess';
import { visionAttentionRollout } from '../../../src/core/eval/attention-rollout';
import { REPO_ROOT, sharedPath } from '../shared-path';

const MODEL_DIR = path.join(REPO_ROOT, 'public/models/demo-clip');
const MODEL_FILES = ['config.json', 'model.safetensors', 'preprocessor_config.json'];

describe('attention rollout on the demo CLIP', () => {
  let model: ClipModel;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const files = new Map<string, Uint8Array>();
    for (const name of MODEL_FILES) files.set(name, new Uint8Array(fs.readFileSync(path.join(MODEL_DIR, name))));
    model = loadClipFromFiles(files);
  });

  afterAll(() => model?.dispose());

  it('maps a real tile on the patch grid', () => {
    const bytes = fs.readFileSync(sharedPath('data/lc25000-lung/lung_aca/lungaca10.jpeg'));
    const decoded = jpeg.decode(bytes, { useTArray: true });
    const { values, shape } = preprocessImages([{ data: decoded.data, width: decoded.width, height: decoded.height, channels: 4 }], model.preprocess);
    const pixels = tf.tensor4d(values, shape);
    const before = tf.memory().numTensors;

    const map = visionAttentionRollout(model.weights, model.config.vision, pixels);
    const relevance = Array.from(map.dataSync());

    // 64 px input in 16 px patches: a 4 x 4 grid.
    expect(map.shape).toEqual([1, 4, 4]);
    expect(Math.max(...relevance)).toBeCloseTo(1, 6);
    expect(Math.min(...relevance)).toBeGreaterThan(0);
    expect(Math.min(...relevance)).toBeLessThan(1);
    map.dispose();
    expect(tf.memory().numTensors).toBe(before);
    pixels.dispose();
  });
});
