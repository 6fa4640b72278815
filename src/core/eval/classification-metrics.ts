/**
 * Classification metrics from true and predicted class indices: confusion
 * matrix, accuracy, balanced accuracy, per-class precision/recall/F1 and
 * macro F1, plus mean and sample standard deviation across seeds.
 */

export type LabelArray = Int32Array | Uint8Array | Uint16Array | Uint32Array | number[];

/** Precision, recall and F1 of one class, treated one-vs-rest. */
export interface PerClassMetrics {
  classIndex: number;

  /** Number of samples whose true label is this class (row sum of the confusion matrix). */
  support: number;

  /** Number of samples predicted as this class (column sum of the confusion matrix). */
  predictedCount: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;

  /** True when precision is 0/0 (class never predicted) and was reported as 0. */
  precisionUndefined: boolean;

  /** True when recall is 0/0 (class has no true samples) and was reported as 0. */
  recallUndefined: boolean;

  /** True when precision + recall is 0, so F1 was reported as 0. */
  f1Undefined: boolean;
}

export interface ClassificationMetrics {
  numClasses: number;
  numSamples: number;

  /** confusionMatrix[trueClass][predictedClass] = sample count. */
  confusionMatrix: number[][];
  accuracy: number;

  /**
   * Mean recall over the classes that have at least one true sample. Classes
   * without true samples are left out and listed in `classesWithoutSamples`.
   */
  balancedAccuracy: number;

  /** Mean F1 over all `numClasses` classes, with undefined F1 counted as 0. */
  macroF1: number;
  perClass: PerClassMetrics[];

  /** Class indices with no true sample, excluded from balanced accuracy. */
  classesWithoutSamples: number[];
}

/**
 * Builds the confusion matrix, rows indexed by true class and columns by
 * predicted class. Throws on length mismatch or an index outside [0, numClasses).
 */
export function confusionMatrix(
  trueLabels: LabelArray,
  predictedLabels: LabelArray,
  numClasses: number,
): number[][] {
  validateInputs(trueLabels, predictedLabels, numClasses);

  const matrix: number[][] = [];
  for (let i = 0; i < numClasses; i++) matrix.push(new Array<number>(numClasses).fill(0));

  for (let i = 0; i < trueLabels.length; i++) {
    matrix[trueLabels[i]][predictedLabels[i]] += 1;
  }
  return matrix;
}

/**
 * Computes all classification metrics. With zero samples, accuracy and
 * balanced accuracy are NaN, because there is nothing to average.
 */
export function classificationMetrics(
  trueLabels: LabelArray,
  predictedLabels: LabelArray,
  numClasses: number,
): ClassificationMetrics {
  const matrix = confusionMatrix(trueLabels, predictedLabels, numClasses);
  return metricsFromConfusionMatrix(matrix);
}

/** Computes the metrics from an existing confusion matrix (rows = true, cols = predicted). */
export function metricsFromConfusionMatrix(matrix: number[][]): ClassificationMetrics {
  const numClasses = matrix.length;
  for (const [row, values] of matrix.entries()) {
    if (values.length !== numClasses) {
      throw new Error(
        `Confusion matrix row ${row} has ${values.length} columns, expected ${numClasses}: the matrix must be square.`,
      );
    }
  }

  let numSamples = 0;
  let correct = 0;
  const columnSums = new Array<number>(numClasses).fill(0);
  for (let t = 0; t < numClasses; t++) {
    for (let p = 0; p < numClasses; p++) {
      numSamples += matrix[t][p];
      columnSums[p] += matrix[t][p];
    }
    correct += matrix[t][t];
  }

  const perClass: PerClassMetrics[] = [];
  const classesWithoutSamples: number[] = [];
  let recallSum = 0;
  let classesWithSamples = 0;
  let f1Sum = 0;

  for (let c = 0; c < numClasses; c++) {
    const support = matrix[c].reduce((sum, v) => sum + v, 0);
    const predictedCount = columnSums[c];
    const truePositives = matrix[c][c];

    const precisionUndefined = predictedCount === 0;
    const recallUndefined = support === 0;
    const precision = precisionUndefined ? 0 : truePositives / predictedCount;
    const recall = recallUndefined ? 0 : truePositives / support;
    const f1Undefined = precision + recall === 0;
    const f1 = f1Undefined ? 0 : (2 * precision * recall) / (precision + recall);

    perClass.push({
      classIndex: c,
      support,
      predictedCount,
      truePositives,
      precision,
      recall,
      f1,
      precisionUndefined,
      recallUndefined,
      f1Undefined,
    });

    if (recallUndefined) {
      classesWithoutSamples.push(c);
    } else {
      recallSum += recall;
      classesWithSamples += 1;
    }
    f1Sum += f1;
  }

  return {
    numClasses,
    numSamples,
    confusionMatrix: matrix.map((row) => row.slice()),
    accuracy: numSamples === 0 ? Number.NaN : correct / numSamples,
    balancedAccuracy: classesWithSamples === 0 ? Number.NaN : recallSum / classesWithSamples,
    macroF1: numClasses === 0 ? Number.NaN : f1Sum / numClasses,
    perClass,
    classesWithoutSamples,
  };
}

export interface SeedSummary {
  count: number;
  mean: number;

  /** Sample standard deviation (divides by n - 1); NaN when fewer than two values. */
  std: number;
}

/** Summarises one metric measured over several seeds as mean and sample standard deviation. */
export function summarizeSeeds(values: readonly number[]): SeedSummary {
  const count = values.length;
  if (count === 0) return { count, mean: Number.NaN, std: Number.NaN };

  const mean = values.reduce((sum, v) => sum + v, 0) / count;
  if (count < 2) return { count, mean, std: Number.NaN };

  let squaredDeviations = 0;
  for (const v of values) squaredDeviations += (v - mean) * (v - mean);
  return { count, mean, std: Math.sqrt(squaredDeviations / (count - 1)) };
}

function validateInputs(trueLabels: LabelArray, predictedLabels: LabelArray, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`Invalid class count ${numClasses}: expected a positive integer.`);
  }
  if (trueLabels.length !== predictedLabels.length) {
    throw new Error(
      `Label length mismatch: ${trueLabels.length} true labels but ${predictedLabels.length} predictions; pass one prediction per sample.`,
    );
  }
  checkIndices('true label', trueLabels, numClasses);
  checkIndices('predicted label', predictedLabels, numClasses);
}

function checkIndices(labelKind: string, labels: LabelArray, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new Error(
        `Invalid ${labelKind} ${v} at index ${i}: expected an integer class index in [0, ${numClasses}).`,
      );
    }
  }
}
