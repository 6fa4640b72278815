/**
 * Measures how fast the active tfjs backend trains the default SmallCnn, so
 * the studio can pick its backend by measurement instead of by a fixed order.
 * No DOM: it runs in the training worker and in Node tests.
 */
import * as tf from '@tensorflow/tfjs-core';

import { PixelStore } from '../core/data/pixel-store';
import { SeededRng } from '../core/rng';
import { ClassifierTrainer } from '../core/train/classifier-trainer';
import { DEFAULT_SMALL_CNN, SmallCnn } from '../core/train/small-cnn';
import type { BackendBenchmark, BackendName, BackendSpeed } from '../worker-protocol';

export interface SpeedMeasurementOptions {
  /** Side of the square input in pixels. */
  inputSize: number;
  batchSize: number;
  /** Output channels of the conv blocks. */
  channels: number[];
  /** Steps timed after the warm-up step. */
  timedSteps: number;
  /**
   * Time after which no further step starts, in ms, once one step has been
   * timed. A step that has started always finishes, so a backend overruns it
   * by up to one step.
   */
  budgetMs: number;
  /**
   * A warm-up step longer than this (ms) ends the measurement with no timed
   * step, and the warm-up speed is reported as a lower bound.
   */
  warmupLimitMs: number;
  /** A timed step slower than this (ms) ends the measurement: one such step is enough to rank it. */
  slowStepMs: number;
  seed: number;
}

/** Per-call controls of `measureTrainingSpeed`. */
export interface SpeedMeasurementControl {
  /** After one timed step slower than this (images/s), stop: the backend already ranks below another. */
  stopBelowImagesPerSecond?: number;
  /** Aborting stops the measurement after the step in progress. */
  signal?: AbortSignal;
}

/** The studio's default model and batch: 64 px, channels 16-32-64, batch 16. */
export const DEFAULT_SPEED_MEASUREMENT: SpeedMeasurementOptions = {
  inputSize: DEFAULT_SMALL_CNN.inputSize,
  batchSize: 16,
  channels: [...DEFAULT_SMALL_CNN.channels],
  timedSteps: 3,
  budgetMs: 8000,
  warmupLimitMs: 30_000,
  slowStepMs: 2000,
  seed: 1,
};

const NUM_CLASSES = 3;

/**
 * Trains a fresh SmallCnn on seeded random pixels with the studio's trainer
 * (Adam, gradient clipping, batch upload) on the active backend: one warm-up
 * step, which includes shader or kernel compilation, then up to `timedSteps`
 * timed steps. Leaves no tensor behind.
 */
export async function measureTrainingSpeed(
  options: SpeedMeasurementOptions = DEFAULT_SPEED_MEASUREMENT,
  control: SpeedMeasurementControl = {},
): Promise<Omit<BackendSpeed, 'backend'>> {
  const { inputSize, batchSize, channels, timedSteps, budgetMs, warmupLimitMs, slowStepMs, seed } = options;
  const count = batchSize * (1 + timedSteps);
  const rng = new SeededRng(seed);

  const store = new PixelStore(count, inputSize);
  for (let i = 0; i < count; i++) {
    const rgb = new Uint8Array(store.pixelsPerImage);
    for (let j = 0; j < rgb.length; j++) rgb[j] = Math.floor(rng.nextFloat() * 256);
    store.set(i, rgb);
  }
  const labels = Int32Array.from({ length: count }, (_, i) => i % NUM_CLASSES);

  const model = new SmallCnn({ inputSize, channels, numClasses: NUM_CLASSES, dropout: 0 }, rng.fork('init'));
  const trainer = new ClassifierTrainer(
    { params: model.params, numClasses: NUM_CLASSES, logits: (images) => model.logits(images) },
    store,
    labels,
    { train: Array.from({ length: count }, (_, i) => i), val: [] },
    { epochs: 1, batchSize, learningRate: 1e-3, weightDecay: 1e-4, clipNorm: 0.5, schedule: 'constant', seed },
  );

  const stepDurations: number[] = [];
  const started = performance.now();
  try {
    await trainer.run({
      onStep: (progress) => {
        stepDurations.push((batchSize / progress.imagesPerSecond) * 1000);

        const timed = stepDurations.length - 1;
        const lastMs = stepDurations[stepDurations.length - 1];
        const outOfTime = timed >= 1 ? performance.now() - started > budgetMs : lastMs > warmupLimitMs;
        const slowStep = timed >= 1 && lastMs > slowStepMs;
        const outranked = timed >= 1 && (batchSize * 1000) / lastMs < (control.stopBelowImagesPerSecond ?? 0);
        if (outOfTime || slowStep || outranked || control.signal?.aborted) trainer.control.stop();
      },
    });
  } finally {
    trainer.dispose();
    model.dispose();
  }

  return summarise(stepDurations, batchSize);
}

