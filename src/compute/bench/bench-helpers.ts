/** Shared pieces of the worker's benchmark methods: random inputs, memory samples and step timing. */
import * as tf from '@tensorflow/tfjs-core';

import type { BenchMemorySample, BenchTrainRequest, BenchTrainResult } from '../../bench-protocol';
import { PixelStore } from '../../core/data/pixel-store';
import type { SeededRng } from '../../core/rng';
import type { BackendName } from '../../worker-protocol';

/** Class count of the random labels: the three LC25000 lung classes. */
export const BENCH_CLASSES = 3;

export function randomPixelStore(count: number, size: number, rng: SeededRng): PixelStore {
  const store = new PixelStore(count, size);
  const rgb = new Uint8Array(size * size * 3);
  for (let index = 0; index < count; index++) {
    for (let i = 0; i < rgb.length; i++) rgb[i] = rng.nextInt(256);
    store.set(index, rgb);
  }
  return store;
}

export function randomLabels(count: number, rng: SeededRng): Int32Array {
  return Int32Array.from({ length: count }, () => rng.nextInt(BENCH_CLASSES));
}

/**
 * tf.memory() with the GPU fields of webgpu (`numBytesAllocatedInGPU`) and webgl
 * (`numBytesInGPUAllocated`) under one name. Both count the backend's pool of freed buffers
 * or textures, which tfjs keeps for reuse, so they bound the peak GPU use of the run from above.
 */
export function readMemory(): BenchMemorySample {
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number; numBytesInGPUAllocated?: number };
  return {
    numTensors: memory.numTensors,
    numBytes: memory.numBytes,
    numBytesInGPU: memory.numBytesInGPU,
    numBytesAllocatedInGPU: memory.numBytesAllocatedInGPU ?? memory.numBytesInGPUAllocated,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Checks the step counts of a timed training request. */
export function validateStepRequest(method: string, request: BenchTrainRequest): void {
  const { steps, warmupSteps } = request;
  if (!Number.isInteger(steps) || !Number.isInteger(warmupSteps) || warmupSteps < 1 || steps <= warmupSteps) {
    throw new Error(`${method}: need integer steps > warmupSteps >= 1, got steps ${steps} and warmupSteps ${warmupSteps}.`);
  }
}

/**
 * Records step times reported by a trainer's onStep and decides when to stop: after `steps`, or
 * once the budget has run out and at least one step after warm-up has finished.
 */
export class StepClock {
  readonly stepMs: number[] = [];
  private readonly started = performance.now();

  constructor(private readonly request: BenchTrainRequest) {}

  /** Records one step from the trainer's images/s and returns true when the run should stop. */
  record(imagesPerSecond: number, batchSize: number): boolean {
    this.stepMs.push((1000 * batchSize) / imagesPerSecond);
    const timed = this.stepMs.length - this.request.warmupSteps;
    if (this.stepMs.length >= this.request.steps) return true;
    const budget = this.request.budgetMs;
    return budget !== undefined && timed >= 1 && performance.now() - this.started > budget;
  }

  result(memoryBefore: BenchMemorySample, memoryAfter: BenchMemorySample): BenchTrainResult {
    const timed = this.stepMs.slice(this.request.warmupSteps);
    const rateSteps = timed.length > 0 ? timed : this.stepMs.slice(-1);
    return {
      backend: tf.getBackend() as BackendName,
      firstStepMs: this.stepMs[0],
      stepMs: this.stepMs,
      imagesPerSecond: (1000 * this.request.batchSize) / median(rateSteps),
      timedSteps: timed.length,
      memoryBefore,
      memoryAfter,
    };
  }
}
