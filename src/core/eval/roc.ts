/**
 * One-vs-rest ROC curves and AUC per class, with the macro average over the
 * classes whose AUC is defined.
 */

import {
  checkLabelsMatch,
  toProbabilityMatrix,
  type ProbabilityInput,
} from './probability-matrix';

export interface RocPoint {
  falsePositiveRate: number;
  truePositiveRate: number;

  /** Samples with score >= threshold are called positive; the first point uses +Infinity. */
  threshold: number;
}

export interface ClassRoc {
  classIndex: number;
  positives: number;
  negatives: number;

  /** Curve from (0, 0) to (1, 1); empty when the AUC is undefined. */
  points: RocPoint[];

  /** Area under the curve by the trapezoid rule; undefined when `undefinedReason` is set. */
  auc: number | undefined;
  undefinedReason?: string;
}

export interface RocResult {
  perClass: ClassRoc[];

  /** Mean AUC over classes with a defined AUC; undefined when none has one. */
  macroAuc: number | undefined;

  /** Class indices left out of the macro average, with the reason in `perClass`. */
  classesWithoutAuc: number[];
}

/**
 * Computes the ROC curve of one binary problem. Samples with equal scores
 * enter the curve together as one diagonal step, so the area counts each
 * tied positive/negative pair as one half (the Mann-Whitney U statistic).
 */
export function binaryRoc(
  scores: ArrayLike<number>,
  isPositive: ArrayLike<boolean>,
): { points: RocPoint[]; auc: number | undefined; positives: number; negatives: number; undefinedReason?: string } {
  if (scores.length !== isPositive.length) {
    throw new Error(
      `ROC input length mismatch: ${scores.length} scores but ${isPositive.length} labels; pass one label per score.`,
    );
  }

  let positives = 0;
  for (let i = 0; i < isPositive.length; i++) if (isPositive[i]) positives += 1;
  const negatives = isPositive.length - positives;

  if (positives === 0 || negatives === 0) {
    const missing = positives === 0 ? 'no positive samples' : 'no negative samples';
    return {
      points: [],
      auc: undefined,
      positives,
      negatives,
      undefinedReason: `AUC is undefined: ${missing} (${positives} positive, ${negatives} negative).`,
    };
  }

  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) {
      throw new Error(`ROC score at index ${i} is NaN: scores must be numbers.`);
    }
  }

  // Descending by score; a comparison (not subtraction) keeps infinite scores ordered.
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => compareDescending(scores[a], scores[b]));

  const points: RocPoint[] = [{ falsePositiveRate: 0, truePositiveRate: 0, threshold: Number.POSITIVE_INFINITY }];
  let truePositives = 0;
  let falsePositives = 0;
  let auc = 0;

  let k = 0;
  while (k < order.length) {
    // Every sample tied at this score crosses the threshold at once.
    const threshold = scores[order[k]];
    while (k < order.length && scores[order[k]] === threshold) {
      if (isPositive[order[k]]) truePositives += 1;
      else falsePositives += 1;
      k += 1;
    }

    const previous = points[points.length - 1];
    const point = {
      falsePositiveRate: falsePositives / negatives,
      truePositiveRate: truePositives / positives,
      threshold,
    };
    auc += ((point.falsePositiveRate - previous.falsePositiveRate) * (point.truePositiveRate + previous.truePositiveRate)) / 2;
    points.push(point);
  }

  return { points, auc, positives, negatives };
}

/**
 * Computes one-vs-rest ROC curves from class probabilities (or any scores
 * where higher means more likely) and integer true labels.
 */
export function rocCurves(
  probabilities: ProbabilityInput,
  trueLabels: ArrayLike<number>,
  numClasses: number,
): RocResult {
  const matrix = toProbabilityMatrix(probabilities, numClasses);
  checkLabelsMatch(trueLabels, matrix);

  const perClass: ClassRoc[] = [];
  const classesWithoutAuc: number[] = [];
  let aucSum = 0;

  for (let c = 0; c < numClasses; c++) {
    const scores = new Float64Array(matrix.numSamples);
    const isPositive: boolean[] = new Array(matrix.numSamples);
    for (let i = 0; i < matrix.numSamples; i++) {
      scores[i] = matrix.values[i * numClasses + c];
      isPositive[i] = trueLabels[i] === c;
    }

    const roc = binaryRoc(scores, isPositive);
    perClass.push({ classIndex: c, ...roc });
    if (roc.auc === undefined) classesWithoutAuc.push(c);
    else aucSum += roc.auc;
  }

  const defined = numClasses - classesWithoutAuc.length;
  return {
    perClass,
    macroAuc: defined === 0 ? undefined : aucSum / defined,
    classesWithoutAuc,
  };
}

function compareDescending(a: number, b: number): number {
  if (a > b) return -1;
  if (a < b) return 1;
  return 0;
}
