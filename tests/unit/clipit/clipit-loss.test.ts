import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { clipItLoss, cosineSimilarity } from '../../../src/core/clipit/clipit-loss';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const LOGITS = [
  [2.0, -1.0, 0.5],
  [0.1, 0.2, 3.0],
  [-0.5, 1.5, 0.0],
];
const LABELS = [0, 2, 0];
const TEXT = [
  [1, 0, 2, -1],
  [0.5, 0.5, 0.5, 0.5],
  [-1, 2, 0, 1],
];
const PROJECTED = [
  [0.9, 0.1, 1.5, -0.7],
  [-0.2, 1.0, 0.3, 0.1],
  [1, -1, 0.5, 2],
];

/** Softmax cross-entropy and 1 - cosine, written out in float64. */
function handLoss(lambda: number): { ce: number; cosine: number; total: number } {
  let ce = 0;
  let cosine = 0;
  LOGITS.forEach((row, n) => {
    const max = Math.max(...row);
    const logSumExp = max + Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
    ce += logSumExp - row[LABELS[n]];

    const dot = TEXT[n].reduce((sum, v, i) => sum + v * PROJECTED[n][i], 0);
    const normText = Math.hypot(...TEXT[n]);
    const normProjected = Math.hypot(...PROJECTED[n]);
    cosine += 1 - dot / (normText * normProjected);
  });
  ce /= LOGITS.length;
  cosine /= LOGITS.length;
  return { ce, cosine, total: ce + lambda * cosine };
}

describe('clipItLoss', () => {
  it.each([1, 0.25, 0])('equals CE + lambda (1 - cos) for lambda %s', (lambda) => {
    const expected = handLoss(lambda);
    const terms = clipItLoss(tf.tensor2d(LOGITS), tf.tensor1d(LABELS, 'int32'), tf.tensor2d(TEXT), tf.tensor2d(PROJECTED), lambda);

    expect(terms.ce.dataSync()[0]).toBeCloseTo(expected.ce, 5);
    expect(terms.cosine.dataSync()[0]).toBeCloseTo(expected.cosine, 5);
    expect(terms.total.dataSync()[0]).toBeCloseTo(expected.total, 5);
    expect(terms.total.rank).toBe(0);
    tf.dispose([terms.ce, terms.cosine, terms.total]);
  });

  it('takes cross-entropy on logits', () => {
    // Confident, correct logits: CE on logits is near 0, while CE on probabilities (softmax
    // applied twice) cannot go below log(1 + 2 / e) = 0.551 for three classes.
    const confident = tf.tensor2d([
      [9, -3, 0],
      [0, 1, 10],
      [8, 0, -1],
    ]);
    const terms = clipItLoss(confident, tf.tensor1d(LABELS, 'int32'), tf.tensor2d(TEXT), tf.tensor2d(TEXT), 1);
    const doubleSoftmax = clipItLoss(tf.softmax(confident) as tf.Tensor2D, tf.tensor1d(LABELS, 'int32'), tf.tensor2d(TEXT), tf.tensor2d(TEXT), 1);

    expect(terms.ce.dataSync()[0]).toBeLessThan(0.01);
    expect(doubleSoftmax.ce.dataSync()[0]).toBeGreaterThan(0.55);
    expect(terms.cosine.dataSync()[0]).toBeCloseTo(0, 6);
  });

  it('cosine similarity ignores scale', () => {
    const a = tf.tensor2d([[1, 2, 3], [0, 1, 0]]);
    const b = tf.tensor2d([[2, 4, 6], [0, -5, 0]]);
    expect(Array.from(cosineSimilarity(a, b).dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([1, -1]);
  });

  it('rejects mismatched widths', () => {
    expect(() => cosineSimilarity(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D)).toThrow(/projection width/);
  });
});
