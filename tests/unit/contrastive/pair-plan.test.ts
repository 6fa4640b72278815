import { describe, expect, it } from 'vitest';

import { planPairs, promptTextsByClass } from '../../../src/core/contrastive/pair-plan';
import { SeededRng } from '../../../src/core/rng';

describe('planPairs', () => {
  it('holds out whole groups', () => {
    const texts = Array.from({ length: 40 }, (_, row) => `text ${row}`);
    const groups = texts.map((_, row) => `g${Math.floor(row / 4)}`);
    const plan = planPairs({ kind: 'list', texts }, groups, 0.2, 0);

    const trainGroups = new Set(plan.trainRows.map((row) => groups[row]));
    const heldOutGroups = new Set(plan.heldOut.imageRows.map((row) => groups[row]));
    expect([...heldOutGroups].filter((group) => trainGroups.has(group))).toEqual([]);
    expect(heldOutGroups.size).toBe(2);
    expect(plan.trainRows.length + plan.heldOut.imageRows.length).toBe(40);
    expect(plan.heldOut.texts).toEqual(plan.heldOut.imageRows.map((row) => texts[row]));
    expect(plan.heldOut.classes).toBeUndefined();
  });

  it('pairs training rows with their own text', () => {
    const texts = ['a', null, 'c', 'd', 'e', ''];
    const plan = planPairs({ kind: 'list', texts }, null, 0.25, 1);

    expect([...plan.trainRows, ...plan.heldOut.imageRows].sort()).toEqual([0, 2, 3, 4]);
    const draws = plan.pairs.pairsFor(plan.trainRows.map((_, position) => position), new SeededRng(0));
    expect(draws.map((draw) => draw.text)).toEqual(plan.trainRows.map((row) => texts[row]));
  });

  it('is the same for the same seed', () => {
    const texts = Array.from({ length: 30 }, (_, row) => `text ${row}`);
    const first = planPairs({ kind: 'list', texts }, null, 0.3, 7);
    const second = planPairs({ kind: 'list', texts }, null, 0.3, 7);
    const other = planPairs({ kind: 'list', texts }, null, 0.3, 8);

    expect(second.heldOut.imageRows).toEqual(first.heldOut.imageRows);
    expect(other.heldOut.imageRows).not.toEqual(first.heldOut.imageRows);
  });

  it('class pairing skips label -1', () => {
    const labels = [0, 1, -1, 0, 1, 0, 1, -1, 0, 1];
    const textsByClass = [['zero a', 'zero b'], ['one a']];
    const plan = planPairs({ kind: 'class', labels, textsByClass }, null, 0.3, 0);

    const used = [...plan.trainRows, ...plan.heldOut.imageRows];
    expect(used).not.toContain(2);
    expect(used).not.toContain(7);
    expect(used.length).toBe(8);
    plan.heldOut.imageRows.forEach((row, index) => {
      expect(plan.heldOut.classes![index]).toBe(labels[row]);
      expect(textsByClass[labels[row]]).toContain(plan.heldOut.texts[index]);
    });
  });

  it('rejects too few pairs', () => {
    expect(() => planPairs({ kind: 'list', texts: ['a', 'b', null] }, null, 0.2, 0)).toThrow(/at least 4 pairs/);
  });

  it('rejects a single group', () => {
    expect(() => planPairs({ kind: 'list', texts: ['a', 'b', 'c', 'd'] }, ['g', 'g', 'g', 'g'], 0.2, 0)).toThrow(/one group/);
  });

  it('rejects a held-out fraction outside (0, 1)', () => {
    expect(() => planPairs({ kind: 'list', texts: ['a', 'b', 'c', 'd'] }, null, 1, 0)).toThrow(/between 0 and 1/);
  });
});

describe('promptTextsByClass', () => {
  it('fills every template per class', () => {
    expect(promptTextsByClass(['lung adenocarcinoma', 'benign lung'], ['an H&E image of {class}.', '{class}.'])).toEqual([
      ['an H&E image of lung adenocarcinoma.', 'lung adenocarcinoma.'],
      ['an H&E image of benign lung.', 'benign lung.'],
    ]);
  });
});
