import * as Comlink from 'comlink';
import { create } from 'zustand';

import type { DecodeProgress, EpochEvent, StepEvent, TrainRequest, TrainResult } from '../worker-protocol';
import { checkpointInfo } from '../storage/checkpoint-storage';
import { loadRuns, saveRun } from '../storage/run-storage';
import { useAugmentStore } from './augment-store';
import { datasetFingerprint } from './dataset-fingerprint';
import { annotateResult } from './prediction-tiles';
import { useDatasetStore } from './dataset-store';
import { getTrainingWorker } from './workers';

/** Training settings the user edits; the rest of a request comes from the dataset. */
export interface TrainSettings {
  inputSize: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  clipNorm: number;
  dropout: number;
  schedule: 'constant' | 'cosine';
  seed: number;
  checkpointEvery: number;
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  inputSize: 64,
  epochs: 5,
  batchSize: 32,
  learningRate: 1e-3,
  weightDecay: 1e-4,
  clipNorm: 0.5,
  dropout: 0,
  schedule: 'constant',
  seed: 0,
  checkpointEvery: 20,
};

export type RunPhase = 'decoding' | 'training' | 'paused' | 'evaluating' | 'completed' | 'stopped' | 'failed' | 'interrupted';

const ACTIVE_PHASES: readonly RunPhase[] = ['decoding', 'training', 'paused', 'evaluating'];

export interface Run {
  id: string;
  name: string;
  createdAt: number;
  request: TrainRequest;
  phase: RunPhase;
  statusMessage: string;
  decodeProgress: { done: number; total: number } | null;
  steps: StepEvent[];
  epochs: EpochEvent[];
  result: TrainResult | null;
  /** Non-fatal problems during the run, such as a checkpoint that could not be saved. */
  warnings: string[];
  /** Last saved checkpoint step of an interrupted run. */
  checkpointStep?: number;
}

interface RunsState {
  settings: TrainSettings;
  runs: Run[];
  activeRunId: string | null;
  selectedRunId: string | null;
  error: string | null;

  setSettings(patch: Partial<TrainSettings>): void;
  startRun(): Promise<void>;
  resumeRun(id: string): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): void;
  selectRun(id: string): void;
  loadSaved(): Promise<void>;
}

