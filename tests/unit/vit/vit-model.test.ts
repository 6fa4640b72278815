import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Float32TensorData } from '../../../src/core/clipit/safetensors-writer';
import { DEFAULT_CLIPIT_TRAIN_CONFIG } from '../../../src/core/clipit/clipit-train-config';
import { createClipItRun } from '../../../src/core/clipit/clipit-run';
import { VitBackbone } from '../../../src/core/clipit/vit-backbone';
import { DEFAULT_CLIP_LORA_OPTIONS } from '../../../src/core/lora/clip-lora';
import { activate } from '../../../src/core/clip/clip-layers';
import { SeededRng } from '../../../src/core/rng';
import { geluExact } from '../../../src/core/vit/gelu';
import { type VitModel, loadVitFromFiles } from '../../../src/core/vit/vit-model';
import { REPO_ROOT } from '../shared-path';
import {
  TINY,
  hfConfigJson,
  hfPreprocessorJson,
  plainTimmTensors,
  registerTimmTensors,
  timmConfigJson,
  toHfTensors,
  writeModelFolder,
} from './tiny-vit-fixture';

const work = mkdtempSync(path.join(os.tmpdir(), 'vit-test-'));
const REFERENCE = path.join(REPO_ROOT, 'tests/unit/vit/vit_reference.py');
const BATCH = 3;

const plain = plainTimmTensors(1);
const hfDir = writeModelFolder(path.join(work, 'hf'), toHfTensors(plain), hfConfigJson(), hfPreprocessorJson());
const timmDir = writeModelFolder(path.join(work, 'timm'), plain, timmConfigJson('token'));
const registerDir = writeModelFolder(path.join(work, 'timm-registers'), registerTimmTensors(2), timmConfigJson('avg', { reg_tokens: 2, no_embed_class: true, init_values: 1e-5 }));

function readFolder(dir: string): Map<string, Uint8Array> {
  return new Map(readdirSync(dir).map((name) => [name, new Uint8Array(readFileSync(path.join(dir, name)))]));
}

function randomImages(size: number, seed: number): Float32Array {
  return new SeededRng(seed).uniformArray(BATCH * size * size * 3, 0, 1);
}

/** Features of the NumPy float64 reference for the folder's model. */
function referenceFeatures(dir: string, images: Float32Array, size: number): number[][] {
  const input = path.join(work, `images-${size}.f32`);
  const output = path.join(work, 'reference.json');
  writeFileSync(input, Buffer.from(images.buffer, images.byteOffset, images.byteLength));
  execFileSync('python3', [REFERENCE, dir, input, String(BATCH), String(size), output], { stdio: ['ignore', 'pipe', 'pipe'] });
  return (JSON.parse(readFileSync(output, 'utf8')) as { features: number[][] }).features;
}

function features(model: VitModel, images: Float32Array, size: number): number[][] {
  const input = tf.tensor4d(images, [BATCH, size, size, 3]);
  const output = model.features(input);
  const rows = output.arraySync() as number[][];
  tf.dispose([input, output]);
  return rows;
}

