import { describe, expect, it } from 'vitest';

import { confusionCellTiles, mostConfidentMistakes } from '../../../src/core/eval/mistakes';

const probabilities = [
  [0.9, 0.05, 0.05], // true 1, predicted 0 at 0.9
  [0.2, 0.7, 0.1], // true 1, correct
  [0.1, 0.2, 0.7], // true 0, predicted 2 at 0.7
  [0.6, 0.3, 0.1], // true 1, predicted 0 at 0.6
  [0.05, 0.95, 0.0], // true 1, correct at 0.95
  [0.8, 0.1, 0.1], // true 0, correct
];
const labels = new Int32Array([1, 1, 0, 1, 1, 0]);

describe('mostConfidentMistakes', () => {
  it('sorts mistakes by confidence', () => {
    const mistakes = mostConfidentMistakes(probabilities, labels, 3);

    expect(mistakes.map((m) => m.index)).toEqual([0, 2, 3]);
    expect(mistakes.map((m) => m.confidence)).toEqual([0.9, 0.7, 0.6]);
    expect(mistakes[1].trueLabel).toBe(0);
    expect(mistakes[1].predictedLabel).toBe(2);
  });

  it('respects the limit', () => {
    expect(mostConfidentMistakes(probabilities, labels, 3, 1).map((m) => m.index)).toEqual([0]);
  });
});

describe('confusionCellTiles', () => {
  it('returns one cell sorted by confidence', () => {
    const cell = confusionCellTiles(probabilities, labels, 3, 1, 0);
    const diagonal = confusionCellTiles(probabilities, labels, 3, 1, 1);

    expect(cell.map((t) => t.index)).toEqual([0, 3]);
    expect(diagonal.map((t) => t.index)).toEqual([4, 1]);
    expect(confusionCellTiles(probabilities, labels, 3, 2, 2)).toEqual([]);
  });

  it('rejects a class index out of range', () => {
    expect(() => confusionCellTiles(probabilities, labels, 3, 3, 0)).toThrow(/Invalid true label 3/);
  });
});
