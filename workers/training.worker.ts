/**
 * The training worker: the one place in the studio that owns tfjs. The UI
 * talks to it through comlink; progress flows back through proxied callbacks.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';

import { benchApi } from '../src/compute/bench-api';
import { clipApi } from '../src/compute/clip-api';
import { contrastiveApi } from '../src/compute/contrastive-api';
import { comparisonControl, createClipItApi } from '../src/compute/clipit-api';
import { createSaliencyApi } from '../src/compute/saliency-api';
import { createAugmentApi, trainingPixels } from '../src/compute/augment-api';
import { WEIGHTS_NOT_SAVED_WARNING } from '../src/saliency-protocol';
import { projectScopeApi } from '../src/compute/project-scope-api';
import { visionModelApi } from '../src/compute/vision-model-api';
import { backendSelectionBusy, backendSelectionSettled, measureAndSelectBackend, selectBackend } from '../src/compute/backend-select';
import { decodeForModel } from '../src/compute/decode-for-model';
import { faultTestHooks, testHooksEnabled } from '../src/compute/fault-test-hooks';
import { trainWithGpuFaultRecovery } from '../src/compute/gpu-fault-recovery';
import { gpuFaultWatch } from '../src/compute/gpu-fault-watch';
import { PixelStore } from '../src/core/data/pixel-store';
import { classificationMetrics } from '../src/core/eval/classification-metrics';
import { SeededRng } from '../src/core/rng';
import { ClassifierTrainer, argmax } from '../src/core/train/classifier-trainer';
import { SmallCnn } from '../src/core/train/small-cnn';
import { deleteCheckpoint, loadCheckpoint, saveCheckpoint } from '../src/storage/checkpoint-storage';
import { saveRunWeights } from '../src/storage/run-weights';
import type {
  BackendBenchmark,
  BackendInfo,
  BackendName,
  BackendPreference,
  DecodeProgress,
  ImageInput,
  ImportedProblem,
  MemoryInfo,
  TestPrediction,
  TrainCallbacks,
  TrainingWorkerApi,
  TrainOptions,
  TrainRequest,
  TrainResult,
} from '../src/worker-protocol';

/** Images decoded at once by `loadImages`. */
const DECODE_CONCURRENCY = 4;

let backendInfo: BackendInfo | null = null;
let pixels: PixelStore | null = null;
let pixelsKey = '';
let activeTrainer: ClassifierTrainer | null = null;

