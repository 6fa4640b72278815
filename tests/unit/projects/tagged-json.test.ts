import { describe, expect, it } from 'vitest';

import { parseTagged, stringifyTagged } from '../../../src/storage/tagged-json';

describe('tagged JSON', () => {
  it('keeps typed arrays, buffers, maps, sets and non-finite numbers', () => {
    const value = {
      weights: new Float32Array([0.5, -1.25, 3]),
      order: new Int32Array([2, 0, 1]),
      raw: new Uint8Array([0, 255, 7]).buffer,
      groups: new Map([['a.png', 'g1']]),
      ids: new Set(['x', 'y']),
      losses: [0.3, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      text: 'plain',
    };
    const back = parseTagged(stringifyTagged(value)) as typeof value;

    expect(back.weights).toEqual(value.weights);
    expect(back.order).toBeInstanceOf(Int32Array);
    expect([...back.order]).toEqual([2, 0, 1]);
    expect([...new Uint8Array(back.raw)]).toEqual([0, 255, 7]);
    expect(back.groups.get('a.png')).toBe('g1');
    expect([...back.ids]).toEqual(['x', 'y']);
    expect(back.losses[0]).toBe(0.3);
    expect(Number.isNaN(back.losses[1])).toBe(true);
    expect(back.losses[2]).toBe(Number.POSITIVE_INFINITY);
    expect(back.losses[3]).toBe(Number.NEGATIVE_INFINITY);
    expect(back.text).toBe('plain');
  });

  it('encodes a view of part of a buffer only', () => {
    const whole = new Float32Array([1, 2, 3, 4]);
    const back = parseTagged(stringifyTagged(whole.subarray(1, 3))) as Float32Array;
    expect([...back]).toEqual([2, 3]);
  });
});
