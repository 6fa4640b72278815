import { describe, expect, it } from 'vitest';

import { mergeAxes, threadCoordinates } from '../../../src/core/backend/software-webgpu/axis-runs';

// The WebGPU kernels themselves run only on a GPU adapter; e2e/software-kernels.spec.ts compares
// them with the CPU backend in Chromium. This covers the index planning they share.
describe('threadCoordinates', () => {
  it('divides by the inner sizes and wraps at each size', () => {
    expect(threadCoordinates([2, 7, 4])).toEqual(['((thread / 28) % 2)', '((thread / 4) % 7)', '((thread / 1) % 4)']);
  });
});

describe('mergeAxes', () => {
  const sizes = [2, 7, 4, 5];

  it('merges the axes of a run and keeps their order', () => {
    const runs = mergeAxes(sizes, (axis) => axis !== 2, (run) => run);
    expect(runs).toEqual([[0, 1], [2, 3]]);
  });

  it('gives one run per axis when no axis continues the previous one', () => {
    expect(mergeAxes(sizes, () => false, (run) => run.length)).toEqual([1, 1, 1, 1]);
  });

  it('gives a single run when every axis continues the previous one', () => {
    const merged = mergeAxes(sizes, () => true, (run) => run.reduce((product, axis) => product * sizes[axis]!, 1));
    expect(merged).toEqual([2 * 7 * 4 * 5]);
  });

  it('never asks about the first axis', () => {
    const queried: number[] = [];
    mergeAxes(sizes, (axis) => {
      queried.push(axis);
      return true;
    }, () => null);
    expect(queried).toEqual([1, 2, 3]);
  });
});
