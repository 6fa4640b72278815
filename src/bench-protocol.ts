/** Types of the benchmark methods of the training worker (exposed through comlink). Types only. */

import type { BackendName, MemoryInfo } from './worker-protocol';

/** The small CNN's shape: side of the square input in pixels and output channels of each conv block. */
export interface BenchCnnPreset {
  inputSize: number;
  channels: number[];
}

export interface BenchTrainRequest extends BenchCnnPreset {
  batchSize: number;
  /** Optimizer steps to run at most, the first `warmupSteps` of them untimed. */
  steps: number;
  warmupSteps: number;
  seed: number;
  /**
   * Time in ms after which no further step starts, once one timed step has finished.
   * A step that has started always finishes. Absent: run all `steps`.
   */
  budgetMs?: number;
}

export interface BenchTrainResult {
  backend: BackendName;
  /** Wall time of step 1, which includes shader compilation and first uploads, in ms. */
  firstStepMs: number;
  /** Wall time of every step in order, in ms. */
  stepMs: number[];
  /** batchSize / median step time over the steps after warm-up; over the last step when none was timed. */
  imagesPerSecond: number;
  /** Steps after warm-up that finished; 0 when the budget ran out during warm-up. */
  timedSteps: number;
  memoryBefore: MemoryInfo;
  memoryAfter: MemoryInfo;
}

export interface BenchClipItRequest extends BenchTrainRequest {
  /** `unimodal`: the baseline (CNN + vision head, cross-entropy). `clipit`: fusion training with the cosine term. */
  mode: 'unimodal' | 'clipit';
  /** Report texts the images are paired with (image i gets report i mod reports.length); needs a loaded CLIP. */
  reports: string[];
  /** Train the CLIP text LoRA adapters at every step (the studio's default), else use frozen report embeddings. */
  textLora: boolean;
  loraRank: number;
  loraAlpha: number;
}

export interface BenchRetrievalRequest {
  images: number;
  texts: number;
  dim: number;
  k: number;
  imageBlockSize: number;
  textBlockSize: number;
  /** Time in ms after which no further image block starts, once one has finished. */
  budgetMs: number;
  seed: number;
}

export interface BenchRetrievalResult {
  backend: BackendName;
  /** Wall time of a first search over one block pair, untimed (shader compilation), in ms. */
  warmupMs: number;
  /** Wall time of each image block searched against all texts, in ms. */
  blockMs: number[];
  imageBlocks: number;
  /** Sum of blockMs when every block ran; else the median block time times imageBlocks (an estimate). */
  totalMs: number;
  complete: boolean;
  memoryBefore: MemoryInfo;
  memoryAfter: MemoryInfo;
}

export interface BenchEpochMemoryRequest extends BenchCnnPreset {
  batchSize: number;
  epochs: number;
  trainImages: number;
  valImages: number;
  seed: number;
}

/** tf.memory() plus the bytes a GPU backend has allocated, including its pool of freed buffers or textures. */
export interface BenchMemorySample extends MemoryInfo {
  numBytesAllocatedInGPU?: number;
}

export interface BenchEpochMemoryResult {
  backend: BackendName;
  before: BenchMemorySample;
  /** Sample after each epoch's validation, while the model and optimizer still exist. */
  afterEpoch: BenchMemorySample[];
  /** Sample after the trainer and model were disposed. */
  after: BenchMemorySample;
  /** Highest tf.memory().numBytes during the run, from tf.profile. */
  peakBytes: number;
  /** Highest numBytesInGPU seen after any step; undefined on CPU backends. */
  peakBytesInGPU?: number;
  epochMs: number[];
}

export interface BenchWorkerApi {
  /** Trains the studio's small CNN with Adam on random pixels and times each step. */
  benchTrainStep(request: BenchTrainRequest): Promise<BenchTrainResult>;
  /** Times steps of the CLIP-IT trainer (baseline or CLIP-IT mode) on random pixels; CLIP-IT mode needs a loaded CLIP. */
  benchClipItStep(request: BenchClipItRequest): Promise<BenchTrainResult>;
  /** Times top-k retrieval over random embeddings, block by block. */
  benchRetrieval(request: BenchRetrievalRequest): Promise<BenchRetrievalResult>;
  /** Trains the small CNN for a few epochs and samples tensor and GPU memory around each. */
  benchEpochMemory(request: BenchEpochMemoryRequest): Promise<BenchEpochMemoryResult>;
}
