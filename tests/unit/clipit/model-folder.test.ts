import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { backboneBatchSource, backboneInputSize } from '../../../src/core/clipit/backbone-input';
import { ClipVisionBackbone } from '../../../src/core/clipit/clip-vision-backbone';
import { exportClipItModel } from '../../../src/core/clipit/clipit-export';
import { ClipItModel } from '../../../src/core/clipit/clipit-model';
import { predictProbabilities } from '../../../src/core/clipit/clipit-predict';
import { CnnBackbone } from '../../../src/core/clipit/cnn-backbone';
import { loadModelFolder, modelFolderFiles } from '../../../src/core/clipit/model-folder';
import type { VisionBackbone } from '../../../src/core/clipit/vision-backbone';
import { VitBackbone } from '../../../src/core/clipit/vit-backbone';
import { ClipLora, DEFAULT_CLIP_LORA_OPTIONS } from '../../../src/core/lora/clip-lora';
import { SeededRng } from '../../../src/core/rng';
import { loadVitFromFiles } from '../../../src/core/vit/vit-model';
import { readModelFiles } from '../clip/tiny-clip-fixture';
import { plainTimmTensors, timmConfigJson, writeModelFolder } from '../vit/tiny-vit-fixture';

const COUNT = 10;
const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];

/** NHWC tiles in [0, 1], as the pixel store gives them. */
class RandomTiles {
  constructor(
    readonly size: number,
    private readonly values = new SeededRng(size).uniformArray(COUNT * size * size * 3, 0, 1),
  ) {}

  batch(indices: readonly number[]): tf.Tensor4D {
    const perImage = this.size * this.size * 3;
    const out = new Float32Array(indices.length * perImage);
    indices.forEach((index, row) => out.set(this.values.subarray(index * perImage, (index + 1) * perImage), row * perImage));
    return tf.tensor4d(out, [indices.length, this.size, this.size, 3]);
  }
}

/** Gives every trainable weight (LoRA B starts at zero) random values, so merging changes the weights. */
function perturb(model: ClipItModel, seed: number): void {
  const rng = new SeededRng(seed);
  for (const variable of [...model.backbone.params.values(), ...model.headParams.values()]) {
    variable.assign(tf.tensor(rng.normalArray(variable.size, 0.1), variable.shape));
  }
}

const work = mkdtempSync(path.join(os.tmpdir(), 'model-folder-'));
const vitDir = writeModelFolder(path.join(work, 'vit'), plainTimmTensors(4), timmConfigJson('token'));
const owned: { dispose(): void }[] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => {
  for (const item of owned.reverse()) item.dispose();
});

const BACKBONES: [string, (rng: SeededRng) => VisionBackbone][] = [
  ['small CNN', (rng) => new CnnBackbone({ inputSize: 16, channels: [4, 8], numClasses: 3, dropout: 0 }, rng)],
  [
    'ViT with LoRA',
    (rng) => {
      const files = new Map(readdirSync(vitDir).map((name) => [name, new Uint8Array(readFileSync(path.join(vitDir, name)))]));
      const vit = loadVitFromFiles(files);
      owned.push(vit);
      // 48 px differs from the 32 px of pretraining, so the export must carry the input size.
      return new VitBackbone(vit, 48, { rank: 4, alpha: 8, dropout: 0 }, rng);
    },
  ],
  [
    'CLIP vision tower with LoRA',
    (rng) => {
      const clip = loadClipFromFiles(readModelFiles(['config.json', 'model.safetensors', 'preprocessor_config.json']));
      const lora = new ClipLora(clip, { ...DEFAULT_CLIP_LORA_OPTIONS, text: false, tokenEmbedding: false, lora: { rank: 4, alpha: 8, dropout: 0 } }, rng);
      owned.push(clip, lora);
      return new ClipVisionBackbone(clip, lora);
    },
  ],
];

describe.each(BACKBONES)('model folder with the %s backbone', (_name, makeBackbone) => {
  it('gives identical predictions from both formats', async () => {
    const rng = new SeededRng(21);
    const model = new ClipItModel(makeBackbone(rng), { numClasses: 3, projectionDim: 8 }, rng);
    perturb(model, 5);

    const exported = await exportClipItModel(model, CLASSES);
    const files = await modelFolderFiles(exported);
    expect([...files.keys()].sort()).toEqual(['config.json', 'group1-shard1of1.bin', 'model.json', 'model.safetensors']);

    const manifest = JSON.parse(new TextDecoder().decode(files.get('model.json'))) as {
      weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
      userDefinedMetadata: { clipit_config: { backbone: { kind: string } } };
    };
    expect(manifest.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    expect(manifest.weightsManifest[0].weights.map((w) => w.name)).toContain('heads.fusion.weight');
    expect(manifest.userDefinedMetadata.clipit_config.backbone.kind).toBe(exported.config.backbone.kind);

    const size = backboneInputSize(exported.config.backbone);
    const tiles = new RandomTiles(size);
    const images = backboneBatchSource(exported.config.backbone, tiles);
    const indices = Array.from({ length: COUNT }, (_, i) => i);
    const original = await predictProbabilities(model, images, indices, 4);

    const fromSafetensors = loadModelFolder(files, 'model', 'safetensors');
    const fromTfjs = loadModelFolder(new Map([...files].filter(([name]) => name !== 'model.safetensors' && name !== 'config.json')), 'model');
    expect(fromTfjs.format).toBe('tfjs');
    expect(fromTfjs.config.classNames).toEqual(CLASSES);

    const safetensorsProbabilities = await predictProbabilities(fromSafetensors.model, images, indices, 4);
    const tfjsProbabilities = await predictProbabilities(fromTfjs.model, images, indices, 3);

    expect(Array.from(tfjsProbabilities)).toEqual(Array.from(safetensorsProbabilities));
    // Merged LoRA weights round differently from the adapter path, so the trained model matches within float32 error.
    const difference = Math.max(...original.map((p, i) => Math.abs(p - safetensorsProbabilities[i])));
    expect(difference).toBeLessThan(1e-5);

    fromSafetensors.model.dispose();
    fromTfjs.model.dispose();
    model.dispose();
  });
});

describe('model folder errors', () => {
  it('names a missing weight shard', async () => {
    const rng = new SeededRng(1);
    const model = new ClipItModel(BACKBONES[0][1](rng), { numClasses: 3, projectionDim: 8 }, rng);
    const files = await modelFolderFiles(await exportClipItModel(model));
    files.delete('group1-shard1of1.bin');
    expect(() => loadModelFolder(files, 'exported', 'tfjs')).toThrow('weight shard "group1-shard1of1.bin" is listed in weightsManifest but not found');
    model.dispose();
  });

  it('names the files it looks for', () => {
    expect(() => loadModelFolder(new Map([['notes.txt', new Uint8Array(1)]]), 'downloads')).toThrow('downloads: model.safetensors or model.json not found');
  });
});