function maxDifference(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((row, i) => {
    expect(row.length).toBe(b[i].length);
    row.forEach((value, j) => (max = Math.max(max, Math.abs(value - b[i][j]))));
  });
  return max;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ViT forward against the NumPy reference', () => {
  const models = new Map<string, VitModel>();
  const load = (dir: string) => {
    if (!models.has(dir)) models.set(dir, loadVitFromFiles(readFolder(dir)));
    return models.get(dir)!;
  };
  afterAll(() => {
    for (const model of models.values()) model.dispose();
  });

  it.each([
    ['transformers layout', 'hf', 32],
    ['timm layout', 'timm', 32],
    ['registers, layer scale, mean pooling', 'timm-registers', 32],
    ['transformers layout at 48 px', 'hf', 48],
    ['timm layout at 16 px', 'timm', 16],
    ['registers at 48 px', 'timm-registers', 48],
  ])('%s matches within 1e-4', (_name, folder, size) => {
    const dir = path.join(work, folder);
    const images = randomImages(size, size);
    const expected = referenceFeatures(dir, images, size);
    const actual = features(load(dir), images, size);

    expect(actual[0].length).toBe(TINY.hidden);
    expect(maxDifference(actual, expected)).toBeLessThan(1e-4);
  });

  it('reads the layout and pooling from the folder', () => {
    expect(load(hfDir).config.layout).toBe('hf-vit');
    expect(load(timmDir).config.layout).toBe('timm');
    const registers = load(registerDir).config;
    expect(registers.registerTokens).toBe(2);
    expect(registers.positionEmbeddingPatchesOnly).toBe(true);
    expect(registers.layerScale).toBe(true);
    expect(registers.pooling).toBe('mean');
    expect(registers.finalNorm).toBe(false);
    expect(registers.poolNorm).toBe(true);
  });

  it('gives the same features in both layouts', () => {
    for (const size of [32, 48]) {
      const images = randomImages(size, 7);
      expect(maxDifference(features(load(hfDir), images, size), features(load(timmDir), images, size))).toBeLessThan(1e-5);
    }
  });

  it('reads a ViTForImageClassification checkpoint', () => {
    const tensors = toHfTensors(plain, 'vit.');
    tensors.set('classifier.weight', { shape: [2, TINY.hidden], values: new Float32Array(2 * TINY.hidden) });
    tensors.set('classifier.bias', { shape: [2], values: new Float32Array(2) });
    const model = loadVitFromFiles(readFolder(writeModelFolder(path.join(work, 'hf-classifier'), tensors, hfConfigJson(), hfPreprocessorJson())));
    const images = randomImages(32, 3);

    expect(maxDifference(features(model, images, 32), features(load(hfDir), images, 32))).toBeLessThan(1e-6);
    model.dispose();
  });
});

