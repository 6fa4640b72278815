import { readdirSync } from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_AUGMENT_CONFIG, NO_AUGMENT_CONFIG } from '../../../src/core/augment/augment-config';
import { BatchAugmenter, isAugmentActive } from '../../../src/core/augment/batch-augmenter';
import { SeededRng } from '../../../src/core/rng';
import { type ClassBalance } from '../../../src/core/train/class-balance';
import { ClassifierTrainer, type TrainConfig } from '../../../src/core/train/classifier-trainer';
import { SmallCnn } from '../../../src/core/train/small-cnn';
import type { TrainerCheckpoint } from '../../../src/core/train/trainer-checkpoint';
import { sharedPath } from '../shared-path';
import { cropTile, loadTile } from '../stain/tile-fixture';

const SIZE = 16;
const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];

// Real LC25000 tiles, 16x16 centre crops: 5, 3 and 2 tiles of the three classes, so the split is imbalanced.
function realSource() {
  const perClass = [5, 3, 2];
  const pixels: Float32Array[] = [];
  const labelList: number[] = [];
  perClass.forEach((count, label) => {
    const folder = sharedPath('data', 'lc25000-lung', CLASSES[label]);
    for (const file of readdirSync(folder).sort().slice(0, count)) {
      pixels.push(cropTile(loadTile(path.join(folder, file)), SIZE).rgb);
      labelList.push(label);
    }
  });
  const source = {
    batch(indices: readonly number[]) {
      const data = new Float32Array(indices.length * SIZE * SIZE * 3);
      indices.forEach((index, row) => data.set(pixels[index], row * SIZE * SIZE * 3));
      return tf.tensor4d(data, [indices.length, SIZE, SIZE, 3]);
    },
  };
  return { labels: Int32Array.from(labelList), source };
}

function config(classBalance: ClassBalance): TrainConfig {
  return {
    epochs: 3,
    batchSize: 3,
    learningRate: 3e-3,
    weightDecay: 1e-4,
    clipNorm: 0.5,
    schedule: 'constant',
    seed: 4,
    checkpointEvery: 2,
    augment: DEFAULT_AUGMENT_CONFIG,
    classBalance,
  };
}

/**
 * Trainer on the real tiles; `seen` records each logits input with its training flag and the
 * plain batch the source returned just before it.
 */
