/**
 * The memory benchmark: trains the small CNN for a few epochs with a validation split, as a
 * studio run does, and samples tf.memory() around each epoch, so a leak shows as a count that
 * grows from epoch to epoch.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { BenchEpochMemoryRequest, BenchEpochMemoryResult, BenchMemorySample } from '../../bench-protocol';
import { SeededRng } from '../../core/rng';
import { ClassifierTrainer, DEFAULT_TRAIN_CONFIG } from '../../core/train/classifier-trainer';
import { SmallCnn } from '../../core/train/small-cnn';
import type { BackendName } from '../../worker-protocol';
import { BENCH_CLASSES, randomLabels, randomPixelStore, readMemory } from './bench-helpers';

export async function benchEpochMemory(request: BenchEpochMemoryRequest): Promise<BenchEpochMemoryResult> {
  const { inputSize, channels, batchSize, epochs, trainImages, valImages, seed } = request;
  const before = readMemory();
  const rng = new SeededRng(seed);
  const imageCount = trainImages + valImages;
  const store = randomPixelStore(imageCount, inputSize, rng.fork('pixels'));
  const labels = randomLabels(imageCount, rng.fork('labels'));
  const indices = Array.from({ length: imageCount }, (_, index) => index);

  const model = new SmallCnn({ inputSize, channels, numClasses: BENCH_CLASSES, dropout: 0 }, rng.fork('init'));
  const trainer = new ClassifierTrainer(
    { params: model.params, numClasses: BENCH_CLASSES, logits: (images) => model.logits(images) },
    store,
    labels,
    { train: indices.slice(0, trainImages), val: indices.slice(trainImages) },
    { ...DEFAULT_TRAIN_CONFIG, epochs, batchSize, seed },
  );

  const afterEpoch: BenchMemorySample[] = [];
  const epochMs: number[] = [];
  let peakBytesInGPU: number | undefined;
  let epochStarted = performance.now();

  // tf.profile records tf.memory().numBytes after every kernel, so its peak includes the
  // gradients that exist only inside a step. Its default check downloads every kernel output,
  // which would change what is measured, so it is off during the run.
  const checkWasOn = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  let peakBytes = 0;
  try {
    const profile = await tf.profile(() =>
      trainer.run({
        onStep: () => {
          const inGpu = readMemory().numBytesInGPU;
          if (inGpu !== undefined) peakBytesInGPU = Math.max(peakBytesInGPU ?? 0, inGpu);
        },
        onEpoch: () => {
          epochMs.push(performance.now() - epochStarted);
          afterEpoch.push(readMemory());
          epochStarted = performance.now();
        },
      }),
    );
    peakBytes = profile.peakBytes;
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', checkWasOn);
    trainer.dispose();
    model.dispose();
  }

  return { backend: tf.getBackend() as BackendName, before, afterEpoch, after: readMemory(), peakBytes, peakBytesInGPU, epochMs };
}