export const useRunsStore = create<RunsState>((set, get) => ({
  settings: DEFAULT_TRAIN_SETTINGS,
  runs: [],
  activeRunId: null,
  selectedRunId: null,
  error: null,

  setSettings(patch) {
    set({ settings: { ...get().settings, ...patch } });
  },

  async startRun() {
    if (get().activeRunId) return;
    const dataset = useDatasetStore.getState();
    const problem = checkReadyToTrain(dataset.images.length, dataset.classNames, dataset.split?.counts.train);
    if (problem) {
      set({ error: problem });
      return;
    }

    const settings = get().settings;
    const request = buildRequest(settings, dataset);
    try {
      // Augmentation, class balance and the stain fit are recorded in the request, so the saved run keeps them.
      Object.assign(request, await useAugmentStore.getState().resolveTrainingOptions(settings.inputSize));
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
      return;
    }
    const run: Run = {
      id: request.runId,
      name: `Run ${get().runs.length + 1} · CNN ${settings.inputSize}px · seed ${settings.seed}`,
      createdAt: Date.now(),
      request,
      phase: 'decoding',
      statusMessage: 'Decoding images',
      decodeProgress: { done: 0, total: dataset.images.length },
      steps: [],
      epochs: [],
      result: null,
      warnings: [],
    };
    set({ runs: [...get().runs, run], activeRunId: run.id, selectedRunId: run.id, error: null });
    await executeRun(run.id, false);
  },

  async resumeRun(id) {
    if (get().activeRunId) return;
    const run = get().runs.find((r) => r.id === id);
    if (!run) return;

    const dataset = useDatasetStore.getState();
    if (dataset.images.length === 0 || datasetFingerprint(dataset.images) !== run.request.datasetFingerprint) {
      set({
        error: `To resume "${run.name}", import the same image folder it was trained on (${run.request.labels.length} images); the loaded images differ.`,
      });
      return;
    }

    updateRun(id, { phase: 'decoding', statusMessage: 'Decoding images', decodeProgress: { done: 0, total: dataset.images.length } });
    set({ activeRunId: id, selectedRunId: id, error: null });
    await executeRun(id, true);
  },

  pause() {
    const id = get().activeRunId;
    if (!id) return;
    void getTrainingWorker().pause();
    updateRun(id, { phase: 'paused', statusMessage: 'Paused' });
  },

  resume() {
    const id = get().activeRunId;
    if (!id) return;
    void getTrainingWorker().resume();
    updateRun(id, { phase: 'training', statusMessage: 'Training' });
  },

  stop() {
    const id = get().activeRunId;
    if (!id) return;
    void getTrainingWorker().stop();
    updateRun(id, { statusMessage: 'Stopping after this step' });
  },

  selectRun(id) {
    set({ selectedRunId: id });
  },

  async loadSaved() {
    try {
      const { runs, skipped } = await loadRuns();
      const restored = await Promise.all(runs.map(restoreInterruptedRun));
      const known = new Set(get().runs.map((r) => r.id));
      const interrupted = restored.filter((r) => r.phase === 'interrupted');
      set({
        runs: [...restored.filter((r) => !known.has(r.id)), ...get().runs],
        // Offer the newest interrupted run for resuming right away.
        selectedRunId: get().selectedRunId ?? interrupted[interrupted.length - 1]?.id ?? null,
        error: skipped > 0 ? `${skipped} saved run(s) were damaged and skipped.` : get().error,
      });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
    }
  },
}));

