import { describe, expect, it } from 'vitest';

import { calibration, DEFAULT_CALIBRATION_BINS } from '../../../src/core/eval/calibration';

describe('calibration', () => {
  it('ECE on a hand example with 5 bins', () => {
    // confidences (max prob) and correctness:
    //   0.90 correct, 0.95 wrong -> bin (0.8, 1.0]: mean conf 0.925, accuracy 0.5, gap 0.425
    //   0.70 correct, 0.65 wrong -> bin (0.6, 0.8]: mean conf 0.675, accuracy 0.5, gap 0.175
    // ECE = 2/4 * 0.425 + 2/4 * 0.175 = 0.3; MCE = 0.425
    const probabilities = [
      [0.9, 0.1],
      [0.95, 0.05],
      [0.3, 0.7],
      [0.65, 0.35],
    ];
    const labels = [0, 1, 1, 1];

    const result = calibration(probabilities, labels, 2, 5);

    expect(result.expectedCalibrationError).toBeCloseTo(0.3, 12);
    expect(result.maxCalibrationError).toBeCloseTo(0.425, 12);
    expect(result.bins).toHaveLength(5);
    expect(result.bins[4].count).toBe(2);
    expect(result.bins[4].meanConfidence).toBeCloseTo(0.925, 12);
    expect(result.bins[4].accuracy).toBe(0.5);
    expect(result.bins[3].count).toBe(2);
    expect(result.bins[3].meanConfidence).toBeCloseTo(0.675, 12);
    expect(result.bins[0].count).toBe(0);
    expect(Number.isNaN(result.bins[0].meanConfidence)).toBe(true);
  });

  it('default bin count and bin edges', () => {
    // Confidence 1.0 belongs to the last bin; 0.5 with 2 bins belongs to the first, (0, 0.5].
    const full = calibration([[1, 0]], [0], 2);
    const edge = calibration([[0.5, 0.5]], [0], 2, 2);

    expect(full.bins).toHaveLength(DEFAULT_CALIBRATION_BINS);
    expect(full.bins[DEFAULT_CALIBRATION_BINS - 1].count).toBe(1);
    expect(full.expectedCalibrationError).toBe(0);
    expect(edge.bins[0].count).toBe(1);
    expect(edge.expectedCalibrationError).toBeCloseTo(0.5, 12);
  });

  it('rejects logits and empty input', () => {
    expect(() => calibration([[3.2, -1]], [0], 2)).toThrow(/not logits/);
    expect(() => calibration([], [], 2)).toThrow(/at least one sample/);
  });
});