describe('ViT loading errors', () => {
  function loadError(tensors: Map<string, Float32TensorData>, config: object, preprocessor?: object): string {
    const dir = path.join(work, `broken-${Math.random().toString(36).slice(2)}`);
    writeModelFolder(dir, tensors, config, preprocessor);
    try {
      loadVitFromFiles(readFolder(dir)).dispose();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the folder loaded without an error');
  }

  it('names a missing tensor and the file', () => {
    const tensors = toHfTensors(plain);
    tensors.delete('encoder.layer.1.attention.attention.key.weight');
    const message = loadError(tensors, hfConfigJson(), hfPreprocessorJson());
    expect(message).toContain('model.safetensors');
    expect(message).toContain('"encoder.layer.1.attention.attention.key.weight" is missing');
  });

  it('names a mis-shaped tensor', () => {
    const tensors = new Map(plain);
    tensors.set('blocks.1.mlp.fc2.weight', { shape: [TINY.hidden, 8], values: new Float32Array(TINY.hidden * 8) });
    const message = loadError(tensors, timmConfigJson('token'));
    expect(message).toContain('"blocks.1.mlp.fc2.weight" has shape [32, 8], expected [32, 64]');
  });

  it('rejects a layer it cannot run', () => {
    const tensors = new Map(plain);
    tensors.set('blocks.0.attn.q_norm.weight', { shape: [8], values: new Float32Array(8) });
    expect(loadError(tensors, timmConfigJson('token'))).toContain('"blocks.0.attn.q_norm.weight"');
  });

  it('rejects attention pooling', () => {
    expect(loadError(plain, timmConfigJson('map' as 'avg'))).toContain('global_pool "map" is not supported');
  });

  it('rejects class-token pooling without a class token', () => {
    const tensors = registerTimmTensors(2);
    tensors.delete('cls_token');
    expect(loadError(tensors, timmConfigJson('token'))).toContain('needs a class token');
  });

  it('rejects another transformers model type', () => {
    expect(loadError(toHfTensors(plain), { ...hfConfigJson(), model_type: 'dinov2' })).toContain('model_type "dinov2" is not supported');
  });

  it('asks for the head count when the name does not tell it', () => {
    const config = { ...timmConfigJson('token'), architecture: 'vit_custom_patch8', model_args: {} };
    expect(loadError(plain, config)).toContain('model_args');
  });

  it('rejects a folder without ViT tensors', () => {
    const tensors = new Map([['text_model.embeddings.token_embedding.weight', { shape: [2, 2], values: new Float32Array(4) }]]);
    expect(loadError(tensors, hfConfigJson())).toContain('patch_embed.proj.weight');
  });
});

describe('exact GELU', () => {
  it('matches the composed ops and their gradient', () => {
    const x = tf.tensor1d([-4, -1.5, -0.3, 0, 0.2, 1, 2.5, 6]);
    const composed = (t: tf.Tensor) => activate(t, 'gelu');

    expect(maxDifference([Array.from(geluExact(x).dataSync())], [Array.from(composed(x).dataSync())])).toBeLessThan(1e-6);
    const gradient = tf.grad((t: tf.Tensor) => tf.sum(geluExact(t)))(x);
    const expected = tf.grad((t: tf.Tensor) => tf.sum(composed(t)))(x);
    expect(maxDifference([Array.from(gradient.dataSync())], [Array.from(expected.dataSync())])).toBeLessThan(1e-5);
    tf.dispose([x, gradient, expected]);
  });
});

describe('ViT backbone with LoRA', () => {
  it('trains only the adapters and exports them merged', async () => {
    const vit = loadVitFromFiles(readFolder(timmDir));
    const backbone = new VitBackbone(vit, 32, { rank: 4, alpha: 8, dropout: 0 }, new SeededRng(5));
    const images = tf.tensor4d(randomImages(32, 9), [BATCH, 32, 32, 3]);
    const before = backbone.features(images);

    // Four attention projections per block, A and B each.
    expect(backbone.params.size).toBe(TINY.layers * 4 * 2);
    expect([...backbone.params.keys()]).toContain('blocks.1.attn.proj.lora_B');
    expect(before.shape).toEqual([BATCH, TINY.hidden]);

    const baseWeight = vit.weights.get('blocks.0.attn.q.weight')!;
    const baseValues = baseWeight.dataSync().slice();
    const optimizer = tf.train.adam(0.05);
    for (let step = 0; step < 3; step++) {
      optimizer.minimize(() => tf.sum(tf.square(backbone.features(images))) as tf.Scalar, false, [...backbone.params.values()]);
    }
    const after = backbone.features(images);
    const changed = Math.max(...Array.from(tf.abs(tf.sub(after, before)).dataSync()));
    expect(changed).toBeGreaterThan(1e-3);
    expect(Array.from(baseWeight.dataSync())).toEqual(Array.from(baseValues));

    const exported = backbone.exportWeights();
    if (exported.config.kind !== 'vit') throw new Error('expected a ViT export');
    expect(exported.config.inputSize).toBe(32);
    const imported = VitBackbone.fromExport(exported.config.vit, exported.config.inputSize, exported.tensors);
    const merged = imported.features(images);
    expect(imported.params.size).toBe(0);
    expect(Math.max(...Array.from(tf.abs(tf.sub(merged, after)).dataSync()))).toBeLessThan(1e-5);

    tf.dispose([images, before, after, merged, ...exported.tensors.values()]);
    optimizer.dispose();
    imported.dispose();
    backbone.dispose();
    vit.dispose();
  });

  it.each([
    ['frozen in the baseline', false, 0],
    ['adapted on request', true, TINY.layers * 4 * 2],
  ])('unimodal run keeps the ViT %s', async (_name, adaptBaselineBackbone, expectedParams) => {
    const vit = loadVitFromFiles(readFolder(timmDir));
    const images = { batch: (indices: readonly number[]) => tf.tensor4d(randomImages(32, 2).subarray(0, indices.length * 32 * 32 * 3), [indices.length, 32, 32, 3]) };
    const run = await createClipItRun({
      mode: 'unimodal',
      backbone: { kind: 'vit', vit, inputSize: 32 },
      numClasses: 2,
      images,
      labels: Int32Array.from([0, 1, 0]),
      split: { train: [0, 1], val: [2] },
      config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 1, batchSize: 2 },
      lora: { ...DEFAULT_CLIP_LORA_OPTIONS, lora: { rank: 2, alpha: 4, dropout: 0 } },
      adaptBaselineBackbone,
    });

    expect(run.model.backbone.params.size).toBe(expectedParams);
    run.dispose();
    vit.dispose();
  });

  it('leaves no tensors behind', () => {
    const vit = loadVitFromFiles(readFolder(hfDir));
    const backbone = new VitBackbone(vit, 48, { rank: 2, alpha: 2, dropout: 0 }, new SeededRng(1));
    const images = tf.tensor4d(randomImages(48, 1), [BATCH, 48, 48, 3]);
    backbone.features(images).dispose();
    const count = tf.memory().numTensors;
    backbone.features(images).dispose();
    expect(tf.memory().numTensors).toBe(count);
    images.dispose();
    backbone.dispose();
    vit.dispose();
  });
});
