/**
 * Benchmark method of the training worker: the same SmallCnn, ClassifierTrainer and Adam as a
 * studio run, on random pixels, so `npm run bench` measures the code path the studio trains with.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { BenchTrainRequest, BenchTrainResult, BenchWorkerApi } from '../bench-protocol';
import { PixelStore } from '../core/data/pixel-store';
import { SeededRng } from '../core/rng';
import { ClassifierTrainer, DEFAULT_TRAIN_CONFIG } from '../core/train/classifier-trainer';
import { SmallCnn } from '../core/train/small-cnn';
import type { BackendName, MemoryInfo } from '../worker-protocol';

const NUM_CLASSES = 3;

export const benchApi: BenchWorkerApi = {
  async benchTrainStep(request: BenchTrainRequest): Promise<BenchTrainResult> {
    const { inputSize, channels, batchSize, steps, warmupSteps, seed } = request;
    if (!Number.isInteger(steps) || !Number.isInteger(warmupSteps) || warmupSteps < 1 || steps <= warmupSteps) {
      throw new Error(`benchTrainStep: need integer steps > warmupSteps >= 1, got steps ${steps} and warmupSteps ${warmupSteps}.`);
    }

    const memoryBefore = readMemory();
    const rng = new SeededRng(seed);
    const imageCount = batchSize * steps;
    const store = randomPixelStore(imageCount, inputSize, rng.fork('pixels'));
    const labelRng = rng.fork('labels');
    const labels = Int32Array.from({ length: imageCount }, () => labelRng.nextInt(NUM_CLASSES));

    const model = new SmallCnn({ inputSize, channels, numClasses: NUM_CLASSES, dropout: 0 }, rng.fork('init'));
    const trainer = new ClassifierTrainer(
      { params: model.params, numClasses: NUM_CLASSES, logits: (images) => model.logits(images) },
      store,
      labels,
      { train: Array.from({ length: imageCount }, (_, index) => index), val: [] },
      { ...DEFAULT_TRAIN_CONFIG, epochs: 1, batchSize, seed },
    );

    // The trainer reports images/s from its own timer around each step, so step time = batch / rate.
    // That time includes the loss read-back that ends each step.
    const stepMs: number[] = [];
    try {
      await trainer.run({ onStep: (progress) => stepMs.push((1000 * batchSize) / progress.imagesPerSecond) });
    } finally {
      trainer.dispose();
      model.dispose();
    }

    const timed = stepMs.slice(warmupSteps);
    return {
      backend: tf.getBackend() as BackendName,
      firstStepMs: stepMs[0],
      stepMs,
      imagesPerSecond: (1000 * batchSize) / median(timed),
      memoryBefore,
      memoryAfter: readMemory(),
    };
  },
};

function randomPixelStore(count: number, size: number, rng: SeededRng): PixelStore {
  const store = new PixelStore(count, size);
  const rgb = new Uint8Array(size * size * 3);
  for (let index = 0; index < count; index++) {
    for (let i = 0; i < rgb.length; i++) rgb[i] = rng.nextInt(256);
    store.set(index, rgb);
  }
  return store;
}

function readMemory(): MemoryInfo {
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return { numTensors: memory.numTensors, numBytes: memory.numBytes, numBytesInGPU: memory.numBytesInGPU };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