function makeTrainer(classBalance: ClassBalance, resume: TrainerCheckpoint | null = null) {
  const { labels, source } = realSource();
  const model = new SmallCnn({ inputSize: SIZE, channels: [4], numClasses: 3, dropout: 0 }, new SeededRng(4).fork('init'));
  const seen: { training: boolean; values: Float32Array; plain: Float32Array }[] = [];
  let lastPlain: Float32Array = new Float32Array(0);
  const recordingSource = {
    batch(indices: readonly number[]) {
      const batch = source.batch(indices);
      lastPlain = batch.dataSync() as Float32Array;
      return batch;
    },
  };
  const trainer = new ClassifierTrainer(
    {
      params: model.params,
      numClasses: 3,
      logits: (x, training) => {
        seen.push({ training, values: x.dataSync() as Float32Array, plain: lastPlain });
        return model.logits(x);
      },
    },
    recordingSource,
    labels,
    { train: [0, 1, 2, 3, 5, 6, 8], val: [4, 7, 9] },
    config(classBalance),
    resume,
  );
  return { trainer, model, source, seen };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('BatchAugmenter', () => {
  it('same seed and step reproduce a batch', () => {
    const { source } = realSource();
    const images = source.batch([0, 5, 8]);

    const a = new BatchAugmenter(DEFAULT_AUGMENT_CONFIG, 3).augment(images, 7);
    const b = new BatchAugmenter(DEFAULT_AUGMENT_CONFIG, 3).augment(images, 7);
    const otherStep = new BatchAugmenter(DEFAULT_AUGMENT_CONFIG, 3).augment(images, 8);

    expect(a.shape).toEqual(images.shape);
    expect(a.dataSync()).toEqual(b.dataSync());
    expect(otherStep.dataSync()).not.toEqual(a.dataSync());
    tf.dispose([images, a, b, otherStep]);
  });

  it('rejects images without 3 channels', () => {
    const images = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;

    expect(() => new BatchAugmenter(DEFAULT_AUGMENT_CONFIG, 0).augment(images, 1)).toThrow(/NHWC RGB/);
    images.dispose();
  });

  it('isAugmentActive only for a transform switched on', () => {
    expect(isAugmentActive(null)).toBe(false);
    expect(isAugmentActive(NO_AUGMENT_CONFIG)).toBe(false);
    expect(isAugmentActive({ ...NO_AUGMENT_CONFIG, flips: true })).toBe(true);
    expect(isAugmentActive(DEFAULT_AUGMENT_CONFIG)).toBe(true);
  });
});

describe('trainer with augmentation', () => {
  it('augments training batches only', async () => {
    const { trainer, model, source, seen } = makeTrainer('none');

    await trainer.run();
    const training = seen.filter((s) => s.training);
    const evaluation = seen.filter((s) => !s.training);

    // Training batches keep the shape of the plain batch but not its pixels; every evaluation
    // batch is exactly the validation tiles.
    const valBatch = source.batch([4, 7, 9]);
    const valValues = valBatch.dataSync();
    valBatch.dispose();
    expect(training.length).toBe(3 * 3);
    expect(evaluation.length).toBe(3);
    for (const batch of evaluation) expect(batch.values).toEqual(valValues);
    for (const batch of training) {
      expect(batch.values.length).toBe(batch.plain.length);
      expect(batch.values).not.toEqual(batch.plain);
    }
    trainer.dispose();
    model.dispose();
  });

  it.each(['none', 'weighted', 'sampling'] as const)('resume is exact with class balance %s', async (classBalance) => {
    const full = makeTrainer(classBalance);
    const fullLosses: number[] = [];
    await full.trainer.run({ onStep: (p) => fullLosses.push(p.loss) });
    full.trainer.dispose();
    full.model.dispose();

    // 7 training tiles in batches of 3 give 3 steps per epoch; step 4 is inside epoch 2.
    const first = makeTrainer(classBalance);
    const firstLosses: number[] = [];
    let saved: TrainerCheckpoint | null = null;
    await first.trainer.run({
      onStep: (p) => firstLosses.push(p.loss),
      onCheckpoint: (checkpoint) => {
        if (checkpoint.step === 4 && !saved) {
          saved = checkpoint;
          first.trainer.control.stop();
        }
      },
    });
    first.trainer.dispose();
    first.model.dispose();

    const resumed = makeTrainer(classBalance, saved);
    const resumedLosses: number[] = [];
    await resumed.trainer.run({ onStep: (p) => resumedLosses.push(p.loss) });
    resumed.trainer.dispose();
    resumed.model.dispose();

    expect(firstLosses).toHaveLength(4);
    expect([...firstLosses, ...resumedLosses]).toEqual(fullLosses);
  });

  it('balanced sampling repeats the small classes', async () => {
    const { trainer, model } = makeTrainer('sampling');
    const orders: number[][] = [];

    await trainer.run({
      onCheckpoint: (checkpoint) => {
        if (checkpoint.epochStep > 0) orders.push(checkpoint.order);
      },
    });
    const { labels } = realSource();
    const drawn = orders.flat().map((index) => labels[index]);

    // The training split contains 4, 2 and 1 tiles of the classes; a plain shuffle never repeats a tile.
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.every((order) => order.length === 7)).toBe(true);
    expect(orders.some((order) => new Set(order).size < order.length)).toBe(true);
    expect(drawn.filter((label) => label === 2).length).toBeGreaterThan(0);
    trainer.dispose();
    model.dispose();
  });
});