/** Decodes the images in the worker, trains (fresh or from the run's checkpoint) and records the result. */
async function executeRun(id: string, resume: boolean): Promise<void> {
  const run = useRunsStore.getState().runs.find((r) => r.id === id)!;
  const dataset = useDatasetStore.getState();
  const worker = getTrainingWorker();

  try {
    await persistRun(id);
    const loaded = await worker.loadImages(
      dataset.images.map((image) => ({ path: image.path, file: image.file })),
      run.request.model.inputSize,
      Comlink.proxy((progress: DecodeProgress) => updateRun(id, { decodeProgress: progress })),
    );
    if (loaded.failed.length > 0) {
      throw new Error(`${loaded.failed.length} image(s) could not be decoded for training, first: ${loaded.failed[0].path} (${loaded.failed[0].detail}).`);
    }

    updateRun(id, { phase: 'training', statusMessage: 'Training', decodeProgress: null });
    const checkpointEvery = run.request.checkpointEvery;
    const result = await worker.train(
      run.request,
      Comlink.proxy({
        onStep: (event: StepEvent) => {
          appendStep(id, event);
          if (checkpointEvery > 0 && event.step % checkpointEvery === 0) void persistRun(id);
        },
        onEpoch: (event: EpochEvent) => {
          appendEpoch(id, event);
          void persistRun(id);
        },
        onStatus: (message: string) => {
          const phase = message.startsWith('Evaluating') ? 'evaluating' : undefined;
          updateRun(id, phase ? { statusMessage: message, phase } : { statusMessage: message });
        },
        onWarning: (message: string) => {
          const current = useRunsStore.getState().runs.find((r) => r.id === id);
          updateRun(id, { warnings: [...(current?.warnings ?? []), message] });
        },
      }),
      { resume },
    );

    updateRun(id, {
      phase: result.status,
      statusMessage: result.message ?? (result.status === 'completed' ? 'Completed' : 'Stopped'),
      result: annotateResult(result, dataset.images, dataset.groups),
      checkpointStep: undefined,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    updateRun(id, { phase: 'failed', statusMessage: message });
  } finally {
    useRunsStore.setState({ activeRunId: null });
    await persistRun(id);
  }
}

/**
 * Restores a run saved while it was training, which a reload or crash cut short. With
 * a checkpoint it can resume: its curves are cut back to the checkpoint, so
 * the resumed steps continue them without overlap.
 */
async function restoreInterruptedRun(run: Run): Promise<Run> {
  const normalised: Run = { ...run, warnings: run.warnings ?? [] };
  if (!ACTIVE_PHASES.includes(run.phase) && run.phase !== 'interrupted') return normalised;

  const checkpoint = await checkpointInfo(run.id).catch(() => null);
  if (!checkpoint) {
    return { ...normalised, phase: 'stopped', statusMessage: 'Interrupted before its first checkpoint; start it again.' };
  }

  return {
    ...normalised,
    phase: 'interrupted',
    statusMessage: `Interrupted; can resume after step ${checkpoint.step}. Import the same images, then press Resume.`,
    steps: run.steps.filter((s) => s.step <= checkpoint.step),
    epochs: run.epochs.filter((e) => e.epoch < checkpoint.epoch),
    decodeProgress: null,
    checkpointStep: checkpoint.step,
  };
}

function updateRun(id: string, patch: Partial<Run>): void {
  useRunsStore.setState((state) => ({
    runs: state.runs.map((run) => (run.id === id ? { ...run, ...patch } : run)),
  }));
}

/**
 * Appends a step. A step number already on the curve means the worker went
 * back to a checkpoint (after a GPU device loss), so the later points are
 * dropped and the curve continues from the checkpoint without overlap.
 */
function appendStep(id: string, event: StepEvent): void {
  useRunsStore.setState((state) => ({
    runs: state.runs.map((run) => (run.id === id ? { ...run, steps: [...run.steps.filter((s) => s.step < event.step), event] } : run)),
  }));
}

/** Appends an epoch, dropping a repeated epoch and those after it for the same reason as `appendStep`. */
function appendEpoch(id: string, event: EpochEvent): void {
  useRunsStore.setState((state) => ({
    runs: state.runs.map((run) => (run.id === id ? { ...run, epochs: [...run.epochs.filter((e) => e.epoch < event.epoch), event] } : run)),
  }));
}

async function persistRun(id: string): Promise<void> {
  const run = useRunsStore.getState().runs.find((r) => r.id === id);
  if (!run) return;
  try {
    await saveRun(run);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.warn(`[runs] saving run ${id} failed:`, error);
    useRunsStore.setState({ error: message });
  }
}

/** Returns why training cannot start, or null when it can. */
export function checkReadyToTrain(imageCount: number, classNames: string[], trainCounts: number[] | undefined): string | null {
  if (imageCount === 0) return 'Import an image folder first (one subfolder per class).';
  if (classNames.length < 2) return `Training needs at least 2 classes; the dataset has ${classNames.length}.`;
  if (!trainCounts) return 'The split is not ready: check the split ratios.';
  const empty = classNames.filter((_, label) => (trainCounts[label] ?? 0) === 0);
  if (empty.length > 0) {
    return `The training split has no images of class ${empty.join(', ')}. Add images, merge or exclude the class, or change the split.`;
  }
  return null;
}

function buildRequest(settings: TrainSettings, dataset: ReturnType<typeof useDatasetStore.getState>): TrainRequest {
  const split = dataset.split!;
  return {
    runId: `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
    classNames: dataset.classNames,
    labels: dataset.images.map((image) => image.label),
    split: split.indices,
    model: { kind: 'small-cnn', inputSize: settings.inputSize, channels: [16, 32, 64], dropout: settings.dropout },
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    weightDecay: settings.weightDecay,
    clipNorm: settings.clipNorm,
    schedule: settings.schedule,
    seed: settings.seed,
    checkpointEvery: settings.checkpointEvery,
    datasetFingerprint: datasetFingerprint(dataset.images),
  };
}
