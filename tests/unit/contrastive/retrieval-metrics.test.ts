import { describe, expect, it } from 'vitest';

import { rankCandidates, recallAtK, transposeMatrix } from '../../../src/core/contrastive/retrieval-metrics';

// Three queries x four candidates. Query 0 ranks its partner first, query 1 ranks it third, query 2
// ranks it second.
const SIMILARITY = Float32Array.from([
  0.9, 0.1, 0.2, 0.3,
  0.8, 0.1, 0.7, 0.0,
  0.1, 0.5, 0.55, 0.6,
]);

describe('recallAtK', () => {
  it('scores diagonal pairs at k = 1, 2, 3', () => {
    expect(recallAtK(SIMILARITY, 3, 4, 1)).toBeCloseTo(1 / 3, 10);
    expect(recallAtK(SIMILARITY, 3, 4, 2)).toBeCloseTo(2 / 3, 10);
    expect(recallAtK(SIMILARITY, 3, 4, 3)).toBe(1);
  });

  it('accepts a relevance test', () => {
    // Candidates 0 and 1 are class A, 2 and 3 class B; queries 0 and 1 are class A, query 2 class B.
    const classOf = (index: number): string => (index < 2 ? 'A' : 'B');
    const queryClass = ['A', 'A', 'B'];
    const recall = recallAtK(SIMILARITY, 3, 4, 1, (query, candidate) => queryClass[query] === classOf(candidate));
    expect(recall).toBe(1);
  });

  it('does not count ties after the k-th index', () => {
    const tied = Float32Array.from([0.5, 0.5]);
    expect(recallAtK(tied, 1, 2, 1, (_query, candidate) => candidate === 1)).toBe(0);
    expect(rankCandidates(tied, 0, 2)).toEqual([0, 1]);
  });

  it('rejects a wrong matrix size', () => {
    expect(() => recallAtK(SIMILARITY, 4, 4, 1)).toThrow(/expected 4 x 4/);
  });

  it('transposes for text-to-image', () => {
    const transposed = transposeMatrix(SIMILARITY, 3, 4);
    expect(Array.from(transposed.slice(0, 3))).toEqual([SIMILARITY[0], SIMILARITY[4], SIMILARITY[8]]);
  });
});
