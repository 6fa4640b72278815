import { describe, expect, it } from 'vitest';

import { aggregateByGroup } from '../../../src/core/eval/group-aggregation';

describe('aggregateByGroup', () => {
  it('mean probability and majority vote per group', () => {
    // Group A (label 0): [0.6,0.4], [0.6,0.4], [0.1,0.9] -> mean [0.4333, 0.5667] -> mean prediction 1;
    //   votes [2, 1] -> majority 0.
    // Group B (label 1): [0.4,0.6], [0.7,0.3] -> votes tie [1, 1]; mean [0.55, 0.45] breaks the tie -> 0;
    //   mean prediction 0.
    // Group C (label 1): [0.2,0.8] -> 1 both ways.
    // Mean-probability metrics: true [0,1,1], predicted [1,0,1] -> accuracy 1/3.
    // Majority metrics: predicted [0,0,1] -> accuracy 2/3, recall0 = 1, recall1 = 1/2 -> balanced 0.75.
    const probabilities = [
      [0.6, 0.4],
      [0.4, 0.6],
      [0.6, 0.4],
      [0.2, 0.8],
      [0.1, 0.9],
      [0.7, 0.3],
    ];
    const labels = [0, 1, 0, 1, 0, 1];
    const groups = ['A', 'B', 'A', 'C', 'A', 'B'];

    const result = aggregateByGroup(probabilities, labels, groups, 2);

    expect(result.groups.map((g) => g.groupId)).toEqual(['A', 'B', 'C']);
    expect(result.groups[0].tileCount).toBe(3);
    expect(result.groups[0].meanProbabilities[0]).toBeCloseTo(1.3 / 3, 12);
    expect(result.groups[0].meanPrediction).toBe(1);
    expect(result.groups[0].voteCounts).toEqual([2, 1]);
    expect(result.groups[0].majorityPrediction).toBe(0);
    expect(result.groups[1].voteCounts).toEqual([1, 1]);
    expect(result.groups[1].majorityPrediction).toBe(0);
    expect(result.groups[1].meanPrediction).toBe(0);
    expect(result.groups[2].majorityPrediction).toBe(1);
    expect(result.meanProbabilityMetrics.accuracy).toBeCloseTo(1 / 3, 12);
    expect(result.majorityVoteMetrics.accuracy).toBeCloseTo(2 / 3, 12);
    expect(result.majorityVoteMetrics.balancedAccuracy).toBeCloseTo(0.75, 12);
  });

  it('rejects a group with mixed labels', () => {
    expect(() =>
      aggregateByGroup(
        [
          [0.5, 0.5],
          [0.5, 0.5],
        ],
        [0, 1],
        ['g', 'g'],
        2,
      ),
    ).toThrow(/Group "g" mixes true labels/);
  });

  it('rejects a group id count mismatch', () => {
    expect(() => aggregateByGroup([[0.5, 0.5]], [0], ['a', 'b'], 2)).toThrow(/Group id count 2/);
  });
});
