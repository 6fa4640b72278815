/**
 * Class imbalance handling for the trainers: class-weighted cross-entropy
 * (weights n / (K * n_k), as scikit-learn's `compute_class_weight('balanced')`)
 * or balanced sampling (each class drawn with equal probability, with
 * replacement, as torch's WeightedRandomSampler with weights 1 / n_k).
 * No tfjs here, so the UI can suggest a method; the loss is in
 * weighted-cross-entropy.ts.
 */

import type { SeededRng } from '../rng';

/** `none`: plain cross-entropy on the shuffled split; `weighted`: class-weighted loss; `sampling`: balanced batches. */
export type ClassBalance = 'none' | 'weighted' | 'sampling';

export const CLASS_BALANCE_OPTIONS: readonly ClassBalance[] = ['none', 'weighted', 'sampling'];

/** Ratio of the largest to the smallest non-empty class above which a balancing method is suggested. */
export const IMBALANCE_RATIO_THRESHOLD = 2;

/** Number of images of each class among `indices`. */
export function classCounts(labels: ArrayLike<number>, indices: readonly number[], numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const index of indices) {
    const label = labels[index];
    if (!(label >= 0 && label < numClasses)) {
      throw new Error(`Image ${index} has label ${label}, outside [0, ${numClasses}); check the label table against the class list.`);
    }
    counts[label] += 1;
  }
  return counts;
}

/** Largest over smallest count among classes that have images; 1 when fewer than two classes have any. */
export function imbalanceRatio(counts: readonly number[]): number {
  const present = counts.filter((c) => c > 0);
  if (present.length < 2) return 1;
  return Math.max(...present) / Math.min(...present);
}

/** Suggests `weighted` when the class counts differ by more than IMBALANCE_RATIO_THRESHOLD, else `none`. */
export function suggestClassBalance(counts: readonly number[]): ClassBalance {
  return imbalanceRatio(counts) > IMBALANCE_RATIO_THRESHOLD ? 'weighted' : 'none';
}

/** Per-class loss weights n / (K * n_k) over the K classes present; 0 for a class without images. */
export function classWeights(counts: readonly number[]): number[] {
  const total = counts.reduce((sum, c) => sum + c, 0);
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? total / (present * c) : 0));
}

/**
 * Draws one epoch of `train.length` training indices: a class uniformly among
 * the classes present, then an image of that class uniformly, with
 * replacement. Small classes therefore repeat within an epoch.
 */
export function balancedEpochOrder(train: readonly number[], labels: ArrayLike<number>, rng: SeededRng): number[] {
  const byClass = new Map<number, number[]>();
  for (const index of train) {
    const members = byClass.get(labels[index]);
    if (members) members.push(index);
    else byClass.set(labels[index], [index]);
  }

  const groups = [...byClass.keys()].sort((a, b) => a - b).map((label) => byClass.get(label)!);
  const order: number[] = [];
  for (let n = 0; n < train.length; n++) {
    const members = groups[rng.nextInt(groups.length)];
    order.push(members[rng.nextInt(members.length)]);
  }
  return order;
}
