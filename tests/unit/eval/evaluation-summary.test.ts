import { describe, expect, it } from 'vitest';

import { summarizeEvaluation, type EvaluatedTile } from '../../../src/core/eval/evaluation-summary';

/**
 * Seven tiles of three classes; class 2 has no true tile. Class-0 scores tie
 * at 0.6 between two positives and one negative, class-1 scores tie at 0.5.
 * Argmax predictions: 0, 0, 1, 0, 1, 1, 0.
 */
const TILES: EvaluatedTile[] = [
  { label: 0, probabilities: [0.6, 0.3, 0.1], group: 'A' },
  { label: 0, probabilities: [0.6, 0.2, 0.2], group: 'A' },
  { label: 0, probabilities: [0.3, 0.5, 0.2], group: 'B' },
  { label: 1, probabilities: [0.6, 0.4, 0.0], group: 'C' },
  { label: 1, probabilities: [0.2, 0.7, 0.1], group: 'C' },
  { label: 1, probabilities: [0.1, 0.5, 0.4], group: 'D' },
  { label: 1, probabilities: [0.55, 0.45, 0.0], group: 'C' },
];

describe('summarizeEvaluation', () => {
  it('ROC-AUC with ties and empty class', () => {
    const summary = summarizeEvaluation(TILES, 3, 5);

    expect(summary.metrics.confusionMatrix).toEqual([
      [2, 1, 0],
      [2, 2, 0],
      [0, 0, 0],
    ]);
    expect(summary.metrics.accuracy).toBeCloseTo(4 / 7, 12);

    // Class 0: positives {0.6, 0.6, 0.3} vs negatives {0.6, 0.2, 0.1, 0.55}: each 0.6 wins 3 pairs and ties 1
    // (3.5 each), 0.3 wins 2, so 9 of 12 pairs.
    expect(summary.roc.perClass[0].auc).toBeCloseTo(9 / 12, 12);
    // Class 1: positives {0.4, 0.7, 0.5, 0.45} vs negatives {0.3, 0.2, 0.5}: 2 + 3 + 2.5 (one tie) + 2 = 9.5 of 12.
    expect(summary.roc.perClass[1].auc).toBeCloseTo(9.5 / 12, 12);
    // Class 2 has no positive tile: reported, not averaged, no NaN.
    expect(summary.roc.perClass[2].auc).toBeUndefined();
    expect(summary.roc.perClass[2].undefinedReason).toMatch(/no positive samples/);
    expect(summary.roc.classesWithoutAuc).toEqual([2]);
    expect(summary.roc.macroAuc).toBeCloseTo((9 / 12 + 9.5 / 12) / 2, 12);
    expect(summary.metrics.classesWithoutSamples).toEqual([2]);
  });

  it('ECE against the hand-computed value', () => {
    // Confidences (max probability) and correctness: 0.6 yes, 0.6 yes, 0.5 no, 0.6 no, 0.7 yes, 0.5 yes, 0.55 no.
    // With 5 bins, all but 0.7 fall in (0.4, 0.6]: mean confidence 3.35 / 6, accuracy 3 / 6, gap 0.35 / 6.
    // 0.7 falls in (0.6, 0.8]: accuracy 1, gap 0.3. ECE = 6/7 * 0.35/6 + 1/7 * 0.3 = 0.65 / 7.
    const summary = summarizeEvaluation(TILES, 3, 5);
    const calibration = summary.calibration!;

    expect(calibration.expectedCalibrationError).toBeCloseTo(0.65 / 7, 12);
    expect(calibration.maxCalibrationError).toBeCloseTo(0.3, 12);
    expect(calibration.bins[2].count).toBe(6);
    expect(calibration.bins[2].meanConfidence).toBeCloseTo(3.35 / 6, 12);
    expect(calibration.bins[2].accuracy).toBeCloseTo(0.5, 12);
    expect(calibration.bins[3].count).toBe(1);
  });

  it('group mean and majority vote', () => {
    // A: mean -> 0, votes 2:0 -> 0 (true 0). B: -> 1 (true 0). D: -> 1 (true 1).
    // C: mean [0.45, 0.517, 0.033] -> 1, votes 0, 1, 0 -> 0 (true 1), so the two rules disagree.
    const summary = summarizeEvaluation(TILES, 3, 5);
    const groups = summary.groups!;

    expect(summary.groupProblem).toBeNull();
    expect(groups.groups.map((g) => g.groupId)).toEqual(['A', 'B', 'C', 'D']);
    expect(groups.groups.map((g) => g.meanPrediction)).toEqual([0, 1, 1, 1]);
    expect(groups.groups.map((g) => g.majorityPrediction)).toEqual([0, 1, 0, 1]);
    expect(groups.groups[2].tileCount).toBe(3);
    expect(groups.meanProbabilityMetrics.accuracy).toBe(3 / 4);
    expect(groups.meanProbabilityMetrics.balancedAccuracy).toBe(0.75);
    expect(groups.majorityVoteMetrics.accuracy).toBe(2 / 4);
    expect(groups.majorityVoteMetrics.balancedAccuracy).toBe(0.5);
  });

  it('missing groups are explained', () => {
    const summary = summarizeEvaluation(TILES.map(({ label, probabilities }) => ({ label, probabilities })), 3);

    expect(summary.groups).toBeNull();
    expect(summary.groupProblem).toMatch(/No groups were given/);
  });

  it('mixed-label group is reported', () => {
    const mixed = TILES.map((tile) => ({ ...tile, group: 'one slide' }));

    const summary = summarizeEvaluation(mixed, 3);

    expect(summary.groups).toBeNull();
    expect(summary.groupProblem).toMatch(/"one slide" mixes true labels 0 and 1/);
    expect(summary.roc.macroAuc).toBeDefined();
  });

  it('empty input does not crash', () => {
    const summary = summarizeEvaluation([], 3);

    expect(summary.numSamples).toBe(0);
    expect(summary.calibration).toBeNull();
    expect(summary.roc.macroAuc).toBeUndefined();
    expect(Number.isNaN(summary.metrics.accuracy)).toBe(true);
  });
});
