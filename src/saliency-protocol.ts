/**
 * Types of the saliency API of the training worker: Grad-CAM maps of a
 * run's stored small CNN, and attention rollout of the loaded CLIP's ViT
 * vision tower. Types and one message prefix only.
 */

/** Start of the run warning the worker adds when a run's weights could not be stored, so the UI hides Grad-CAM. */
export const WEIGHTS_NOT_SAVED_WARNING = 'Weights not saved';

/** The image to explain: a tile decoded for the last training run, or any image file. */
export type SaliencyInput = { kind: 'tile'; index: number } | { kind: 'image'; file: Blob; path: string };

export interface SaliencyMap {
  method: 'grad-cam' | 'attention-rollout';
  /** Map size in cells: the model input size for Grad-CAM, the patch grid for rollout. */
  width: number;
  height: number;
  /** Row-major relevance per cell in [0, 1], max 1 (all 0 when nothing is relevant). */
  values: Float32Array;
  /** Class the map explains (the predicted class unless the request named one); -1 for rollout, which is class-agnostic. */
  classIndex: number;
  /** Softmax of the model on this image; empty for rollout. */
  probabilities: number[];
}

export interface SaliencyWorkerApi {
  /** Grad-CAM on the last convolution block of the run's stored weights, for `classIndex` or the predicted class. */
  saliency(runId: string, input: SaliencyInput, classIndex?: number): Promise<SaliencyMap>;
  /** Attention rollout of the loaded CLIP's vision tower on one image file. */
  clipAttentionRollout(file: Blob, path: string): Promise<SaliencyMap>;
}
