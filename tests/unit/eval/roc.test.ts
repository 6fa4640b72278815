import { describe, expect, it } from 'vitest';

import { binaryRoc, rocCurves } from '../../../src/core/eval/roc';

describe('binaryRoc', () => {
  it('counts tied scores as one diagonal step', () => {
    // Positives score {0.9, 0.8, 0.7}; negatives score {0.8, 0.6, 0.6}.
    // Mann-Whitney over the 9 pairs: 0.9 beats all 3 -> 3; 0.8 ties one (0.5) and beats two -> 2.5;
    // 0.7 loses to 0.8 and beats two -> 2. AUC = 7.5 / 9 = 5/6.
    // Curve: (0,0) -> t=0.9 (0,1/3) -> t=0.8 (1/3,2/3) -> t=0.7 (1/3,1) -> t=0.6 (1,1).
    const scores = [0.9, 0.8, 0.8, 0.7, 0.6, 0.6];
    const positive = [true, true, false, true, false, false];

    const roc = binaryRoc(scores, positive);

    expect(roc.auc).toBeCloseTo(5 / 6, 12);
    expect(roc.points.map((p) => [p.falsePositiveRate, p.truePositiveRate])).toEqual([
      [0, 0],
      [0, 1 / 3],
      [1 / 3, 2 / 3],
      [1 / 3, 1],
      [1, 1],
    ]);
    expect(roc.points.map((p) => p.threshold)).toEqual([Number.POSITIVE_INFINITY, 0.9, 0.8, 0.7, 0.6]);
  });

  it('all scores tied gives AUC 0.5', () => {
    const roc = binaryRoc([0.4, 0.4, 0.4, 0.4], [true, false, false, true]);

    expect(roc.auc).toBe(0.5);
    expect(roc.points).toHaveLength(2);
  });

  it('perfect and reversed rankings give 1 and 0', () => {
    expect(binaryRoc([0.9, 0.8, 0.1], [true, true, false]).auc).toBe(1);
    expect(binaryRoc([0.1, 0.2, 0.9], [true, true, false]).auc).toBe(0);
  });

  it('orders infinite scores correctly', () => {
    // Logit-like scores: +Infinity ranks first and -Infinity last, so the ranking is perfect.
    const roc = binaryRoc([Number.POSITIVE_INFINITY, 2, -1, Number.NEGATIVE_INFINITY], [true, true, false, false]);

    expect(roc.auc).toBe(1);
  });

  it('reports a missing class as undefined with a reason', () => {
    const noPositives = binaryRoc([0.1, 0.5], [false, false]);
    const noNegatives = binaryRoc([0.1, 0.5], [true, true]);

    expect(noPositives.auc).toBeUndefined();
    expect(noPositives.undefinedReason).toMatch(/no positive samples/);
    expect(noNegatives.auc).toBeUndefined();
    expect(noNegatives.undefinedReason).toMatch(/no negative samples/);
  });
});

describe('rocCurves', () => {
  it('one-vs-rest with a class that has no positives', () => {
    // Rows [s, 1 - s, 0]: class 0 sees the tied example above (AUC 5/6); class 1 sees the
    // reversed scores with the reversed labels, which is the same ranking (AUC 5/6);
    // class 2 has no true samples, so its AUC is undefined and left out of the macro average.
    const s = [0.9, 0.8, 0.8, 0.7, 0.6, 0.6];
    const labels = new Int32Array([0, 0, 1, 0, 1, 1]);
    const rows = s.map((v) => [v, 1 - v, 0]);

    const result = rocCurves(rows, labels, 3);

    expect(result.perClass[0].auc).toBeCloseTo(5 / 6, 12);
    expect(result.perClass[1].auc).toBeCloseTo(5 / 6, 12);
    expect(result.perClass[2].auc).toBeUndefined();
    expect(result.perClass[2].undefinedReason).toMatch(/no positive samples/);
    expect(result.perClass[2].points).toEqual([]);
    expect(result.classesWithoutAuc).toEqual([2]);
    expect(result.macroAuc).toBeCloseTo(5 / 6, 12);
    expect(Number.isNaN(result.macroAuc)).toBe(false);
  });

  it('flat Float32Array input matches row input', () => {
    const flat = new Float32Array([0.7, 0.3, 0.2, 0.8, 0.6, 0.4, 0.45, 0.55]);
    const rows = [
      [0.7, 0.3],
      [0.2, 0.8],
      [0.6, 0.4],
      [0.45, 0.55],
    ];
    const labels = [0, 1, 1, 0];

    const fromFlat = rocCurves(flat, labels, 2);
    const fromRows = rocCurves(rows, labels, 2);

    // Class 0 positives {0.7, 0.45} vs negatives {0.2, 0.6}: pairs won 2 + 1 = 3 of 4 -> 0.75.
    expect(fromRows.perClass[0].auc).toBeCloseTo(0.75, 12);
    expect(fromFlat.perClass[0].auc).toBeCloseTo(0.75, 6);
  });

  it('all classes undefined gives undefined macro AUC', () => {
    const result = rocCurves([[0.2, 0.8]], [1], 2);

    expect(result.macroAuc).toBeUndefined();
    expect(result.classesWithoutAuc).toEqual([0, 1]);
  });

  it('rejects a label count mismatch', () => {
    expect(() => rocCurves([[0.2, 0.8]], [1, 0], 2)).toThrow(/Label count 2/);
  });
});
