import { create } from 'zustand';

import type { AugmentPreview, StainPreview } from '../augment-protocol';
import { type AugmentConfig, DEFAULT_AUGMENT_CONFIG, validateAugmentConfig } from '../core/augment/augment-config';
import type { StainMethod, StainNormalizationSetting } from '../core/stain/stain-normalize-images';
import { type ClassBalance, suggestClassBalance } from '../core/train/class-balance';
import { useDatasetStore } from './dataset-store';
import { getTrainingWorker } from './workers';

/** Tiles shown in the previews: the first PREVIEW_PER_CLASS of each class, at most PREVIEW_TILES. */
const PREVIEW_PER_CLASS = 2;
const PREVIEW_TILES = 6;
const PREVIEW_VARIANTS = 3;

/** Augmentation, class-balance and stain-normalisation settings of the next runs, and their previews. */
interface AugmentState {
  /** Master switch; `config` keeps each transform's own switch and strength. */
  augmentEnabled: boolean;
  config: AugmentConfig;

  /** The user's choice, or null to follow the suggestion from the training split's class counts. */
  classBalance: ClassBalance | null;

  stainEnabled: boolean;
  stainMethod: StainMethod;
  referenceIndex: number | null;

  /** Parameters fitted on the reference tile, and the input size they were fitted at. */
  stainSetting: (StainNormalizationSetting & { inputSize: number }) | null;

  preview: AugmentPreview | null;
  previewRoll: number;
  stainPreview: StainPreview | null;
  busy: boolean;
  error: string | null;

  setAugmentEnabled(enabled: boolean): void;
  patchConfig(patch: Partial<AugmentConfig>): void;
  setClassBalance(choice: ClassBalance | null): void;
  setStainEnabled(enabled: boolean): void;
  setStainMethod(method: StainMethod): void;
  pickReference(index: number, inputSize: number): Promise<void>;
  previewAugmentation(inputSize: number, reroll: boolean): Promise<void>;
  previewStain(inputSize: number): Promise<void>;
  resolveTrainingOptions(inputSize: number): Promise<TrainingOptions>;
}

/** The fields a TrainRequest or ComparisonRequest takes from this store. */
export interface TrainingOptions {
  augment: AugmentConfig | null;
  classBalance: ClassBalance;
  stainNormalization: StainNormalizationSetting | null;
}

export const useAugmentStore = create<AugmentState>((set, get) => ({
  augmentEnabled: false,
  config: DEFAULT_AUGMENT_CONFIG,
  classBalance: null,
  stainEnabled: false,
  stainMethod: 'macenko',
  referenceIndex: null,
  stainSetting: null,
  preview: null,
  previewRoll: 0,
  stainPreview: null,
  busy: false,
  error: null,

  setAugmentEnabled(enabled) {
    set({ augmentEnabled: enabled });
  },

  patchConfig(patch) {
    set({ config: { ...get().config, ...patch } });
  },

  setClassBalance(choice) {
    set({ classBalance: choice });
  },

  setStainEnabled(enabled) {
    set({ stainEnabled: enabled });
  },

  setStainMethod(method) {
    // A fit belongs to one method, so a change of method needs a new fit.
    set({ stainMethod: method, stainSetting: null, stainPreview: null });
  },

  async pickReference(index, inputSize) {
    set({ referenceIndex: index, stainSetting: null, stainPreview: null });
    await runTask(set, async () => {
      const setting = await fitReference(index, get().stainMethod, inputSize);
      set({ stainSetting: setting });
    });
  },

  async previewAugmentation(inputSize, reroll) {
    await runTask(set, async () => {
      const config = get().config;
      validateAugmentConfig(config);
      const indices = await loadPreviewTiles(inputSize);
      const roll = reroll ? get().previewRoll + 1 : get().previewRoll;
      const stain = get().stainEnabled ? get().stainSetting : null;
      const preview = await getTrainingWorker().previewAugmentation({
        indices,
        config,
        seed: 0,
        roll,
        variants: PREVIEW_VARIANTS,
        stainNormalization: stain && stain.inputSize === inputSize ? stain.params : null,
      });
      set({ preview, previewRoll: roll });
    });
  },

  async previewStain(inputSize) {
    await runTask(set, async () => {
      const setting = await ensureFitted(get, set, inputSize);
      const indices = await loadPreviewTiles(inputSize);
      set({ stainPreview: await getTrainingWorker().previewStainNormalization(indices, setting.params) });
    });
  },

  async resolveTrainingOptions(inputSize) {
    const state = get();
    if (state.augmentEnabled) validateAugmentConfig(state.config);
    const stainNormalization = state.stainEnabled ? await ensureFitted(get, set, inputSize) : null;
    return {
      augment: state.augmentEnabled ? state.config : null,
      classBalance: state.classBalance ?? suggestedClassBalance(),
      stainNormalization: stainNormalization && {
        method: stainNormalization.method,
        referencePath: stainNormalization.referencePath,
        params: stainNormalization.params,
      },
    };
  },
}));

