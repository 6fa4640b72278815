/**
 * Everything the evaluation views show for one set of test predictions:
 * tile-level metrics, one-vs-rest ROC, calibration and, when the tiles carry
 * group ids, patient- or slide-level metrics.
 */

import { calibration, DEFAULT_CALIBRATION_BINS, type CalibrationResult } from './calibration';
import { classificationMetrics, type ClassificationMetrics } from './classification-metrics';
import { aggregateByGroup, type GroupAggregation } from './group-aggregation';
import { argmaxRows, toProbabilityMatrix } from './probability-matrix';
import { rocCurves, type RocResult } from './roc';

/** One test tile: its true class, the model's class probabilities and, optionally, its group. */
export interface EvaluatedTile {
  label: number;
  probabilities: readonly number[];
  group?: string;
}

export interface EvaluationSummary {
  numClasses: number;
  numSamples: number;
  /** Tile-level metrics of the argmax prediction. */
  metrics: ClassificationMetrics;
  roc: RocResult;
  /** Null when there are no tiles, because calibration is then undefined. */
  calibration: CalibrationResult | null;
  /** Group-level predictions and metrics; null when the tiles have no group ids or the groups cannot be scored. */
  groups: GroupAggregation | null;
  /** Reason `groups` is null, in words for the user. */
  groupProblem: string | null;
}

export function summarizeEvaluation(tiles: readonly EvaluatedTile[], numClasses: number, calibrationBins = DEFAULT_CALIBRATION_BINS): EvaluationSummary {
  const rows = tiles.map((tile) => [...tile.probabilities]);
  const labels = tiles.map((tile) => tile.label);
  const matrix = toProbabilityMatrix(rows, numClasses);
  const predicted = argmaxRows(matrix);

  const metrics = classificationMetrics(labels, Array.from(predicted), numClasses);
  const roc = rocCurves(matrix.values, labels, numClasses);
  const calibrationResult = tiles.length > 0 ? calibration(matrix.values, labels, numClasses, calibrationBins) : null;

  let groups: GroupAggregation | null = null;
  let groupProblem: string | null = null;
  if (tiles.length === 0) {
    groupProblem = 'There are no test tiles to aggregate.';
  } else if (tiles.every((tile) => tile.group === undefined)) {
    groupProblem = 'No groups were given, so every tile counts on its own. Load a groups CSV (patient or slide per file) before training to see group-level metrics.';
  } else {
    // A tile without a group id is its own group, as the split treats it.
    const groupIds = tiles.map((tile, i) => tile.group ?? `tile ${i}`);
    try {
      groups = aggregateByGroup(matrix.values, labels, groupIds, numClasses);
    } catch (error) {
      groupProblem = error instanceof Error ? error.message : String(error);
    }
  }

  return { numClasses, numSamples: tiles.length, metrics, roc, calibration: calibrationResult, groups, groupProblem };
}
