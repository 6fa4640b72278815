import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

import { SeededRng } from '../../../src/core/rng';
import { parseSplitRatios, splitDataset, type SplitItem } from '../../../src/core/split';
import { sharedPath } from '../shared-path';

const RATIOS = { train: 0.7, val: 0.15, test: 0.15 };

function lc25000Items(): { items: SplitItem[]; classes: string[] } {
  const lines = fs.readFileSync(sharedPath('data/lc25000-lung/groups.csv'), 'utf8').trim().split('\n').slice(1);
  const classes = ['lung_aca', 'lung_n', 'lung_scc'];
  const items = lines.map((line) => {
    const [className, , group] = line.split(',');
    return { label: classes.indexOf(className), group };
  });
  return { items, classes };
}

describe('splitDataset', () => {
  it('keeps every group of the real LC25000 tiles inside one split', () => {
    const { items } = lc25000Items();
    expect(items.length).toBe(6035);

    const result = splitDataset(items, { ratios: RATIOS, seed: 0 });
    const splitOfGroup = new Map<string, string>();
    items.forEach((item, i) => {
      const split = result.assignment[i]!;
      const seen = splitOfGroup.get(item.group!);
      if (seen !== undefined) expect(seen).toBe(split);
      splitOfGroup.set(item.group!, split);
    });

    expect(result.indices.train.length + result.indices.val.length + result.indices.test.length).toBe(6035);
  });

  it('stratifies each class close to the ratios', () => {
    const { items } = lc25000Items();
    const result = splitDataset(items, { ratios: RATIOS, seed: 3 });

    for (let label = 0; label < 3; label++) {
      const total = result.counts.train[label] + result.counts.val[label] + result.counts.test[label];
      // Groups hold about 20 tiles each, so a split can miss its target by about one group.
      expect(Math.abs(result.counts.train[label] / total - 0.7)).toBeLessThan(0.03);
      expect(Math.abs(result.counts.val[label] / total - 0.15)).toBeLessThan(0.03);
      expect(Math.abs(result.counts.test[label] / total - 0.15)).toBeLessThan(0.03);
    }
  });

  it('is reproducible for a seed and changes with the seed', () => {
    const { items } = lc25000Items();
    const a = splitDataset(items, { ratios: RATIOS, seed: 7 });
    const b = splitDataset(items, { ratios: RATIOS, seed: 7 });
    const c = splitDataset(items, { ratios: RATIOS, seed: 8 });

    expect(a.assignment).toEqual(b.assignment);
    expect(a.assignment).not.toEqual(c.assignment);
  });

  it('does not depend on the input order of items', () => {
    const { items } = lc25000Items();
    const permutation = new SeededRng(1).shuffle(items.map((_, i) => i));
    const shuffled = permutation.map((i) => items[i]);

    const original = splitDataset(items, { ratios: RATIOS, seed: 5 });
    const reordered = splitDataset(shuffled, { ratios: RATIOS, seed: 5 });

    const groupSplit = (its: SplitItem[], assignment: (string | null)[]) =>
      new Map(its.map((item, i) => [item.group!, assignment[i]]));
    expect(groupSplit(shuffled, reordered.assignment)).toEqual(groupSplit(items, original.assignment));
  });

  it('splits ungrouped items one by one, stratified', () => {
    const items: SplitItem[] = [];
    for (let i = 0; i < 100; i++) items.push({ label: 0 });
    for (let i = 0; i < 20; i++) items.push({ label: 1 });

    const result = splitDataset(items, { ratios: { train: 0.5, val: 0.25, test: 0.25 }, seed: 0 });

    expect(result.counts.train).toEqual([50, 10]);
    expect(result.counts.val).toEqual([25, 5]);
    expect(result.counts.test).toEqual([25, 5]);
  });

  it('leaves excluded groups out of every split', () => {
    const { items } = lc25000Items();
    const excluded = new Set(['lung_aca-1', 'lung_n-2']);
    const result = splitDataset(items, { ratios: RATIOS, seed: 0, excludeGroups: excluded });

    const expectedExcluded = items.filter((item) => excluded.has(item.group!)).length;
    expect(expectedExcluded).toBeGreaterThan(0);
    expect(result.excluded).toBe(expectedExcluded);
    items.forEach((item, i) => {
      if (excluded.has(item.group!)) expect(result.assignment[i]).toBeNull();
    });
  });

  it('rejects ratios that do not sum to one', () => {
    expect(() => splitDataset([{ label: 0 }], { ratios: { train: 0.5, val: 0.2, test: 0.2 }, seed: 0 })).toThrow(/sum to 0.900/);
    expect(() => parseSplitRatios('0.7,0.3')).toThrow(/three numbers/);
    expect(parseSplitRatios('0.8, 0.1, 0.1')).toEqual({ train: 0.8, val: 0.1, test: 0.1 });
  });
});

describe('SeededRng', () => {
  it('restores a saved state exactly', () => {
    const rng = new SeededRng(42);
    for (let i = 0; i < 10; i++) rng.nextUint32();
    const state = rng.getState();
    const expected = [rng.nextFloat(), rng.nextFloat(), rng.nextInt(7)];

    const restored = SeededRng.fromState(state);
    expect([restored.nextFloat(), restored.nextFloat(), restored.nextInt(7)]).toEqual(expected);
  });

  it('gives independent streams per fork label', () => {
    const root = new SeededRng(1);
    expect(root.fork('a').nextUint32()).not.toBe(root.fork('b').nextUint32());
    expect(root.fork('a').nextUint32()).toBe(new SeededRng(1).fork('a').nextUint32());
  });

  it('draws normal samples with mean 0 and std 1', () => {
    const values = new SeededRng(9).normalArray(20000);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.03);
  });
});