const api: TrainingWorkerApi = {
  ...clipApi,
  ...contrastiveApi,
  ...createClipItApi(() => pixels),
  ...createSaliencyApi(() => pixels),
  ...createAugmentApi(() => pixels),
  ...benchApi,
  // Fault injection for e2e tests; absent unless the page was opened with ?testHooks=1.
  ...(testHooksEnabled() ? faultTestHooks : {}),
  ...projectScopeApi,
  ...visionModelApi,
  async initBackend(preference: BackendPreference, measured?: BackendBenchmark): Promise<BackendInfo> {
    if (activeTrainer) throw new Error('The backend cannot change while a run is training; stop the run first.');
    backendInfo = await selectBackend(preference, measured ?? null);
    return backendInfo;
  },

  async measureBackends(preference: BackendPreference): Promise<BackendInfo> {
    if (activeTrainer) throw new Error('Backends cannot be measured while a run is training; stop the run first.');
    backendInfo = await measureAndSelectBackend(preference);
    return backendInfo;
  },

  async loadImages(images: ImageInput[], inputSize: number, onProgress?: (p: DecodeProgress) => void) {
    const key = `${inputSize}|${images.length}|${images.map((i) => `${i.path}:${i.file.size}`).join('|')}`;
    if (pixels && key === pixelsKey) return { decoded: images.length, failed: [] };

    const store = new PixelStore(images.length, inputSize);
    const failed: ImportedProblem[] = [];
    const started = performance.now();
    let lastReport = 0;

    // Several files in flight: the browser decodes and resizes them on its own threads.
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < images.length) {
        const i = next++;
        const result = await decodeForModel(images[i].file, images[i].path, inputSize);
        if (result.ok) store.set(i, result.rgb);
        else failed.push({ path: images[i].path, reason: result.reason, detail: result.detail });
        done += 1;

        // Report at most every 100 ms so progress messages never flood the UI thread.
        const now = performance.now();
        if (onProgress && (now - lastReport > 100 || done === images.length)) {
          lastReport = now;
          onProgress({ done, total: images.length });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, images.length) }, lane));
    failed.sort((a, b) => a.path.localeCompare(b.path));

    pixels = store;
    pixelsKey = failed.length === 0 ? key : '';
    console.info(`[training worker] decoded ${images.length - failed.length}/${images.length} images at ${inputSize}px in ${Math.round(performance.now() - started)} ms`);
    return { decoded: images.length - failed.length, failed };
  },

  async train(request: TrainRequest, callbacks: TrainCallbacks, options: TrainOptions = {}): Promise<TrainResult> {
    if (!pixels) throw new Error('No images are decoded: load a dataset before training.');
    if (pixels.size !== request.model.inputSize) {
      throw new Error(`Images were decoded at ${pixels.size}px but the model expects ${request.model.inputSize}px; load them again.`);
    }
    if (activeTrainer) throw new Error('A run is already training; stop it before starting another.');
    // A measurement switches backends between its steps, so training waits for it to finish.
    if (backendSelectionBusy()) callbacks.onStatus('Waiting for the backend measurement to finish before training starts');
    await backendSelectionSettled();
    if (!backendInfo) backendInfo = await selectBackend('auto');

    const store = trainingPixels(pixels, request.stainNormalization, (message) => callbacks.onStatus(message));
    return trainWithGpuFaultRecovery(request, callbacks, options, (guarded, attemptOptions) => runTraining(request, store, guarded, attemptOptions));
  },

  pause() {
    activeTrainer?.control.pause();
    comparisonControl.pause();
  },

  resume() {
    activeTrainer?.control.resume();
    comparisonControl.resume();
  },

  stop() {
    activeTrainer?.control.stop();
    comparisonControl.stop();
  },

  memory(): MemoryInfo {
    const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    return { numTensors: memory.numTensors, numBytes: memory.numBytes, numBytesInGPU: memory.numBytesInGPU };
  },
};

