import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { ClipItModel } from '../../../src/core/clipit/clipit-model';
import { DEFAULT_CLIPIT_TRAIN_CONFIG } from '../../../src/core/clipit/clipit-train-config';
import { MlpBackbone } from '../../../src/core/clipit/mlp-backbone';
import { evaluateTextClassifier, trainTextClassifier } from '../../../src/core/clipit/text-classifier';
import { SeededRng } from '../../../src/core/rng';
import { makeSyntheticPairs } from './synthetic-pairs';

const COUNT = 400;
const data = makeSyntheticPairs({ count: COUNT, numClasses: 3, rule: 'argmax', side: 4, textDim: 16, signal: 0.05, noise: 0.2, seed: 5 });
const indices = Array.from({ length: COUNT }, (_, i) => i);
const split = { train: indices.slice(0, 240), val: indices.slice(240, 300) };
const test = indices.slice(300);
const config = { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 30, batchSize: 32, learningRate: 3e-3 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function testBalancedAccuracy(embeddings: Float32Array): Promise<{ accuracy: number; epochs: number[] }> {
  const valLosses: number[] = [];
  const run = await trainTextClassifier(embeddings, 16, data.labels, 3, split, config, { onEpoch: (p) => valLosses.push(p.valLoss) });
  const table = tf.tensor2d(embeddings, [COUNT, 16]);
  const result = await evaluateTextClassifier(run.classifier, table, data.labels, test);
  table.dispose();
  run.classifier.dispose();
  return { accuracy: result.balancedAccuracy, epochs: valLosses };
}

describe('text classifier', () => {
  it('reads the label from informative reports', async () => {
    const { accuracy, epochs } = await testBalancedAccuracy(data.informativeText);
    expect(epochs.length).toBe(30);
    expect(accuracy).toBeGreaterThan(0.85);
  });

  it('stays near chance on uninformative reports', async () => {
    const { accuracy } = await testBalancedAccuracy(data.uninformativeText);
    // Chance is 1/3 for three classes; 100 test samples leave a few points of spread.
    expect(accuracy).toBeLessThan(0.5);
  });

  it('copies into fc0', async () => {
    const run = await trainTextClassifier(data.informativeText, 16, data.labels, 3, split, { ...config, epochs: 1 });
    const rng = new SeededRng(1);
    const model = new ClipItModel(new MlpBackbone([4, 4, 3], [8], rng), { numClasses: 3, projectionDim: 16 }, rng);

    run.classifier.copyToFc0(model);

    expect(Array.from(model.fc0Hidden.weight.dataSync())).toEqual(Array.from(run.classifier.hidden.weight.dataSync()));
    expect(Array.from(model.fc0Output.bias.dataSync())).toEqual(Array.from(run.classifier.output.bias.dataSync()));
    model.dispose();
    run.classifier.dispose();
  });

  it('rejects embeddings of the wrong length', async () => {
    await expect(trainTextClassifier(new Float32Array(10), 16, data.labels, 3, split, config)).rejects.toThrow(/expected 400 images x 16/);
  });
});
