import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { readSafetensors } from '../../../src/core/clip/safetensors-reader';
import { CnnBackbone } from '../../../src/core/clipit/cnn-backbone';
import { exportClipItModel, importClipItModel } from '../../../src/core/clipit/clipit-export';
import { ClipItModel } from '../../../src/core/clipit/clipit-model';
import { DEFAULT_CLIPIT_TRAIN_CONFIG } from '../../../src/core/clipit/clipit-train-config';
import { ClipItTrainer } from '../../../src/core/clipit/clipit-trainer';
import { MlpBackbone } from '../../../src/core/clipit/mlp-backbone';
import { predictProbabilities } from '../../../src/core/clipit/clipit-predict';
import { writeSafetensors } from '../../../src/core/clipit/safetensors-writer';
import { PrecomputedTextTargets } from '../../../src/core/clipit/text-targets';
import { SeededRng } from '../../../src/core/rng';
import { ArrayBatchSource, makeSyntheticPairs } from './synthetic-pairs';

const COUNT = 64;
const data = makeSyntheticPairs({ count: COUNT, numClasses: 3, rule: 'argmax', side: 8, textDim: 16, signal: 0.08, noise: 0.2, seed: 3 });
const indices = Array.from({ length: COUNT }, (_, i) => i);
const images = new ArrayBatchSource(data.images, data.imageShape);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function trainBriefly(model: ClipItModel, mode: 'unimodal' | 'clipit'): Promise<void> {
  const text = new PrecomputedTextTargets(data.informativeText, 16);
  const trainer = new ClipItTrainer({
    model,
    mode,
    images,
    labels: data.labels,
    split: { train: indices.slice(0, 48), val: indices.slice(48) },
    text: mode === 'clipit' ? text : undefined,
    config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 2, batchSize: 16 },
  });
  await trainer.run();
  trainer.dispose();
  text.dispose();
}

const BACKBONES = [
  ['small CNN', (rng: SeededRng) => new CnnBackbone({ inputSize: 8, channels: [8, 16], numClasses: 3, dropout: 0 }, rng)],
  ['MLP', (rng: SeededRng) => new MlpBackbone([8, 8, 3], [32, 24], rng)],
] as const;

describe.each(BACKBONES)('export with the %s backbone', (_name, makeBackbone) => {
  it.each(['clipit', 'unimodal'] as const)('round trip keeps %s predictions', async (mode) => {
    const rng = new SeededRng(11);
    const model = new ClipItModel(makeBackbone(rng), { numClasses: 3, projectionDim: 16 }, rng);
    await trainBriefly(model, mode);

    const exported = await exportClipItModel(model, ['a', 'b', 'c']);
    const imported = importClipItModel(exported.safetensors, exported.config);
    const batch = images.batch(indices);
    const before = model.logits(batch);
    const after = imported.logits(batch);

    expect(imported.outputHead).toBe(mode === 'clipit' ? 'fusion' : 'vision');
    expect(exported.config.classNames).toEqual(['a', 'b', 'c']);
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));

    // Batches of 5 leave a partial last batch.
    const probabilities = await predictProbabilities(imported, images, indices, 5);
    const expected = tf.softmax(before).dataSync();
    expect(probabilities.length).toBe(COUNT * 3);
    expect(Math.max(...probabilities.map((p, i) => Math.abs(p - expected[i])))).toBeLessThan(1e-6);
    tf.dispose([batch, before, after]);
    imported.dispose();
    model.dispose();
  });
});

describe('safetensors writer', () => {
  it('round trips through the reader', () => {
    const tensors = new Map([
      ['heads.fusion.weight', { shape: [2, 3], values: Float32Array.from([1, -2.5, 3e-8, 4, 5, 6]) }],
      ['scalar', { shape: [], values: Float32Array.from([7]) }],
      ['odd', { shape: [3], values: Float32Array.from([0.1, 0.2, 0.3]) }],
    ]);
    const bytes = writeSafetensors(tensors, { note: 'test' });
    const read = readSafetensors(bytes, 'test.safetensors');

    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    expect([...read.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, tensor] of tensors) {
      expect(read.get(name)!.shape).toEqual(tensor.shape);
      expect(Array.from(read.get(name)!.values)).toEqual(Array.from(tensor.values));
    }
  });

  it('rejects a shape that does not match', () => {
    expect(() => writeSafetensors(new Map([['w', { shape: [2, 2], values: new Float32Array(3) }]]))).toThrow(/"w" has 3 values/);
  });

  it('import reads the config from metadata', async () => {
    const rng = new SeededRng(12);
    const model = new ClipItModel(new MlpBackbone([8, 8, 3], [8], rng), { numClasses: 3, projectionDim: 16 }, rng);
    const exported = await exportClipItModel(model);
    const imported = importClipItModel(exported.safetensors);

    expect(imported.heads).toEqual(model.heads);
    expect(imported.outputHead).toBe('fusion');
    imported.dispose();
    model.dispose();
  });
});
