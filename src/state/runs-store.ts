import * as Comlink from 'comlink';
import { create } from 'zustand';

import type { DecodeProgress, EpochEvent, StepEvent, TrainRequest, TrainResult } from '../worker-protocol';
import { loadRuns, saveRun } from '../storage/run-storage';
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
};

export type RunPhase = 'decoding' | 'training' | 'paused' | 'evaluating' | 'completed' | 'stopped' | 'failed';

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
}

interface RunsState {
  settings: TrainSettings;
  runs: Run[];
  activeRunId: string | null;
  selectedRunId: string | null;
  error: string | null;

  setSettings(patch: Partial<TrainSettings>): void;
  startRun(): Promise<void>;
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
    };
    set({ runs: [...get().runs, run], activeRunId: run.id, selectedRunId: run.id, error: null });

    const worker = getTrainingWorker();
    try {
      const loaded = await worker.loadImages(
        dataset.images.map((image) => ({ path: image.path, file: image.file })),
        settings.inputSize,
        Comlink.proxy((progress: DecodeProgress) => updateRun(run.id, { decodeProgress: progress })),
      );
      if (loaded.failed.length > 0) {
        throw new Error(`${loaded.failed.length} image(s) could not be decoded for training, first: ${loaded.failed[0].path} (${loaded.failed[0].detail}).`);
      }

      updateRun(run.id, { phase: 'training', statusMessage: 'Training', decodeProgress: null });
      const result = await worker.train(
        request,
        Comlink.proxy({
          onStep: (event: StepEvent) => appendStep(run.id, event),
          onEpoch: (event: EpochEvent) => appendEpoch(run.id, event),
          onStatus: (message: string) => {
            const phase = message.startsWith('Evaluating') ? 'evaluating' : undefined;
            updateRun(run.id, phase ? { statusMessage: message, phase } : { statusMessage: message });
          },
        }),
      );

      updateRun(run.id, {
        phase: result.status,
        statusMessage: result.message ?? (result.status === 'completed' ? 'Completed' : 'Stopped'),
        result,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      updateRun(run.id, { phase: 'failed', statusMessage: message });
    } finally {
      set({ activeRunId: null });
      const finished = get().runs.find((r) => r.id === run.id);
      if (finished) await persistRun(finished);
    }
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

      // A run saved mid-training was interrupted by a reload or crash.
      const restored = runs.map((run) =>
        ['decoding', 'training', 'paused', 'evaluating'].includes(run.phase)
          ? { ...run, phase: 'stopped' as const, statusMessage: 'Interrupted before it finished' }
          : run,
      );
      const known = new Set(get().runs.map((r) => r.id));
      set({
        runs: [...restored.filter((r) => !known.has(r.id)), ...get().runs],
        error: skipped > 0 ? `${skipped} saved run(s) were damaged and skipped.` : get().error,
      });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
    }
  },
}));

function updateRun(id: string, patch: Partial<Run>): void {
  useRunsStore.setState((state) => ({
    runs: state.runs.map((run) => (run.id === id ? { ...run, ...patch } : run)),
  }));
}

function appendStep(id: string, event: StepEvent): void {
  useRunsStore.setState((state) => ({
    runs: state.runs.map((run) => (run.id === id ? { ...run, steps: [...run.steps, event] } : run)),
  }));
}

function appendEpoch(id: string, event: EpochEvent): void {
  useRunsStore.setState((state) => ({
    runs: state.runs.map((run) => (run.id === id ? { ...run, epochs: [...run.epochs, event] } : run)),
  }));
}

async function persistRun(run: Run): Promise<void> {
  try {
    await saveRun(run);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    useRunsStore.setState({ error: `The run finished but could not be saved to browser storage: ${message}` });
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
  };
}