/** Returns the balancing that the training split's class counts suggest, or `none` before a split exists. */
export function suggestedClassBalance(): ClassBalance {
  const counts = useDatasetStore.getState().split?.counts.train;
  return counts ? suggestClassBalance(counts) : 'none';
}

type SetState = (patch: Partial<AugmentState>) => void;

async function runTask(set: SetState, task: () => Promise<void>): Promise<void> {
  set({ busy: true, error: null });
  try {
    await task();
  } catch (error) {
    set({ error: error instanceof Error ? error.message : String(error) });
  } finally {
    set({ busy: false });
  }
}

/** Returns the fitted setting for `inputSize`, fitting the reference tile again when the size or method changed. */
async function ensureFitted(get: () => AugmentState, set: SetState, inputSize: number): Promise<StainNormalizationSetting & { inputSize: number }> {
  const { referenceIndex, stainMethod, stainSetting } = get();
  if (referenceIndex === null) throw new Error('Stain normalisation is on but no reference tile is picked: pick one from the thumbnails.');
  if (stainSetting && stainSetting.inputSize === inputSize && stainSetting.method === stainMethod) return stainSetting;

  const setting = await fitReference(referenceIndex, stainMethod, inputSize);
  set({ stainSetting: setting });
  return setting;
}

async function fitReference(index: number, method: StainMethod, inputSize: number): Promise<StainNormalizationSetting & { inputSize: number }> {
  const image = useDatasetStore.getState().images[index];
  if (!image) throw new Error(`Reference tile ${index} is not in the dataset any more; pick another one.`);
  const setting = await getTrainingWorker().fitStainReference(image.file, image.path, inputSize, method);
  return { ...setting, inputSize };
}

/** Decodes the dataset at `inputSize` in the worker (reused by the next run) and returns the preview tiles. */
async function loadPreviewTiles(inputSize: number): Promise<number[]> {
  const dataset = useDatasetStore.getState();
  if (dataset.images.length === 0) throw new Error('Import an image folder first (one subfolder per class).');

  const loaded = await getTrainingWorker().loadImages(
    dataset.images.map((image) => ({ path: image.path, file: image.file })),
    inputSize,
  );
  const failedPaths = new Set(loaded.failed.map((problem) => problem.path));
  return previewIndices(dataset.images.map((image) => image.label), dataset.images.map((image) => failedPaths.has(image.path)));
}

/** Picks the first tiles of each class in turn, so every class appears in the preview. */
export function previewIndices(labels: readonly number[], failed: readonly boolean[]): number[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, index) => {
    if (failed[index]) return;
    const members = byClass.get(label) ?? [];
    if (members.length < PREVIEW_PER_CLASS) members.push(index);
    byClass.set(label, members);
  });

  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const indices: number[] = [];
  for (let rank = 0; rank < PREVIEW_PER_CLASS; rank++) {
    for (const label of classes) {
      const index = byClass.get(label)![rank];
      if (index !== undefined && indices.length < PREVIEW_TILES) indices.push(index);
    }
  }
  return indices;
}
