/**
 * Per-sample class probabilities in one shape for the evaluation code: a flat
 * row-major array of numSamples x numClasses values.
 */

/** Flat row-major Float32Array/Float64Array/number[] (N*C values) or one row per sample. */
export type ProbabilityInput = Float32Array | Float64Array | number[] | number[][];

export interface ProbabilityMatrix {
  numSamples: number;
  numClasses: number;

  /** Row-major: values[i * numClasses + c] = probability of class c for sample i. */
  values: Float64Array;
}

/**
 * Copies the input into a flat Float64Array and checks its size and values.
 * Throws on a size mismatch or a non-finite value, naming the sample.
 */
export function toProbabilityMatrix(input: ProbabilityInput, numClasses: number): ProbabilityMatrix {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`Invalid class count ${numClasses}: expected a positive integer.`);
  }

  let values: Float64Array;
  if (input.length > 0 && Array.isArray(input[0])) {
    const rows = input as number[][];
    values = new Float64Array(rows.length * numClasses);
    for (let i = 0; i < rows.length; i++) {
      if (rows[i].length !== numClasses) {
        throw new Error(
          `Probability row ${i} has ${rows[i].length} values, expected ${numClasses} (one per class).`,
        );
      }
      values.set(rows[i], i * numClasses);
    }
  } else {
    const flat = input as Float32Array | Float64Array | number[];
    if (flat.length % numClasses !== 0) {
      throw new Error(
        `Probability array length ${flat.length} is not a multiple of the class count ${numClasses}; pass numSamples x numClasses values in row-major order.`,
      );
    }
    values = Float64Array.from(flat);
  }

  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) {
      throw new Error(
        `Probability of sample ${Math.floor(k / numClasses)}, class ${k % numClasses} is ${values[k]}: expected a finite number.`,
      );
    }
  }

  return { numSamples: values.length / numClasses, numClasses, values };
}

/** Index of the largest value in row `sample`; ties go to the lowest class index. */
export function argmaxRow(matrix: ProbabilityMatrix, sample: number): number {
  const offset = sample * matrix.numClasses;
  let best = 0;
  for (let c = 1; c < matrix.numClasses; c++) {
    if (matrix.values[offset + c] > matrix.values[offset + best]) best = c;
  }
  return best;
}

/** Predicted class of every sample (argmax, ties to the lowest index). */
export function argmaxRows(matrix: ProbabilityMatrix): Int32Array {
  const predicted = new Int32Array(matrix.numSamples);
  for (let i = 0; i < matrix.numSamples; i++) predicted[i] = argmaxRow(matrix, i);
  return predicted;
}

/** Throws unless there is one label per probability row, each a class index. */
export function checkLabelsMatch(
  labels: ArrayLike<number>,
  matrix: ProbabilityMatrix,
): void {
  if (labels.length !== matrix.numSamples) {
    throw new Error(
      `Label count ${labels.length} does not match the ${matrix.numSamples} probability rows; pass one label per sample.`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= matrix.numClasses) {
      throw new Error(
        `Invalid true label ${v} at index ${i}: expected an integer class index in [0, ${matrix.numClasses}).`,
      );
    }
  }
}
