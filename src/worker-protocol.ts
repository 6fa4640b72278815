/**
 * Types shared by the UI and the workers. This file contains types only, so a
 * worker never pulls UI code into its bundle and the UI never pulls tfjs.
 */

import type { BenchWorkerApi } from './bench-protocol';
import type { ClipWorkerApi } from './clip-protocol';
import type { ClipItWorkerApi } from './clipit-protocol';
import type { AugmentWorkerApi } from './augment-protocol';
import type { AugmentConfig } from './core/augment/augment-config';
import type { StainNormalizationSetting } from './core/stain/stain-normalize-images';
import type { ClassBalance } from './core/train/class-balance';
import type { ContrastiveWorkerApi } from './contrastive-protocol';
import type { ProjectScopeWorkerApi } from './project-protocol';
import type { SaliencyWorkerApi } from './saliency-protocol';
import type { VisionModelWorkerApi } from './vision-model-protocol';
import type { ClassificationMetrics } from './core/eval/classification-metrics';
import type { ImportReason } from './core/ingest/import-report';
import type { SplitName } from './core/split';
import type { StepProgress } from './core/train/classifier-trainer';
import type { LrScheduleKind } from './core/train/lr-schedule';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

/**
 * Order in which `auto` tries backends before any measurement; the first that
 * really activates wins. A measurement replaces it with the measured ranking,
 * and a software WebGPU adapter (SwiftShader) is moved behind `wasm`.
 */
export const AUTO_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** The wasm build tfjs loaded and its XNNPACK thread pool. */
export interface WasmInfo {
  /** `threaded-simd` needs SharedArrayBuffer, so a cross-origin-isolated page. */
  build: 'threaded-simd' | 'simd' | 'plain';
  /** `getThreadsCount()` of @tensorflow/tfjs-backend-wasm after initialisation. */
  threadsCount: number;
  /** False when the pthread worker could not be rewritten for this package version (threads off). */
  pthreadWorkerPatched: boolean;
}

/** Training speed of one backend on the measurement step. */
export interface BackendSpeed {
  backend: BackendName;
  /** Images per second over the timed steps; null when the backend failed. */
  imagesPerSecond: number | null;
  /** Duration of the first (warm-up) step, which includes kernel compilation, in ms. */
  warmupMs: number | null;
  /** Duration of each timed step, in ms. */
  stepMs: number[];
  /**
   * True when the warm-up step alone used up the time budget, so the figure is
   * the warm-up speed: a lower bound, because compilation is included.
   */
  warmupOnly: boolean;
  error?: string;
}

/** Result of timing a short training run of the default SmallCnn on each backend. */
export interface BackendBenchmark {
  inputSize: number;
  batchSize: number;
  channels: number[];
  /** Fastest first; failed backends last. */
  results: BackendSpeed[];
  /** False when a forced backend choice cancelled the measurement before every backend was timed. */
  complete: boolean;
  /** ISO 8601 time of the measurement. */
  measuredAt: string;
}

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
  /** Reason the backend did not activate, when it did not. */
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
  /** The wasm build and thread count, once the wasm backend has initialised in this worker. */
  wasm: WasmInfo | null;
  /** Backends in the order this selection tried them: the forced one, the measured ranking or `AUTO_BACKEND_ORDER`. */
  order: BackendName[];
  /** The measurement behind `order`, when the selection used one. */
  benchmark: BackendBenchmark | null;
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
  /** Lower-case hex SHA-256 of the file bytes, for duplicate detection. */
  sha256: string;
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
  /** First failure to keep a file's bytes in OPFS, when one happened; those images do not survive a reload. */
  storageError?: string;
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
  /** Save a checkpoint every this many steps, besides each epoch end (0: epoch ends only). */
  checkpointEvery: number;
  /** Hash of the image paths, sizes and labels, so a resume can check it has the same data. */
  datasetFingerprint: string;
  /** Augmentation of training batches; null or absent: off. */
  augment?: AugmentConfig | null;
  /** Class-weighted loss or balanced sampling; absent: none. */
  classBalance?: ClassBalance;
  /** Stain normalisation of every image before training, fitted on a reference tile; null or absent: off. */
  stainNormalization?: StainNormalizationSetting | null;
}

export interface TrainOptions {
  /** Continue from the run's last saved checkpoint instead of starting fresh. */
  resume?: boolean;
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
  /** Worker memory when the epoch ended; tensors and GPU bytes stay flat across epochs unless something leaks. */
  memory?: MemoryInfo;
}

export interface TestPrediction {
  /** Index of the image in the loaded list. */
  index: number;
  /** Image path and group id, added by the UI when the run ends so galleries and group metrics survive a new import. */
  path?: string;
  group?: string;
  label: number;
  predicted: number;
  probabilities: number[];
}

export interface TrainResult {
  runId: string;
  /** Step the run resumed after, when it continued from a checkpoint. */
  resumedFromStep?: number;
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
  /** A problem that does not stop the run, e.g. a checkpoint that could not be saved. */
  onWarning(message: string): void;
}

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
  /** Bytes held on the GPU, when the backend reports them. */
  numBytesInGPU?: number;
}

/** The training worker's API, exposed through comlink. */
export interface TrainingWorkerApi
  extends ClipWorkerApi, BenchWorkerApi, ClipItWorkerApi, SaliencyWorkerApi, ProjectScopeWorkerApi, ContrastiveWorkerApi, AugmentWorkerApi, VisionModelWorkerApi {
  /**
   * Activates a backend. For `auto`, `measured` (from an earlier `measureBackends`
   * on this device) sets the order in which backends are tried.
   */
  initBackend(preference: BackendPreference, measured?: BackendBenchmark): Promise<BackendInfo>;
  /** Times a short SmallCnn training run on every backend, then activates `preference` using that ranking. */
  measureBackends(preference: BackendPreference): Promise<BackendInfo>;
  /** Decodes images at the model input size; repeated calls with the same files and size reuse the result. */
  loadImages(images: ImageInput[], inputSize: number, onProgress?: (progress: DecodeProgress) => void): Promise<{ decoded: number; failed: ImportedProblem[] }>;
  train(request: TrainRequest, callbacks: TrainCallbacks, options?: TrainOptions): Promise<TrainResult>;
  pause(): void;
  resume(): void;
  stop(): void;
  memory(): MemoryInfo;
}

/** The import worker's API: checks and decodes files, makes thumbnails. */
export interface ImportWorkerApi extends ProjectScopeWorkerApi {
  importImages(images: ImageInput[], onProgress?: (progress: ImportProgress) => void): Promise<ImportBatchResult>;
  cancel(): void;
}
