import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { LOGIT_SCALE_INIT, LOGIT_SCALE_MAX, symmetricInfoNceLoss } from '../../../src/core/contrastive/infonce-loss';

/** -log softmax(row)[target] in float64. */
function crossEntropy(row: number[], target: number): number {
  const max = Math.max(...row);
  const logSum = max + Math.log(row.reduce((sum, value) => sum + Math.exp(value - max), 0));
  return logSum - row[target];
}

describe('symmetricInfoNceLoss', () => {
  it('matches a hand-computed 2x2 value', () => {
    // Unnormalised inputs: the loss must normalise them. Cosines: img0.txt0 = 1, img0.txt1 = 0.6,
    // img1.txt0 = 0, img1.txt1 = 0.8.
    const images = tf.tensor2d([[2, 0], [0, 3]]);
    const texts = tf.tensor2d([[5, 0], [0.3, 0.4]]);
    const scale = 10;

    const loss = symmetricInfoNceLoss(images, texts, Math.log(scale)).dataSync()[0];

    const logits = [[1 * scale, 0.6 * scale], [0, 0.8 * scale]];
    const imageToText = (crossEntropy(logits[0], 0) + crossEntropy(logits[1], 1)) / 2;
    const textToImage = (crossEntropy([logits[0][0], logits[1][0]], 0) + crossEntropy([logits[0][1], logits[1][1]], 1)) / 2;
    expect(loss).toBeCloseTo((imageToText + textToImage) / 2, 5);
  });

  it('clamps the scale at 100', () => {
    const images = tf.tensor2d([[1, 0], [0.6, 0.8]]);
    const texts = tf.tensor2d([[0.8, 0.6], [0, 1]]);

    const clamped = symmetricInfoNceLoss(images, texts, LOGIT_SCALE_MAX + 3).dataSync()[0];
    const atMax = symmetricInfoNceLoss(images, texts, LOGIT_SCALE_MAX).dataSync()[0];
    expect(clamped).toBeCloseTo(atMax, 6);
  });

  it('starts the scale at 1 / 0.07', () => {
    expect(Math.exp(LOGIT_SCALE_INIT)).toBeCloseTo(1 / 0.07, 10);
  });

  it('rejects mismatched batches', () => {
    expect(() => symmetricInfoNceLoss(tf.zeros([3, 4]), tf.zeros([2, 4]), 0)).toThrow(/same shape/);
  });

  it('sends gradients into the scale', () => {
    const images = tf.tensor2d([[1, 0], [0, 1]]);
    const texts = tf.tensor2d([[1, 0.1], [0.2, 1]]);
    const gradient = tf.grad((scale: tf.Tensor) => symmetricInfoNceLoss(images, texts, scale as tf.Scalar))(tf.scalar(0)).dataSync()[0];
    // Positives dominate, so a larger scale lowers the loss.
    expect(gradient).toBeLessThan(0);
  });
});
