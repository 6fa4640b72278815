import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import type { ComparisonRequest } from '../../../src/clipit-protocol';
import { runComparisonStages } from '../../../src/core/clipit/comparison';
import { DEFAULT_CLIPIT_TRAIN_CONFIG } from '../../../src/core/clipit/clipit-train-config';
import { evaluateTextClassifier, trainTextClassifier } from '../../../src/core/clipit/text-classifier';
import { PixelStore } from '../../../src/core/data/pixel-store';
import { indexedPredictions } from '../../../src/core/eval/test-predictions';
import { SeededRng } from '../../../src/core/rng';
import { RunControl } from '../../../src/core/train/run-control';
import { annotatePredictions } from '../../../src/state/prediction-tiles';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('indexedPredictions', () => {
  it('pairs probability rows with dataset indices', () => {
    const labels = [2, 0, 1, 1, 0];
    const probabilities = new Float32Array([0.1, 0.7, 0.2, 0.5, 0.5, 0]);

    const predictions = indexedPredictions([4, 2], labels, probabilities, 3);

    expect(predictions.map((p) => p.index)).toEqual([4, 2]);
    expect(predictions.map((p) => p.label)).toEqual([0, 1]);
    // The second row ties classes 0 and 1: the lower index wins, as everywhere in the evaluation code.
    expect(predictions.map((p) => p.predicted)).toEqual([1, 0]);
    expect(predictions[0].probabilities[1]).toBeCloseTo(0.7, 6);
  });

  it('rejects a row count mismatch', () => {
    expect(() => indexedPredictions([0, 1, 2], [0, 1, 0], new Float32Array(4), 2)).toThrow(/2 probability rows for 3 test images/);
  });
});

describe('annotatePredictions', () => {
  const images = [{ path: 'set/a/1.png' }, { path: 'set/b/2.png' }, { path: 'set/b/3.png' }];
  const predictions = [0, 1, 2].map((index) => ({ index, label: 0, predicted: 0, probabilities: [1, 0] }));

  it('adds paths and groups', () => {
    const groups = { byPath: new Map([['set/a/1.png', 'patient-7']]), source: 'groups.csv', matched: 1, unmatched: 2 };

    const annotated = annotatePredictions(predictions, images, groups);

    expect(annotated.map((p) => p.path)).toEqual(['set/a/1.png', 'set/b/2.png', 'set/b/3.png']);
    expect(annotated.map((p) => p.group)).toEqual(['patient-7', 'set/b/2.png', 'set/b/3.png']);
  });

  it('no groups leaves group unset', () => {
    const annotated = annotatePredictions(predictions, images, null);

    expect(annotated.every((p) => p.group === undefined)).toBe(true);
    expect(annotated[2].path).toBe('set/b/3.png');
  });
});

describe('comparison stage predictions', () => {
  it('stage keeps first-seed predictions', async () => {
    const count = 18;
    const size = 16;
    const rng = new SeededRng(3);
    const store = new PixelStore(count, size);
    const labels = Array.from({ length: count }, (_, i) => i % 3);
    for (let i = 0; i < count; i++) {
      // Each class has its own dominant colour channel, so even one epoch learns something.
      const rgb = new Uint8Array(size * size * 3);
      for (let p = 0; p < size * size; p++) {
        for (let c = 0; c < 3; c++) rgb[p * 3 + c] = c === labels[i] ? 200 : Math.floor(rng.nextFloat() * 80);
      }
      store.set(i, rgb);
    }
    const test = [2, 5, 7, 9, 13, 15];
    const request: ComparisonRequest = {
      runId: 'compare-test',
      classNames: ['a', 'b', 'c'],
      labels,
      split: { train: [0, 1, 3, 4, 6, 8, 10, 11, 12], val: [14, 16, 17], test },
      stages: ['unimodal'],
      seeds: [0, 1],
      inputSize: size,
      texts: [],
      pairedText: [],
      textEmbeddings: null,
      epochs: 1,
      batchSize: 8,
      learningRate: 1e-3,
      weightDecay: 0,
      clipNorm: 0,
      schedule: 'constant',
      lambda: 1,
      loraRank: 4,
      loraAlpha: 4,
      textLora: false,
    };
    const noop = () => undefined;

    const outcome = await runComparisonStages(request, store, null, new RunControl(), { onStep: noop, onEpoch: noop, onStatus: noop });
    const stage = outcome.stages[0];

    expect(stage.testPredictions.map((p) => p.index)).toEqual(test);
    expect(stage.testPredictions.map((p) => p.label)).toEqual(test.map((i) => labels[i]));
    for (const prediction of stage.testPredictions) {
      expect(prediction.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }

    // The predictions belong to the first seed: they rebuild its confusion matrix exactly.
    const matrix = [0, 1, 2].map((t) => [0, 1, 2].map((p) => stage.testPredictions.filter((x) => x.label === t && x.predicted === p).length));
    expect(matrix).toEqual(stage.perSeed[0].confusionMatrix);
  });

  it('text probabilities match predictions', async () => {
    const rng = new SeededRng(9);
    const count = 30;
    const dim = 4;
    const labels = Int32Array.from({ length: count }, (_, i) => i % 2);
    const embeddings = Float32Array.from({ length: count * dim }, (_, k) => (k % dim === labels[Math.floor(k / dim)] ? 1 : 0) + 0.1 * rng.nextFloat());
    const indices = Array.from({ length: count }, (_, i) => i);
    const run = await trainTextClassifier(embeddings, dim, labels, 2, { train: indices.slice(0, 20), val: indices.slice(20, 25) }, { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 2 });
    const table = tf.tensor2d(embeddings, [count, dim]);

    const result = await evaluateTextClassifier(run.classifier, table, labels, indices.slice(25));

    expect(result.probabilities).toHaveLength(5 * 2);
    for (let row = 0; row < 5; row++) {
      const [p0, p1] = [result.probabilities[row * 2], result.probabilities[row * 2 + 1]];
      expect(p0 + p1).toBeCloseTo(1, 5);
      expect(result.predictions[row]).toBe(p1 > p0 ? 1 : 0);
    }
    table.dispose();
    run.classifier.dispose?.();
  });
});