async function runTraining(request: TrainRequest, store: PixelStore, callbacks: TrainCallbacks, options: TrainOptions): Promise<TrainResult> {
  const numClasses = request.classNames.length;
  const resumeFrom = options.resume ? await loadCheckpoint(request.runId) : null;
  if (options.resume && !resumeFrom) throw new Error(`Run ${request.runId} has no saved checkpoint to resume from; start it again instead.`);
  const labels = Int32Array.from(request.labels);
  const rng = new SeededRng(request.seed);
  const model = new SmallCnn(
    { inputSize: request.model.inputSize, channels: request.model.channels, numClasses, dropout: request.model.dropout },
    rng.fork('init'),
  );

  const trainer = new ClassifierTrainer(
    {
      params: model.params,
      numClasses,
      logits: (images, training, dropoutRng) =>
        model.logits(images, training ? model.dropoutMask(images.shape[0], dropoutRng) : undefined),
    },
    store,
    labels,
    { train: request.split.train, val: request.split.val },
    {
      epochs: request.epochs,
      batchSize: request.batchSize,
      learningRate: request.learningRate,
      weightDecay: request.weightDecay,
      clipNorm: request.clipNorm,
      schedule: request.schedule,
      seed: request.seed,
      checkpointEvery: request.checkpointEvery,
      augment: request.augment ?? null,
      classBalance: request.classBalance ?? 'none',
    },
    resumeFrom,
  );
  activeTrainer = trainer;

  const backend = tf.getBackend() as BackendName;
  const throughput: number[] = [];
  callbacks.onStatus(resumeFrom ? `Training on ${backend}, resumed after step ${resumeFrom.step}` : `Training on ${backend}`);
  let checkpointWarned = false;

  try {
    const { stopped, bestValLoss } = await trainer.run({
      onStep: (progress) => {
        // The first steps compile shaders, so they are left out of the mean throughput.
        if (progress.step > 2) throughput.push(progress.imagesPerSecond);
        callbacks.onStep({ runId: request.runId, ...progress });
      },
      onEpoch: (progress) => {
        const valLabels = request.split.val.map((i) => labels[i]);
        const predicted = request.split.val.map((_, row) => argmax(progress.valProbabilities, row * numClasses, numClasses));
        const valMetrics = valLabels.length > 0 ? classificationMetrics(valLabels, predicted, numClasses) : null;
        callbacks.onEpoch({
          runId: request.runId,
          epoch: progress.epoch,
          trainLoss: progress.trainLoss,
          valLoss: progress.valLoss,
          valAccuracy: progress.valAccuracy,
          valBalancedAccuracy: valMetrics?.balancedAccuracy ?? NaN,
          isBest: progress.isBest,
          numTensors: tf.memory().numTensors,
          memory: api.memory(),
        });
      },
      onCheckpoint: async (checkpoint) => {
        // Weights read from a lost device can be zeros, so they must not replace the last good checkpoint.
        await gpuFaultWatch.settleAndThrowIfFault();
        try {
          await saveCheckpoint(request.runId, checkpoint);
        } catch (error) {
          // Training goes on without this checkpoint; the previous one stays valid.
          const message = error instanceof Error ? error.message : String(error);
          console.warn(`[training worker] run ${request.runId}: checkpoint at step ${checkpoint.step} not saved:`, error);
          if (!checkpointWarned) callbacks.onWarning(`Checkpoint at step ${checkpoint.step} not saved: ${message}`);
          checkpointWarned = true;
        }
      },
    });

    // A finished run needs no resume point; a stopped one keeps it.
    if (!stopped) await deleteCheckpoint(request.runId).catch(() => undefined);

    callbacks.onStatus('Evaluating on the test split');
    const { metrics, predictions } = await evaluateTest(trainer, request, labels, numClasses);
    await keepRunWeights(request, model, callbacks);

    return {
      runId: request.runId,
      resumedFromStep: resumeFrom?.step,
      status: stopped ? 'stopped' : 'completed',
      bestValLoss,
      test: metrics,
      predictions,
      meanImagesPerSecond: mean(throughput),
      backend,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`[training worker] run ${request.runId} failed:`, error);
    return { runId: request.runId, status: 'failed', message, bestValLoss: NaN, test: null, predictions: [], meanImagesPerSecond: mean(throughput), backend };
  } finally {
    trainer.dispose();
    model.dispose();
    activeTrainer = null;
  }
}

async function evaluateTest(trainer: ClassifierTrainer, request: TrainRequest, labels: Int32Array, numClasses: number) {
  const testIndices = request.split.test;
  if (testIndices.length === 0) return { metrics: null, predictions: [] as TestPrediction[] };

  const { probabilities } = await trainer.evaluate(testIndices);
  const predictions: TestPrediction[] = testIndices.map((index, row) => {
    const probs = Array.from(probabilities.subarray(row * numClasses, (row + 1) * numClasses));
    return { index, label: labels[index], predicted: argmax(probs, 0, numClasses), probabilities: probs };
  });

  const metrics = classificationMetrics(
    predictions.map((p) => p.label),
    predictions.map((p) => p.predicted),
    numClasses,
  );
  return { metrics, predictions };
}

/** Stores the run's best weights for saliency maps after a reload; a full disk costs a warning, not the run. */
async function keepRunWeights(request: TrainRequest, model: SmallCnn, callbacks: TrainCallbacks): Promise<void> {
  try {
    const { inputSize, channels } = request.model;
    await saveRunWeights(request.runId, { model: { kind: 'small-cnn', inputSize, channels, numClasses: request.classNames.length }, tensors: await model.exportWeights() });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.warn(`[training worker] run ${request.runId}: weights not saved:`, error);
    callbacks.onWarning(`${WEIGHTS_NOT_SAVED_WARNING}, so saliency maps are unavailable for this run: ${message}`);
  }
}

function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

Comlink.expose(api);
