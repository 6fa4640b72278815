import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { SeededRng } from '../../../src/core/rng';
import { ClassifierTrainer, NonFiniteLossError, type TrainConfig } from '../../../src/core/train/classifier-trainer';
import { SmallCnn } from '../../../src/core/train/small-cnn';
import type { TrainerCheckpoint } from '../../../src/core/train/trainer-checkpoint';

const SIZE = 16;
const COUNT = 24;

const CONFIG: TrainConfig = {
  epochs: 3,
  batchSize: 6,
  learningRate: 1e-3,
  weightDecay: 0,
  clipNorm: 0.5,
  schedule: 'constant',
  seed: 3,
  checkpointEvery: 2,
};

/**
 * Images whose brightness encodes the class. Once `poisoned` is set, every
 * batch carries one pixel of `badValue`, as a damaged tile or an overflowing
 * activation would, so the loss of the next step is not finite.
 */
function poisonableSource(badValue: number) {
  const rng = new SeededRng(9);
  const labels = new Int32Array(COUNT).map((_, i) => i % 3);
  const pixels = Array.from(labels, (label) => Float32Array.from({ length: SIZE * SIZE * 3 }, () => 0.2 + 0.25 * label + 0.1 * rng.nextFloat()));
  const state = { poisoned: false };

  const source = {
    batch(indices: readonly number[]) {
      const data = new Float32Array(indices.length * SIZE * SIZE * 3);
      indices.forEach((index, row) => data.set(pixels[index], row * SIZE * SIZE * 3));
      if (state.poisoned) data[0] = badValue;
      return tf.tensor4d(data, [indices.length, SIZE, SIZE, 3]);
    },
  };
  return { labels, source, state };
}

function makeTrainer(badValue: number) {
  const { labels, source, state } = poisonableSource(badValue);
  const model = new SmallCnn({ inputSize: SIZE, channels: [4], numClasses: 3, dropout: 0 }, new SeededRng(CONFIG.seed).fork('init'));
  const indices = [...labels.keys()];
  const trainer = new ClassifierTrainer(
    { params: model.params, numClasses: 3, logits: (x) => model.logits(x) },
    source,
    labels,
    { train: indices.slice(0, 18), val: indices.slice(18) },
    CONFIG,
  );
  return { trainer, model, state };
}

describe('non-finite loss', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    { badValue: NaN, shown: 'NaN' },
    { badValue: Infinity, shown: 'NaN' },
  ])('stops one step after a pixel becomes $badValue', async ({ badValue, shown }) => {
    const tensorsBefore = tf.memory().numTensors;
    const { trainer, model, state } = makeTrainer(badValue);
    const checkpoints: TrainerCheckpoint[] = [];

    // The data goes bad right after the checkpoint of step 4, so step 5 is the first non-finite one.
    const run = trainer.run({
      onCheckpoint: (checkpoint) => {
        checkpoints.push(checkpoint);
        if (checkpoint.step === 4) state.poisoned = true;
      },
    });

    const error = await run.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const nonFinite = error as NonFiniteLossError;
    expect(nonFinite.step).toBe(5);
    expect(Number.isFinite(nonFinite.loss)).toBe(false);
    expect(nonFinite.message).toContain(`Training stopped at step 5: the loss became ${shown}.`);
    expect(nonFinite.message).toContain('The learning rate is probably too high');

    // The last checkpoint handed out is the good one from before the bad step.
    const last = checkpoints[checkpoints.length - 1];
    expect(last.step).toBe(4);
    for (const [name, weight] of Object.entries(last.weights)) {
      expect(weight.values.every(Number.isFinite), `weight ${name} of the last checkpoint`).toBe(true);
    }

    // The failed step leaks nothing: disposing the trainer and the model frees every tensor they made.
    trainer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
