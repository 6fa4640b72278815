/** Types of the benchmark method of the training worker (exposed through comlink). Types only. */

import type { BackendName, MemoryInfo } from './worker-protocol';

export interface BenchTrainRequest {
  /** Side of the square input in pixels. */
  inputSize: number;
  /** Output channels of each conv block of the small CNN. */
  channels: number[];
  batchSize: number;
  /** Optimizer steps to run, the first `warmupSteps` of them untimed. */
  steps: number;
  warmupSteps: number;
  seed: number;
}

export interface BenchTrainResult {
  backend: BackendName;
  /** Wall time of step 1, which includes shader compilation and first uploads, in ms. */
  firstStepMs: number;
  /** Wall time of every step in order, in ms. */
  stepMs: number[];
  /** batchSize / median step time over the steps after warm-up. */
  imagesPerSecond: number;
  memoryBefore: MemoryInfo;
  memoryAfter: MemoryInfo;
}

export interface BenchWorkerApi {
  /** Trains the studio's small CNN with Adam on random pixels and times each step. */
  benchTrainStep(request: BenchTrainRequest): Promise<BenchTrainResult>;
}
