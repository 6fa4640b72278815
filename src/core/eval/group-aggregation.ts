/**
 * Group-level (patient or slide) predictions from tile-level probabilities,
 * by mean probability and by majority vote, and the metrics of each.
 */

import { classificationMetrics, type ClassificationMetrics } from './classification-metrics';
import {
  argmaxRow,
  checkLabelsMatch,
  toProbabilityMatrix,
  type ProbabilityInput,
} from './probability-matrix';

export interface GroupPrediction {
  groupId: string;
  trueLabel: number;
  tileCount: number;

  /** Mean of the tiles' probability vectors, one value per class. */
  meanProbabilities: number[];

  /** Argmax of `meanProbabilities`; ties go to the lowest class index. */
  meanPrediction: number;

  /** Number of tiles whose argmax is each class. */
  voteCounts: number[];

  /**
   * Class with the most tile votes. A tie between classes is broken by the
   * higher mean probability, then by the lowest class index.
   */
  majorityPrediction: number;
}

export interface GroupAggregation {
  groups: GroupPrediction[];
  meanProbabilityMetrics: ClassificationMetrics;
  majorityVoteMetrics: ClassificationMetrics;
}

/**
 * Aggregates tiles by group id. Groups appear in order of first occurrence.
 * Throws when a group's tiles carry different true labels, because a group
 * (patient or slide) must have a single diagnosis to be scored.
 */
export function aggregateByGroup(
  probabilities: ProbabilityInput,
  trueLabels: ArrayLike<number>,
  groupIds: readonly string[],
  numClasses: number,
): GroupAggregation {
  const matrix = toProbabilityMatrix(probabilities, numClasses);
  checkLabelsMatch(trueLabels, matrix);
  if (groupIds.length !== matrix.numSamples) {
    throw new Error(
      `Group id count ${groupIds.length} does not match the ${matrix.numSamples} probability rows; pass one group id per tile.`,
    );
  }

  const tilesByGroup = new Map<string, number[]>();
  for (let i = 0; i < groupIds.length; i++) {
    const tiles = tilesByGroup.get(groupIds[i]);
    if (tiles) tiles.push(i);
    else tilesByGroup.set(groupIds[i], [i]);
  }

  const groups: GroupPrediction[] = [];
  for (const [groupId, tiles] of tilesByGroup) {
    const trueLabel = trueLabels[tiles[0]];
    const meanProbabilities = new Array<number>(numClasses).fill(0);
    const voteCounts = new Array<number>(numClasses).fill(0);

    for (const tile of tiles) {
      if (trueLabels[tile] !== trueLabel) {
        throw new Error(
          `Group "${groupId}" mixes true labels ${trueLabel} and ${trueLabels[tile]} (tile ${tile}); every tile of a group must share one label.`,
        );
      }
      for (let c = 0; c < numClasses; c++) meanProbabilities[c] += matrix.values[tile * numClasses + c];
      voteCounts[argmaxRow(matrix, tile)] += 1;
    }
    for (let c = 0; c < numClasses; c++) meanProbabilities[c] /= tiles.length;

    groups.push({
      groupId,
      trueLabel,
      tileCount: tiles.length,
      meanProbabilities,
      meanPrediction: argmaxOf(meanProbabilities),
      voteCounts,
      majorityPrediction: majorityClass(voteCounts, meanProbabilities),
    });
  }

  const groupLabels = groups.map((g) => g.trueLabel);
  return {
    groups,
    meanProbabilityMetrics: classificationMetrics(groupLabels, groups.map((g) => g.meanPrediction), numClasses),
    majorityVoteMetrics: classificationMetrics(groupLabels, groups.map((g) => g.majorityPrediction), numClasses),
  };
}

function argmaxOf(values: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < values.length; c++) if (values[c] > values[best]) best = c;
  return best;
}

function majorityClass(voteCounts: readonly number[], meanProbabilities: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < voteCounts.length; c++) {
    const moreVotes = voteCounts[c] > voteCounts[best];
    const tieWithHigherMean = voteCounts[c] === voteCounts[best] && meanProbabilities[c] > meanProbabilities[best];
    if (moreVotes || tieWithHigherMean) best = c;
  }
  return best;
}
