/**
 * Tile lists for error analysis: the most confident mistakes, and the tiles
 * of one confusion-matrix cell, sorted by the model's confidence.
 */

import {
  argmaxRow,
  checkLabelsMatch,
  toProbabilityMatrix,
  type ProbabilityInput,
} from './probability-matrix';

export interface TilePrediction {
  /** Row index of the tile in the probability input. */
  index: number;
  trueLabel: number;
  predictedLabel: number;

  /** Probability of the predicted class (the max probability). */
  confidence: number;
}

/**
 * Returns up to `limit` misclassified tiles, highest confidence first. Equal
 * confidences keep input order, so the result is deterministic.
 */
export function mostConfidentMistakes(
  probabilities: ProbabilityInput,
  trueLabels: ArrayLike<number>,
  numClasses: number,
  limit = 20,
): TilePrediction[] {
  const mistakes = tilePredictions(probabilities, trueLabels, numClasses).filter(
    (t) => t.predictedLabel !== t.trueLabel,
  );
  return sortByConfidence(mistakes).slice(0, Math.max(0, limit));
}

/**
 * Returns the tiles of confusion-matrix cell (trueLabel, predictedLabel),
 * highest confidence first. With trueLabel === predictedLabel these are the
 * correct tiles of that class.
 */
export function confusionCellTiles(
  probabilities: ProbabilityInput,
  trueLabels: ArrayLike<number>,
  numClasses: number,
  trueLabel: number,
  predictedLabel: number,
): TilePrediction[] {
  for (const [name, value] of [
    ['true label', trueLabel],
    ['predicted label', predictedLabel],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value >= numClasses) {
      throw new Error(`Invalid ${name} ${value} for the confusion cell: expected a class index in [0, ${numClasses}).`);
    }
  }

  const cell = tilePredictions(probabilities, trueLabels, numClasses).filter(
    (t) => t.trueLabel === trueLabel && t.predictedLabel === predictedLabel,
  );
  return sortByConfidence(cell);
}

function tilePredictions(
  probabilities: ProbabilityInput,
  trueLabels: ArrayLike<number>,
  numClasses: number,
): TilePrediction[] {
  const matrix = toProbabilityMatrix(probabilities, numClasses);
  checkLabelsMatch(trueLabels, matrix);

  const tiles: TilePrediction[] = [];
  for (let i = 0; i < matrix.numSamples; i++) {
    const predictedLabel = argmaxRow(matrix, i);
    tiles.push({
      index: i,
      trueLabel: trueLabels[i],
      predictedLabel,
      confidence: matrix.values[i * numClasses + predictedLabel],
    });
  }
  return tiles;
}

function sortByConfidence(tiles: TilePrediction[]): TilePrediction[] {
  // Array.prototype.sort is stable (ES2019), so ties keep input order.
  return tiles.sort((a, b) => b.confidence - a.confidence);
}
