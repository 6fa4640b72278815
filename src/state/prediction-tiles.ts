import type { TestPrediction, TrainResult } from '../worker-protocol';
import type { DatasetImage, GroupAssignment } from './dataset-store';

/**
 * Adds each test tile's path and group id to the predictions, from the
 * dataset the run was trained on. With groups, a tile without a group entry
 * is its own group, as the split treats it. Without groups, `group` stays unset.
 */
export function annotatePredictions(
  predictions: readonly TestPrediction[],
  images: readonly Pick<DatasetImage, 'path'>[],
  groups: GroupAssignment | null,
): TestPrediction[] {
  return predictions.map((prediction) => {
    const path = images[prediction.index]?.path;
    if (path === undefined) return prediction;
    const group = groups ? (groups.byPath.get(path) ?? path) : undefined;
    return group === undefined ? { ...prediction, path } : { ...prediction, path, group };
  });
}

/** Returns the run result with annotated predictions (see annotatePredictions). */
export function annotateResult(result: TrainResult, images: readonly Pick<DatasetImage, 'path'>[], groups: GroupAssignment | null): TrainResult {
  return { ...result, predictions: annotatePredictions(result.predictions, images, groups) };
}
