import { argmaxRow, toProbabilityMatrix } from './probability-matrix';

/** One test image's prediction, as the evaluation views read it. */
export interface IndexedPrediction {
  /** Index of the image in the dataset's image list. */
  index: number;
  label: number;
  /** Argmax of `probabilities`; ties go to the lowest class index. */
  predicted: number;
  probabilities: number[];
}

/**
 * Pairs the rows of a probability matrix [test.length x numClasses] with the
 * dataset indices of the test images they belong to.
 */
export function indexedPredictions(
  testIndices: readonly number[],
  labels: ArrayLike<number>,
  probabilities: Float32Array | Float64Array,
  numClasses: number,
): IndexedPrediction[] {
  const matrix = toProbabilityMatrix(probabilities, numClasses);
  if (matrix.numSamples !== testIndices.length) {
    throw new Error(`Got ${matrix.numSamples} probability rows for ${testIndices.length} test images; pass one row per test image.`);
  }

  return testIndices.map((index, row) => ({
    index,
    label: labels[index],
    predicted: argmaxRow(matrix, row),
    probabilities: Array.from(matrix.values.subarray(row * numClasses, (row + 1) * numClasses)),
  }));
}
