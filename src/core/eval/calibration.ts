/**
 * Expected calibration error (ECE) and reliability-diagram data, using the
 * max class probability as the confidence (Guo et al. 2017, "On Calibration
 * of Modern Neural Networks").
 */

import {
  argmaxRow,
  checkLabelsMatch,
  toProbabilityMatrix,
  type ProbabilityInput,
} from './probability-matrix';

export const DEFAULT_CALIBRATION_BINS = 15;

export interface ReliabilityBin {
  /** Bin covers confidences in (lower, upper]; the first bin also takes a confidence of exactly 0. */
  lower: number;
  upper: number;
  count: number;

  /** Mean max-probability in the bin; NaN when the bin is empty. */
  meanConfidence: number;

  /** Fraction of the bin's samples whose argmax class is the true class; NaN when empty. */
  accuracy: number;
}

export interface CalibrationResult {
  /** Sum over bins of (count / N) * |accuracy - meanConfidence|; empty bins add nothing. */
  expectedCalibrationError: number;

  /** Largest |accuracy - meanConfidence| over the non-empty bins. */
  maxCalibrationError: number;
  bins: ReliabilityBin[];
  numSamples: number;
}

/**
 * Bins samples by confidence into `numBins` equal-width bins on [0, 1] and
 * computes ECE. Throws on an empty input, because ECE is then undefined.
 */
export function calibration(
  probabilities: ProbabilityInput,
  trueLabels: ArrayLike<number>,
  numClasses: number,
  numBins = DEFAULT_CALIBRATION_BINS,
): CalibrationResult {
  if (!Number.isInteger(numBins) || numBins < 1) {
    throw new Error(`Invalid calibration bin count ${numBins}: expected a positive integer.`);
  }
  const matrix = toProbabilityMatrix(probabilities, numClasses);
  checkLabelsMatch(trueLabels, matrix);
  if (matrix.numSamples === 0) {
    throw new Error('Calibration needs at least one sample; the probability input is empty.');
  }

  const counts = new Float64Array(numBins);
  const confidenceSums = new Float64Array(numBins);
  const correctCounts = new Float64Array(numBins);

  for (let i = 0; i < matrix.numSamples; i++) {
    const predicted = argmaxRow(matrix, i);
    const confidence = matrix.values[i * numClasses + predicted];
    if (confidence < 0 || confidence > 1) {
      throw new Error(
        `Confidence ${confidence} of sample ${i} is outside [0, 1]: pass probabilities (softmax output), not logits.`,
      );
    }

    // Right-closed bins (lower, upper]; ceil(x * B) - 1 gives that index, and 0 goes to bin 0.
    const bin = Math.max(0, Math.min(numBins - 1, Math.ceil(confidence * numBins) - 1));
    counts[bin] += 1;
    confidenceSums[bin] += confidence;
    if (predicted === trueLabels[i]) correctCounts[bin] += 1;
  }

  const bins: ReliabilityBin[] = [];
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < numBins; b++) {
    const count = counts[b];
    const meanConfidence = count === 0 ? Number.NaN : confidenceSums[b] / count;
    const accuracy = count === 0 ? Number.NaN : correctCounts[b] / count;
    bins.push({ lower: b / numBins, upper: (b + 1) / numBins, count, meanConfidence, accuracy });

    if (count > 0) {
      const gap = Math.abs(accuracy - meanConfidence);
      ece += (count / matrix.numSamples) * gap;
      mce = Math.max(mce, gap);
    }
  }

  return { expectedCalibrationError: ece, maxCalibrationError: mce, bins, numSamples: matrix.numSamples };
}
