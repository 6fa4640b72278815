import { describe, expect, it } from 'vitest';

import { dihedralSourceIndices } from '../../../src/core/augment/dihedral';

describe('dihedralSourceIndices', () => {
  it('8 transforms are distinct permutations', () => {
    const seen = new Set<string>();
    for (const flipHorizontal of [false, true]) {
      for (const flipVertical of [false, true]) {
        for (let quarterTurns = 0; quarterTurns < 4; quarterTurns++) {
          const indices = dihedralSourceIndices(3, 3, { flipHorizontal, flipVertical, quarterTurns });

          expect(Array.from(indices).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
          seen.add(Array.from(indices).join(','));
        }
      }
    }
    // 16 parameter combinations cover the 8 symmetries of the square, each twice.
    expect(seen.size).toBe(8);
  });

  it('one quarter turn matches numpy.rot90', () => {
    // A = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]; numpy.rot90(A) = [[2, 5, 8], [1, 4, 7], [0, 3, 6]].
    const indices = dihedralSourceIndices(3, 3, { flipHorizontal: false, flipVertical: false, quarterTurns: 1 });

    expect(Array.from(indices)).toEqual([2, 5, 8, 1, 4, 7, 0, 3, 6]);
  });

  it('flips of a non-square image', () => {
    // A 2x3 image [[0, 1, 2], [3, 4, 5]]; horizontal flip reverses each row.
    const horizontal = dihedralSourceIndices(2, 3, { flipHorizontal: true, flipVertical: false, quarterTurns: 0 });
    const halfTurn = dihedralSourceIndices(2, 3, { flipHorizontal: false, flipVertical: false, quarterTurns: 2 });

    expect(Array.from(horizontal)).toEqual([2, 1, 0, 5, 4, 3]);
    expect(Array.from(halfTurn)).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it('rejects odd turns of a non-square image', () => {
    expect(() => dihedralSourceIndices(2, 3, { flipHorizontal: false, flipVertical: false, quarterTurns: 1 })).toThrow(
      /need a square image/,
    );
  });
});
