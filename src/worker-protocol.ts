/**
 * Types shared by the UI and the workers. This file holds types only, so a
 * worker never pulls UI code into its bundle and the UI never pulls tfjs.
 */

import type { ClassificationMetrics } from './core/eval/classification-metrics';
import type { ImportReason } from './core/ingest/import-report';
import type { SplitName } from './core/split';
import type { StepProgress } from './core/train/classifier-trainer';
import type { LrScheduleKind } from './core/train/lr-schedule';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

/** Order in which `auto` tries backends; the first that really activates wins. */
export const AUTO_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a software adapter such as SwiftShader (`adapter.info.isFallbackAdapter`). */
  isFallbackAdapter: boolean;
}

export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why the backend did not activate, when it did not. */
  error?: string;
}

export interface BackendInfo {
  /** The backend tfjs reports after selection (`tf.getBackend()`). */
  active: BackendName;
  preference: BackendPreference;
  attempts: BackendAttempt[];
  /** WebGPU adapter details, when the browser exposes WebGPU at all. */
  adapter: AdapterDescription | null;
  crossOriginIsolated: boolean;
}

/** One image handed from the UI to a worker: the file and where it came from. */
export interface ImageInput {
  /** Path relative to the dropped folder, e.g. `lung_aca/lungaca1.jpeg`. */
  path: string;
  file: Blob;
}

export interface ImportedImage {
  path: string;
  width: number;
  height: number;
  /** Small JPEG for the thumbnail grid (decoded by the browser, also for TIFF sources). */
  thumbnail: Blob;
}

export interface ImportedProblem {
  path: string;
  reason: ImportReason;
  detail: string;
}

export interface ImportProgress {
  done: number;
  total: number;
}

export interface ImportBatchResult {
  images: ImportedImage[];
  problems: ImportedProblem[];
  warnings: { path: string; message: string }[];
}

export interface DecodeProgress {
  done: number;
  total: number;
}

/** Everything a training run needs besides the image files. */
export interface TrainRequest {
  runId: string;
  classNames: string[];
  /** Class index per image, in the order of the images given to `loadImages`. */
  labels: number[];
  split: Record<SplitName, number[]>;
  model: {
    kind: 'small-cnn';
    inputSize: number;
    channels: number[];
    dropout: number;
  };
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  clipNorm: number;
  schedule: LrScheduleKind;
  seed: number;
}

/** Progress of one optimizer step, tagged with its run. */
export interface StepEvent extends StepProgress {
  runId: string;
}

export interface EpochEvent {
  runId: string;
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  valBalancedAccuracy: number;
  isBest: boolean;
  numTensors: number;
}

export interface TestPrediction {
  /** Index of the image in the loaded list. */
  index: number;
  label: number;
  predicted: number;
  probabilities: number[];
}

export interface TrainResult {
  runId: string;
  status: 'completed' | 'stopped' | 'failed';
  message?: string;
  bestValLoss: number;
  test: ClassificationMetrics | null;
  predictions: TestPrediction[];
  meanImagesPerSecond: number;
  backend: BackendName;
}

export interface TrainCallbacks {
  onStep(event: StepEvent): void;
  onEpoch(event: EpochEvent): void;
  onStatus(message: string): void;
}

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
  /** Bytes held on the GPU, when the backend reports them. */
  numBytesInGPU?: number;
}

/** The training worker's API, exposed through comlink. */
export interface TrainingWorkerApi {
  initBackend(preference: BackendPreference): Promise<BackendInfo>;
  /** Decodes images at the model input size; repeated calls with the same files and size reuse the result. */
  loadImages(images: ImageInput[], inputSize: number, onProgress?: (progress: DecodeProgress) => void): Promise<{ decoded: number; failed: ImportedProblem[] }>;
  train(request: TrainRequest, callbacks: TrainCallbacks): Promise<TrainResult>;
  pause(): void;
  resume(): void;
  stop(): void;
  memory(): MemoryInfo;
}

/** The import worker's API: checks and decodes files, makes thumbnails. */
export interface ImportWorkerApi {
  importImages(images: ImageInput[], onProgress?: (progress: ImportProgress) => void): Promise<ImportBatchResult>;
  cancel(): void;
}
