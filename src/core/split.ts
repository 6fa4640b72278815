import { SeededRng } from './rng';

/** Fractions of the data for train, validation and test; they must sum to 1. */
export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

export type SplitName = 'train' | 'val' | 'test';

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

export interface SplitItem {
  /** Class index of the image. */
  label: number;
  /**
   * Group (patient, slide or source tile) the image belongs to. Images of one
   * group always land in the same split. Undefined: the image is its own group.
   */
  group?: string;
}

export interface SplitOptions {
  ratios: SplitRatios;
  seed: number;
  /** Groups to leave out of every split (e.g. groups a bundled model was trained on). */
  excludeGroups?: ReadonlySet<string>;
}

export interface SplitResult {
  /** Split of each item, or null for items left out through `excludeGroups`. */
  assignment: (SplitName | null)[];
  indices: Record<SplitName, number[]>;
  /** Image count per split and class: counts[split][label]. */
  counts: Record<SplitName, number[]>;
  groupCounts: Record<SplitName, number>;
  excluded: number;
}

export const DEFAULT_SPLIT_RATIOS: SplitRatios = { train: 0.7, val: 0.15, test: 0.15 };

/**
 * Splits items into train / validation / test, stratified by class and
 * group-aware.
 *
 * Groups are the unit of assignment. Each group takes the class most of its
 * images have. The groups of each class are shuffled with the seed, and each
 * group goes to the split furthest below its target image count for that
 * class. This keeps class proportions close to the ratios while no group
 * crosses splits.
 */
export function splitDataset(items: readonly SplitItem[], options: SplitOptions): SplitResult {
  validateRatios(options.ratios);

  const rng = new SeededRng(options.seed).fork('split');
  const groups = collectGroups(items, options.excludeGroups);
  const classCount = items.reduce((max, item) => Math.max(max, item.label + 1), 0);

  const assignment: (SplitName | null)[] = new Array(items.length).fill(null);
  const groupCounts: Record<SplitName, number> = { train: 0, val: 0, test: 0 };

  for (let label = 0; label < classCount; label++) {
    const classGroups = groups.filter((g) => g.majorityLabel === label);

    // Sort by key first so the shuffle does not depend on input order.
    classGroups.sort((a, b) => compareStrings(a.key, b.key));
    rng.shuffle(classGroups);

    const total = classGroups.reduce((sum, g) => sum + g.members.length, 0);
    const filled: Record<SplitName, number> = { train: 0, val: 0, test: 0 };

    for (const group of classGroups) {
      const split = mostUnderfilledSplit(filled, total, options.ratios);
      filled[split] += group.members.length;
      groupCounts[split] += 1;
      for (const index of group.members) assignment[index] = split;
    }
  }

  const indices: Record<SplitName, number[]> = { train: [], val: [], test: [] };
  const counts: Record<SplitName, number[]> = {
    train: new Array(classCount).fill(0),
    val: new Array(classCount).fill(0),
    test: new Array(classCount).fill(0),
  };
  let excluded = 0;

  assignment.forEach((split, index) => {
    if (split === null) {
      excluded += 1;
      return;
    }
    indices[split].push(index);
    counts[split][items[index].label] += 1;
  });

  return { assignment, indices, counts, groupCounts, excluded };
}

interface GroupBucket {
  key: string;
  members: number[];
  majorityLabel: number;
}

/** Orders strings by UTF-16 code units, independent of locale. */
function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function collectGroups(items: readonly SplitItem[], excludeGroups?: ReadonlySet<string>): GroupBucket[] {
  const byKey = new Map<string, number[]>();

  items.forEach((item, index) => {
    if (item.group !== undefined && excludeGroups?.has(item.group)) return;

    // Ungrouped images get a key of their own; the prefixes keep it apart from any group id.
    const key = item.group === undefined ? `\u0000item:${index}` : `g:${item.group}`;
    const members = byKey.get(key);
    if (members) members.push(index);
    else byKey.set(key, [index]);
  });

  const buckets: GroupBucket[] = [];
  for (const [key, members] of byKey) {
    buckets.push({ key, members, majorityLabel: majorityLabel(members.map((i) => items[i].label)) });
  }
  return buckets;
}

/** Most frequent label; ties go to the lowest label so the result is deterministic. */
function majorityLabel(labels: number[]): number {
  const tally = new Map<number, number>();
  for (const label of labels) tally.set(label, (tally.get(label) ?? 0) + 1);

  let best = -1;
  let bestCount = -1;
  for (const [label, count] of tally) {
    if (count > bestCount || (count === bestCount && label < best)) {
      best = label;
      bestCount = count;
    }
  }
  return best;
}

function mostUnderfilledSplit(filled: Record<SplitName, number>, total: number, ratios: SplitRatios): SplitName {
  let best: SplitName = 'train';
  let bestDeficit = -Infinity;

  for (const split of SPLIT_NAMES) {
    if (ratios[split] <= 0) continue;
    const deficit = ratios[split] * total - filled[split];

    // Relative deficit, so small splits are served as soon as they fall behind.
    const relative = deficit / (ratios[split] * total || 1);
    if (relative > bestDeficit) {
      bestDeficit = relative;
      best = split;
    }
  }
  return best;
}

function describeRatios(ratios: SplitRatios): string {
  return `train ${ratios.train}, validation ${ratios.val}, test ${ratios.test}`;
}

export function validateRatios(ratios: SplitRatios): void {
  const values = SPLIT_NAMES.map((s) => ratios[s]);
  if (values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new Error(`Invalid split ratios (${describeRatios(ratios)}): each must be a number >= 0.`);
  }
  const sum = values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) {
    throw new Error(`Invalid split ratios (${describeRatios(ratios)}): they sum to ${sum.toFixed(3)}, expected 1.`);
  }
  if (ratios.train <= 0) {
    throw new Error('Invalid split ratios: the training split must be larger than 0.');
  }
}

/** Parses "0.7,0.15,0.15" into ratios. */
export function parseSplitRatios(text: string): SplitRatios {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => Number.isNaN(p))) {
    throw new Error(`Invalid split "${text}": expected three numbers such as 0.7,0.15,0.15.`);
  }
  const ratios = { train: parts[0], val: parts[1], test: parts[2] };
  validateRatios(ratios);
  return ratios;
}