/** Images/s over the timed steps, or over the warm-up step when it was the only one. */
function summarise(stepDurations: number[], batchSize: number): Omit<BackendSpeed, 'backend'> {
  const [warmupMs, ...stepMs] = stepDurations;
  const warmupOnly = stepMs.length === 0;
  const timedMs = warmupOnly ? [warmupMs] : stepMs;
  const totalMs = timedMs.reduce((a, b) => a + b, 0);

  return {
    imagesPerSecond: (batchSize * timedMs.length * 1000) / totalMs,
    warmupMs,
    stepMs,
    warmupOnly,
  };
}

/** Sorts fastest first; failed backends go last in their original order. */
export function rankSpeeds(results: readonly BackendSpeed[]): BackendSpeed[] {
  return results
    .map((result, index) => ({ result, index }))
    .sort((a, b) => {
      const speedA = a.result.imagesPerSecond ?? -1;
      const speedB = b.result.imagesPerSecond ?? -1;
      return speedB - speedA || a.index - b.index;
    })
    .map(({ result }) => result);
}

/**
 * Order for `auto` from a measurement: measured backends fastest first, then
 * any backend of `fallbackOrder` the measurement does not rank (failed or not
 * measured), so a backend that failed to measure is still tried last.
 */
export function orderFromBenchmark(benchmark: BackendBenchmark, fallbackOrder: readonly BackendName[]): BackendName[] {
  const measured = rankSpeeds(benchmark.results)
    .filter((result) => result.imagesPerSecond !== null)
    .map((result) => result.backend);
  return [...measured, ...fallbackOrder.filter((backend) => !measured.includes(backend))];
}

/**
 * Measures each backend in turn, with `activate` switching to it first (it
 * returns an error message or null), and ranks the results. A backend whose
 * first timed step runs at less than half the best speed so far stops there.
 * After `signal` aborts, the remaining backends are left out and the result
 * is marked incomplete.
 */
export async function benchmarkBackends(
  backends: readonly BackendName[],
  activate: (backend: BackendName) => Promise<string | null>,
  options: SpeedMeasurementOptions = DEFAULT_SPEED_MEASUREMENT,
  signal?: AbortSignal,
): Promise<BackendBenchmark> {
  const results: BackendSpeed[] = [];

  for (const backend of backends) {
    if (signal?.aborted) break;

    const activationError = await activate(backend);
    if (activationError !== null) {
      results.push({ backend, imagesPerSecond: null, warmupMs: null, stepMs: [], warmupOnly: false, error: activationError });
      continue;
    }

    try {
      const best = Math.max(0, ...results.map((result) => result.imagesPerSecond ?? 0));
      results.push({ backend, ...(await measureTrainingSpeed(options, { stopBelowImagesPerSecond: best / 2, signal })) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`[backend benchmark] training step on ${backend} failed:`, error);
      results.push({ backend, imagesPerSecond: null, warmupMs: null, stepMs: [], warmupOnly: false, error: message });
    }

    console.info(`[backend benchmark] ${backend}: ${describeSpeed(results[results.length - 1])}; ${tf.memory().numTensors} tensors alive`);
  }

  return {
    inputSize: options.inputSize,
    batchSize: options.batchSize,
    channels: [...options.channels],
    results: rankSpeeds(results),
    complete: !signal?.aborted,
    measuredAt: new Date().toISOString(),
  };
}

function describeSpeed(speed: BackendSpeed): string {
  if (speed.imagesPerSecond === null) return `failed (${speed.error})`;
  const steps = speed.stepMs.map((ms) => ms.toFixed(0)).join(', ');
  return `${speed.imagesPerSecond.toFixed(1)} images/s (warm-up ${speed.warmupMs?.toFixed(0)} ms, steps ${steps || 'none'} ms)`;
}
