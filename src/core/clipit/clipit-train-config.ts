import type { AugmentConfig } from '../augment/augment-config';
import type { ClassBalance } from '../train/class-balance';
import type { LrScheduleKind } from '../train/lr-schedule';

/** `unimodal`: backbone + vision head with cross-entropy (stage 1). `clipit`: fusion training with the cosine term (stage 3). */
export type ClipItMode = 'unimodal' | 'clipit';

export interface ClipItTrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 term added to the gradient, as torch.optim.Adam's `weight_decay`. */
  weightDecay: number;
  /** Maximum global gradient norm; 0 turns clipping off. */
  clipNorm: number;
  schedule: LrScheduleKind;
  seed: number;
  /** Weight of the cosine term mean(1 - cos(t, P(v))); ignored in unimodal mode. */
  lambda: number;
  /** Augmentation of training batches (NHWC [0, 1] backbones only); null or absent: off. */
  augment?: AugmentConfig | null;
  /** Class-weighted cross-entropy or balanced sampling of the training split; absent: none. */
  classBalance?: ClassBalance;
}

/**
 * The method's stage-3 settings: Adam lr 1e-3, weight decay 1e-4, batch 64, clipping at 0.5,
 * lambda 1. NOTE: the method fixes no epoch count; 10 is this studio's default.
 */
export const DEFAULT_CLIPIT_TRAIN_CONFIG: ClipItTrainConfig = {
  epochs: 10,
  batchSize: 64,
  learningRate: 1e-3,
  weightDecay: 1e-4,
  clipNorm: 0.5,
  schedule: 'constant',
  seed: 0,
  lambda: 1,
};

export interface ClipItStepProgress {
  /** Global optimizer step, counted from 1. */
  step: number;
  epoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Total loss CE + lambda * cosine (CE alone in unimodal mode). */
  loss: number;
  ce: number;
  /** mean(1 - cos(t, P(v))); 0 in unimodal mode. */
  cosine: number;
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  imagesPerSecond: number;
}

export interface ClipItEvaluation {
  loss: number;
  ce: number;
  cosine: number;
  accuracy: number;
  balancedAccuracy: number;
  /** Row-major [images, numClasses] softmax of the output head's logits. */
  probabilities: Float32Array;
  predictions: Int32Array;
}

export interface ClipItEpochProgress {
  epoch: number;
  trainLoss: number;
  trainCe: number;
  trainCosine: number;
  /** Validation metrics; NaN fields when the validation split is empty. */
  val: ClipItEvaluation;
  /** True when this epoch's validation loss is the lowest so far, so its weights are kept. */
  isBest: boolean;
}

export interface ClipItCallbacks {
  onStep?(progress: ClipItStepProgress): void;
  onEpoch?(progress: ClipItEpochProgress): void;
}

export interface ClipItRunResult {
  stopped: boolean;
  bestValLoss: number;
  /** Epoch whose weights the model contains after the run; 0 when no validation epoch finished. */
  bestEpoch: number;
}

export function validateTrainConfig(config: ClipItTrainConfig): void {
  if (!Number.isInteger(config.epochs) || config.epochs < 1) throw new Error(`Invalid epochs ${config.epochs}: expected an integer of at least 1.`);
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1) throw new Error(`Invalid batch size ${config.batchSize}: expected an integer of at least 1.`);
  if (!(config.learningRate > 0)) throw new Error(`Invalid learning rate ${config.learningRate}: expected a positive number.`);
  if (!(config.weightDecay >= 0)) throw new Error(`Invalid weight decay ${config.weightDecay}: expected 0 or more.`);
  if (!(config.lambda >= 0)) throw new Error(`Invalid lambda ${config.lambda}: expected 0 or more.`);
}
