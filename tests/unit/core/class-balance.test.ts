import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { SeededRng } from '../../../src/core/rng';
import {
  balancedEpochOrder,
  classCounts,
  classWeights,
  imbalanceRatio,
  suggestClassBalance,
} from '../../../src/core/train/class-balance';
import { weightedCrossEntropy } from '../../../src/core/train/weighted-cross-entropy';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('class balance', () => {
  it('counts, ratio and suggestion', () => {
    const labels = [0, 0, 0, 0, 0, 1, 1, 2, 2, 2];

    const counts = classCounts(labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4);

    expect(counts).toEqual([5, 2, 3, 0]);
    expect(imbalanceRatio(counts)).toBe(2.5);
    expect(suggestClassBalance(counts)).toBe('weighted');
    expect(suggestClassBalance([10, 5, 6])).toBe('none');
    expect(suggestClassBalance([10, 4])).toBe('weighted');
    expect(imbalanceRatio([7])).toBe(1);
  });

  it('rejects a label outside the classes', () => {
    expect(() => classCounts([0, 3], [0, 1], 3)).toThrow(/Image 1 has label 3/);
  });

  it('weights follow n / (K * n_k)', () => {
    // 10 images of 3 present classes give 10 / (3 * 5), 10 / (3 * 2) and 10 / (3 * 3). An empty class gets 0.
    const weights = classWeights([5, 2, 3, 0]);

    expect(weights[0]).toBeCloseTo(10 / 15, 12);
    expect(weights[1]).toBeCloseTo(10 / 6, 12);
    expect(weights[2]).toBeCloseTo(10 / 9, 12);
    expect(weights[3]).toBe(0);
  });

  it('balanced order draws classes evenly', () => {
    // 90 images of class 0 and 10 of class 1; 50 epochs of 100 draws.
    const labels = Array.from({ length: 100 }, (_, i) => (i < 90 ? 0 : 1));
    const train = labels.map((_, i) => i);
    const rng = new SeededRng(3);

    let minority = 0;
    for (let epoch = 0; epoch < 50; epoch++) {
      const order = balancedEpochOrder(train, labels, rng);
      expect(order).toHaveLength(100);
      minority += order.filter((index) => labels[index] === 1).length;
    }

    // Expected 2,500 of 5,000 draws; the binomial standard deviation is about 35.
    expect(minority).toBeGreaterThan(2350);
    expect(minority).toBeLessThan(2650);
  });

  it('balanced order is seeded', () => {
    const labels = [0, 0, 0, 1, 2, 2];
    const train = [0, 1, 2, 3, 4, 5];

    const a = balancedEpochOrder(train, labels, new SeededRng(9));
    const b = balancedEpochOrder(train, labels, new SeededRng(9));

    expect(a).toEqual(b);
    expect(a.every((index) => train.includes(index))).toBe(true);
  });
});

describe('weightedCrossEntropy', () => {
  it('matches the weighted mean by hand', () => {
    const logitValues = [
      [2, 0.5, -1],
      [0.1, 0.2, 0.3],
      [-1, 3, 0],
    ];
    const labelValues = [0, 2, 1];
    const weights = [0.5, 2, 1];

    const loss = weightedCrossEntropy(tf.tensor2d(logitValues), tf.tensor1d(labelValues, 'int32'), weights);

    // ce_i = logsumexp(z_i) - z_i[y_i]; loss = sum w[y_i] ce_i / sum w[y_i].
    const ce = logitValues.map((row, i) => Math.log(row.reduce((sum, z) => sum + Math.exp(z), 0)) - row[labelValues[i]]);
    const imageWeights = labelValues.map((label) => weights[label]);
    const expected = ce.reduce((sum, value, i) => sum + imageWeights[i] * value, 0) / imageWeights.reduce((a, b) => a + b, 0);
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 5);
    loss.dispose();
  });

  it('equal weights give the plain mean', () => {
    const logits = tf.tensor2d([
      [1, 2],
      [0.5, -0.5],
      [3, 1],
    ]);
    const labels = tf.tensor1d([1, 0, 1], 'int32');

    const weighted = weightedCrossEntropy(logits, labels, [3, 3]);
    const plain = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 2), logits);

    expect(weighted.dataSync()[0]).toBeCloseTo(plain.dataSync()[0], 6);
    tf.dispose([logits, labels, weighted, plain]);
  });

  it('rejects a wrong weight count', () => {
    const logits = tf.zeros([2, 3]) as tf.Tensor2D;
    const labels = tf.tensor1d([0, 1], 'int32');

    expect(() => weightedCrossEntropy(logits, labels, [1, 1])).toThrow(/2 class weights for 3 classes/);
    tf.dispose([logits, labels]);
  });
});
