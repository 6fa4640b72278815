import * as Comlink from 'comlink';
import { create } from 'zustand';

import type { ComparisonEpochEvent, ComparisonRequest, ComparisonResult, ComparisonStage, ComparisonStepEvent } from '../clipit-protocol';
import type { DecodeProgress } from '../worker-protocol';
import { useClipStore } from './clip-store';
import { useAugmentStore } from './augment-store';
import { useDatasetStore } from './dataset-store';
import { annotatePredictions } from './prediction-tiles';
import { useRunsStore } from './runs-store';
import { comparisonInputSize } from './vision-model-store';
import { DEFAULT_CNN_WIDTH, type ComparisonBackbone } from '../core/clipit/comparison-backbone';
import { getTrainingWorker } from './workers';

/** CLIP-IT comparison settings; defaults follow the method (lr 1e-3, weight decay 1e-4, clip 0.5, lambda 1, LoRA rank 16, alpha 8). */
export interface ClipItSettings {
  stages: ComparisonStage[];
  seedsText: string;
  inputSize: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  clipNorm: number;
  lambda: number;
  loraRank: number;
  loraAlpha: number;
  textLora: boolean;
  /** Vision backbone of the baseline and CLIP-IT stages. */
  backbone: ComparisonBackbone;
  /** Channels of the small CNN's first block (16-32-64 for 16). */
  cnnWidth: number;
  schedule: 'constant' | 'cosine';
}

export const DEFAULT_CLIPIT_SETTINGS: ClipItSettings = {
  stages: ['unimodal', 'text', 'clipit'],
  seedsText: '0,1,2',
  inputSize: 64,
  epochs: 5,
  batchSize: 64,
  learningRate: 1e-3,
  weightDecay: 1e-4,
  clipNorm: 0.5,
  lambda: 1,
  loraRank: 16,
  loraAlpha: 8,
  textLora: true,
  backbone: 'cnn',
  cnnWidth: DEFAULT_CNN_WIDTH,
  schedule: 'constant',
};

interface ClipItState {
  settings: ClipItSettings;
  running: boolean;
  paused: boolean;
  status: string;
  decodeProgress: DecodeProgress | null;
  steps: ComparisonStepEvent[];
  epochs: ComparisonEpochEvent[];
  result: ComparisonResult | null;
  error: string | null;
  startedAt: number;
  /** The CLIP the last comparison used, for the results table. */
  clipName: string | null;

  setSettings(patch: Partial<ClipItSettings>): void;
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): void;
}

export const useClipItStore = create<ClipItState>((set, get) => ({
  settings: DEFAULT_CLIPIT_SETTINGS,
  running: false,
  paused: false,
  status: '',
  decodeProgress: null,
  steps: [],
  epochs: [],
  result: null,
  error: null,
  startedAt: 0,
  clipName: null,

  setSettings(patch) {
    set({ settings: { ...get().settings, ...patch } });
  },

  async start() {
    if (get().running || useRunsStore.getState().activeRunId) return;
    const { settings } = get();
    const dataset = useDatasetStore.getState();
    const clip = useClipStore.getState();

    let seeds: number[];
    try {
      seeds = parseSeeds(settings.seedsText);
    } catch (error) {
      return set({ error: error instanceof Error ? error.message : String(error) });
    }
    if (!dataset.split || dataset.images.length === 0) return set({ error: 'Import images and check the split first.' });
    const needsPairs = settings.stages.some((s) => s !== 'unimodal');
    const retrieval = clip.retrieval;
    if (needsPairs && !retrieval) return set({ error: 'The text classifier and CLIP-IT need the report pairing: load a CLIP and press Pair first.' });
    const input = comparisonInputSize(settings.backbone, settings.inputSize);
    if ('error' in input) return set({ error: input.error });
    const inputSize = input.inputSize;
    if (retrieval && retrieval.imagePaths.length !== dataset.images.length) {
      return set({ error: 'The images changed since the pairing; press Pair again.' });
    }

    const request: ComparisonRequest = {
      runId: `compare-${Date.now().toString(36)}`,
      classNames: dataset.classNames,
      labels: dataset.images.map((image) => image.label),
      split: dataset.split.indices,
      stages: settings.stages,
      seeds,
      inputSize,
      backbone: settings.backbone,
      cnnWidth: settings.cnnWidth,
      texts: retrieval ? retrieval.texts.map((t) => t.text) : [],
      pairedText: retrieval ? retrieval.imagePaths.map((_, row) => retrieval.topIndices[row * retrieval.k]) : [],
      textEmbeddings: clip.textEmbeddings,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      weightDecay: settings.weightDecay,
      clipNorm: settings.clipNorm,
      schedule: settings.schedule,
      lambda: settings.lambda,
      loraRank: settings.loraRank,
      loraAlpha: settings.loraAlpha,
      textLora: settings.textLora,
    };

    set({ running: true, paused: false, status: 'Decoding images', steps: [], epochs: [], result: null, error: null, startedAt: performance.now(), clipName: needsPairs ? clip.name : null });
    const worker = getTrainingWorker();
    try {
      const loaded = await worker.loadImages(
        dataset.images.map((image) => ({ path: image.path, file: image.file })),
        inputSize,
        Comlink.proxy((progress: DecodeProgress) => set({ decodeProgress: progress })),
      );
      if (loaded.failed.length > 0) throw new Error(`${loaded.failed.length} image(s) could not be decoded, first: ${loaded.failed[0].path}.`);
      set({ decodeProgress: null });
      Object.assign(request, await useAugmentStore.getState().resolveTrainingOptions(inputSize));

      const result = await worker.runComparison(
        request,
        Comlink.proxy({
          onStep: (event: ComparisonStepEvent) => set({ steps: [...get().steps, event] }),
          onEpoch: (event: ComparisonEpochEvent) => set({ epochs: [...get().epochs, event] }),
          onStatus: (message: string) => set({ status: message }),
        }),
      );
      const status = { completed: 'Completed', stopped: 'Stopped', failed: `Failed: ${result.message}` }[result.status];
      const stages = result.stages.map((stage) => ({ ...stage, testPredictions: annotatePredictions(stage.testPredictions ?? [], dataset.images, dataset.groups) }));
      set({ result: { ...result, stages }, status, error: result.status === 'failed' ? (result.message ?? null) : null });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error), status: 'Failed' });
    } finally {
      set({ running: false, paused: false, decodeProgress: null });
    }
  },

  pause() {
    void getTrainingWorker().pause();
    set({ paused: true });
  },

  resume() {
    void getTrainingWorker().resume();
    set({ paused: false });
  },

  stop() {
    void getTrainingWorker().stop();
    set({ status: 'Stopping after this step' });
  },
}));

export function parseSeeds(text: string): number[] {
  const seeds = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(Number);
  if (seeds.length === 0 || seeds.some((seed) => !Number.isInteger(seed) || seed < 0)) {
    throw new Error(`Invalid seeds "${text}": expected whole numbers separated by commas, e.g. 0,1,2.`);
  }
  return seeds;
}
