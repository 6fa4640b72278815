/**
 * Types of the CLIP-IT comparison API of the training worker: the unimodal
 * baseline, the text classifier and CLIP-IT trained on the same split, for
 * one or more seeds. Types only.
 */

import type { EmbeddingMatrix } from './clip-protocol';
import type { ComparisonBackbone } from './core/clipit/comparison-backbone';
import type { AugmentConfig } from './core/augment/augment-config';
import type { StainNormalizationSetting } from './core/stain/stain-normalize-images';
import type { ClassBalance } from './core/train/class-balance';
import type { ClassificationMetrics, SeedSummary } from './core/eval/classification-metrics';
import type { SplitName } from './core/split';
import type { LrScheduleKind } from './core/train/lr-schedule';
import type { BackendName, TestPrediction } from './worker-protocol';

export type ComparisonStage = 'unimodal' | 'text' | 'clipit';

export const STAGE_LABELS: Record<ComparisonStage, string> = {
  unimodal: 'Unimodal baseline',
  text: 'Text classifier',
  clipit: 'CLIP-IT',
};

export interface ComparisonRequest {
  runId: string;
  classNames: string[];
  /** Class index per image, in the order of the images given to `loadImages`. */
  labels: number[];
  split: Record<SplitName, number[]>;
  stages: ComparisonStage[];
  seeds: number[];
  /** Side in pixels of the tiles every image stage reads; images must be loaded at this size first. */
  inputSize: number;
  /** Vision backbone of the image stages; absent: the small CNN. */
  backbone?: ComparisonBackbone;
  /** Channels of the small CNN's first block (each later block doubles them); absent: 16. */
  cnnWidth?: number;
  /** Corpus texts (reports or passages) the pairing indexes into. */
  texts: string[];
  /** Top-1 text per image from retrieval. */
  pairedText: number[];
  /** Frozen text embeddings of `texts` from retrieval, reused when text LoRA is off. */
  textEmbeddings: EmbeddingMatrix | null;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  clipNorm: number;
  schedule: LrScheduleKind;
  /** Weight of the cosine distillation term. */
  lambda: number;
  loraRank: number;
  loraAlpha: number;
  /** LoRA on the CLIP text encoder (gradients of the cosine term reach it); off embeds reports once. */
  textLora: boolean;
  /** Augmentation of the image stages' training batches; null or absent: off. */
  augment?: AugmentConfig | null;
  /** Class imbalance handling of the image stages; absent: none. */
  classBalance?: ClassBalance;
  /** Stain normalisation applied to every image before training and saved with the exported model. */
  stainNormalization?: StainNormalizationSetting | null;
}

export interface ComparisonStepEvent {
  runId: string;
  stage: ComparisonStage;
  seed: number;
  step: number;
  epoch: number;
  totalSteps: number;
  loss: number;
  ce: number;
  cosine: number;
  learningRate: number;
  imagesPerSecond: number;
}

export interface ComparisonEpochEvent {
  runId: string;
  stage: ComparisonStage;
  seed: number;
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valBalancedAccuracy: number;
}

export interface StageResult {
  stage: ComparisonStage;
  seeds: number[];
  perSeed: ClassificationMetrics[];
  accuracy: SeedSummary;
  balancedAccuracy: SeedSummary;
  macroF1: SeedSummary;
  /** Confusion matrix summed over seeds (rows true class, columns predicted). */
  confusionMatrix: number[][];
  /** Per-tile test predictions of the first seed, for ROC, calibration and the galleries. */
  testPredictions: TestPrediction[];
}

export interface ComparisonResult {
  runId: string;
  status: 'completed' | 'stopped' | 'failed';
  message?: string;
  backend: BackendName;
  stages: StageResult[];
  /** Vision-only CLIP-IT model of the first seed: safetensors bytes and its JSON config. */
  exportedModel: { safetensors: Uint8Array; config: unknown } | null;
}

export interface ComparisonCallbacks {
  onStep(event: ComparisonStepEvent): void;
  onEpoch(event: ComparisonEpochEvent): void;
  onStatus(message: string): void;
}

export interface ClipItWorkerApi {
  runComparison(request: ComparisonRequest, callbacks: ComparisonCallbacks): Promise<ComparisonResult>;
}
