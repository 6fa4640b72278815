import { describe, expect, it } from 'vitest';

import {
  classificationMetrics,
  confusionMatrix,
  summarizeSeeds,
} from '../../../src/core/eval/classification-metrics';

describe('classificationMetrics', () => {
  it('imbalanced binary case separates accuracy from balanced accuracy', () => {
    // 8 samples of class 0, 2 of class 1; the model predicts 0 everywhere except the last sample.
    // Confusion matrix [[8, 0], [1, 1]].
    // accuracy = 9 / 10 = 0.9
    // recall0 = 8 / 8 = 1, recall1 = 1 / 2 = 0.5 -> balanced accuracy = 0.75
    // precision0 = 8 / 9, precision1 = 1 / 1 = 1
    // F1_0 = 2 * (8/9) * 1 / (8/9 + 1) = 16/17, F1_1 = 2 * 1 * 0.5 / 1.5 = 2/3
    // macro F1 = (16/17 + 2/3) / 2 = 41/51
    const truth = new Int32Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    const predicted = new Int32Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

    const m = classificationMetrics(truth, predicted, 2);

    expect(m.confusionMatrix).toEqual([
      [8, 0],
      [1, 1],
    ]);
    expect(m.numSamples).toBe(10);
    expect(m.accuracy).toBeCloseTo(0.9, 12);
    expect(m.balancedAccuracy).toBeCloseTo(0.75, 12);
    expect(m.perClass[0].precision).toBeCloseTo(8 / 9, 12);
    expect(m.perClass[1].precision).toBeCloseTo(1, 12);
    expect(m.perClass[0].recall).toBeCloseTo(1, 12);
    expect(m.perClass[1].recall).toBeCloseTo(0.5, 12);
    expect(m.perClass[0].f1).toBeCloseTo(16 / 17, 12);
    expect(m.perClass[1].f1).toBeCloseTo(2 / 3, 12);
    expect(m.macroF1).toBeCloseTo(41 / 51, 12);
    expect(m.classesWithoutSamples).toEqual([]);
    expect(m.perClass[0].support).toBe(8);
    expect(m.perClass[1].support).toBe(2);
  });

  it('class without true samples is excluded and flagged', () => {
    // true = [0, 0, 1, 1], predicted = [0, 2, 1, 1]; class 2 is predicted once but never true.
    // Confusion matrix [[1, 0, 1], [0, 2, 0], [0, 0, 0]].
    // accuracy = 3 / 4
    // recall0 = 1/2, recall1 = 2/2, recall2 = 0/0 (left out) -> balanced accuracy = (0.5 + 1) / 2 = 0.75
    // precision2 = 0 / 1 = 0 and recall2 undefined (reported 0) -> F1_2 = 0, flagged
    // F1_0 = 2 * 1 * 0.5 / 1.5 = 2/3, F1_1 = 1 -> macro F1 = (2/3 + 1 + 0) / 3 = 5/9
    const m = classificationMetrics([0, 0, 1, 1], [0, 2, 1, 1], 3);

    expect(m.confusionMatrix).toEqual([
      [1, 0, 1],
      [0, 2, 0],
      [0, 0, 0],
    ]);
    expect(m.accuracy).toBeCloseTo(0.75, 12);
    expect(m.balancedAccuracy).toBeCloseTo(0.75, 12);
    expect(m.classesWithoutSamples).toEqual([2]);
    expect(m.perClass[2].recallUndefined).toBe(true);
    expect(m.perClass[2].precisionUndefined).toBe(false);
    expect(m.perClass[2].precision).toBe(0);
    expect(m.perClass[2].f1).toBe(0);
    expect(m.perClass[2].f1Undefined).toBe(true);
    expect(m.macroF1).toBeCloseTo(5 / 9, 12);
  });

  it('class never predicted has undefined precision', () => {
    // true = [0, 1, 1], predicted = [0, 0, 0]: class 1 never predicted.
    // precision1 = 0/0 -> 0 (flagged), recall1 = 0/2 = 0, F1_1 = 0 (flagged).
    const m = classificationMetrics([0, 1, 1], [0, 0, 0], 2);

    expect(m.perClass[1].precisionUndefined).toBe(true);
    expect(m.perClass[1].precision).toBe(0);
    expect(m.perClass[1].recall).toBe(0);
    expect(m.perClass[1].f1Undefined).toBe(true);
    expect(m.perClass[0].precision).toBeCloseTo(1 / 3, 12);
    expect(m.balancedAccuracy).toBeCloseTo(0.5, 12);
  });

  it('perfect predictions give all ones', () => {
    const m = classificationMetrics([2, 0, 1, 2], [2, 0, 1, 2], 3);

    expect(m.accuracy).toBe(1);
    expect(m.balancedAccuracy).toBe(1);
    expect(m.macroF1).toBe(1);
  });

  it('rejects mismatched lengths and bad indices', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/length mismatch/);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(/true label 2 at index 1/);
    expect(() => confusionMatrix([0, 1], [0, -1], 2)).toThrow(/predicted label -1/);
    expect(() => confusionMatrix([0], [0], 0)).toThrow(/class count/);
  });

  it('empty input yields NaN accuracy', () => {
    const m = classificationMetrics([], [], 2);

    expect(m.numSamples).toBe(0);
    expect(Number.isNaN(m.accuracy)).toBe(true);
    expect(Number.isNaN(m.balancedAccuracy)).toBe(true);
    expect(m.classesWithoutSamples).toEqual([0, 1]);
  });
});

describe('summarizeSeeds', () => {
  it('returns mean and sample std', () => {
    // mean = 0.9; squared deviations 0.01 + 0 + 0.01 = 0.02; sample variance 0.02 / 2 = 0.01 -> std 0.1
    const s = summarizeSeeds([0.8, 0.9, 1.0]);

    expect(s.count).toBe(3);
    expect(s.mean).toBeCloseTo(0.9, 12);
    expect(s.std).toBeCloseTo(0.1, 12);
  });

  it('single value has NaN std', () => {
    const s = summarizeSeeds([0.7]);

    expect(s.mean).toBe(0.7);
    expect(Number.isNaN(s.std)).toBe(true);
  });
});
