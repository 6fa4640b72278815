import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { SeededRng } from '../../../src/core/rng';
import { ClassifierTrainer, NonFiniteLossError, type TrainConfig } from '../../../src/core/train/classifier-trainer';
import { SmallCnn } from '../../../src/core/train/small-cnn';
import { packWeights, unpackWeights, adamStateToWeights, weightsToAdamState, type TrainerCheckpoint } from '../../../src/core/train/trainer-checkpoint';

const SIZE = 16;
const COUNT = 24;

/** Synthetic images whose mean brightness encodes the class, so the loss can fall. */
function syntheticSource(nan = false) {
  const rng = new SeededRng(5);
  const labels = new Int32Array(COUNT);
  const pixels: Float32Array[] = [];
  for (let i = 0; i < COUNT; i++) {
    labels[i] = i % 3;
    const image = new Float32Array(SIZE * SIZE * 3);
    for (let j = 0; j < image.length; j++) image[j] = nan ? NaN : 0.2 + 0.25 * labels[i] + 0.1 * rng.nextFloat();
    pixels.push(image);
  }
  const source = {
    batch(indices: readonly number[]) {
      const data = new Float32Array(indices.length * SIZE * SIZE * 3);
      indices.forEach((index, row) => data.set(pixels[index], row * SIZE * SIZE * 3));
      return tf.tensor4d(data, [indices.length, SIZE, SIZE, 3]);
    },
  };
  return { labels, source };
}

const CONFIG: TrainConfig = {
  epochs: 3,
  batchSize: 5,
  learningRate: 3e-3,
  weightDecay: 1e-4,
  clipNorm: 0.5,
  schedule: 'cosine',
  seed: 11,
  checkpointEvery: 2,
};

function makeTrainer(resume: TrainerCheckpoint | null = null, nan = false) {
  const { labels, source } = syntheticSource(nan);
  const model = new SmallCnn({ inputSize: SIZE, channels: [4], numClasses: 3, dropout: 0.3 }, new SeededRng(CONFIG.seed).fork('init'));
  const indices = [...labels.keys()];
  const trainer = new ClassifierTrainer(
    {
      params: model.params,
      numClasses: 3,
      logits: (x, training, rng) => model.logits(x, training ? model.dropoutMask(x.shape[0], rng) : undefined),
    },
    source,
    labels,
    { train: indices.slice(0, 18), val: indices.slice(18) },
    CONFIG,
    resume,
  );
  return { trainer, model };
}

describe('checkpoint and resume', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    { stopAt: 6, where: 'mid-epoch' },
    { stopAt: 4, where: 'at an epoch end' },
  ])('continues the loss curve exactly after a resume $where', async ({ stopAt }) => {
    const full = makeTrainer();
    const fullLosses: number[] = [];
    await full.trainer.run({ onStep: (p) => fullLosses.push(p.loss) });
    full.trainer.dispose();
    full.model.dispose();

    // Stop the second run at a checkpoint, as a reload would; steps per epoch are 4.
    const first = makeTrainer();
    const firstLosses: number[] = [];
    let saved: TrainerCheckpoint | null = null;
    await first.trainer.run({
      onStep: (p) => firstLosses.push(p.loss),
      onCheckpoint: (checkpoint) => {
        if (checkpoint.step === stopAt && !saved) {
          saved = checkpoint;
          first.trainer.control.stop();
        }
      },
    });
    first.trainer.dispose();
    first.model.dispose();
    expect(saved).not.toBeNull();
    expect(firstLosses.length).toBe(stopAt);

    // Round-trip the checkpoint through its storage format before resuming.
    const checkpoint = saved! as TrainerCheckpoint;
    const shapes = Object.fromEntries(Object.entries(checkpoint.weights).map(([name, w]) => [name, w.shape]));
    const restored: TrainerCheckpoint = {
      ...checkpoint,
      weights: unpackWeights(packWeights(checkpoint.weights)),
      optimizer: weightsToAdamState(checkpoint.optimizer.step, unpackWeights(packWeights(adamStateToWeights(checkpoint.optimizer, shapes)))),
    };

    const resumed = makeTrainer(restored);
    const resumedSteps: number[] = [];
    const resumedLosses: number[] = [];
    await resumed.trainer.run({
      onStep: (p) => {
        resumedSteps.push(p.step);
        resumedLosses.push(p.loss);
      },
    });
    resumed.trainer.dispose();
    resumed.model.dispose();

    expect(resumedSteps[0]).toBe(stopAt + 1);
    expect([...firstLosses, ...resumedLosses]).toEqual(fullLosses);
  });

  it('stops on a NaN loss naming the step', async () => {
    const { trainer, model } = makeTrainer(null, true);
    await expect(trainer.run({})).rejects.toThrow(NonFiniteLossError);
    await expect(makeTrainer(null, true).trainer.run({})).rejects.toThrow(/step 1: the loss became NaN/);
    trainer.dispose();
    model.dispose();
  });
});
