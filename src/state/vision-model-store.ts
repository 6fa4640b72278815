import * as Comlink from 'comlink';
import { create } from 'zustand';

import type { ComparisonBackbone } from '../core/clipit/comparison-backbone';
import { csvField } from '../core/ingest/import-report';
import type { ExportedModelSummary, FolderFile, PredictionResult, VitSummary } from '../vision-model-protocol';
import { useClipStore } from './clip-store';
import { filePath } from './dataset-store';
import { getTrainingWorker } from './workers';

/**
 * State of the ViT backbone folder, of exporting a trained model as a folder, and of the
 * "Load model" predictor (an exported folder, a folder of new tiles, and their predictions).
 */
interface VisionModelState {
  vit: VitSummary | null;
  vitLoading: boolean;
  vitError: string | null;

  model: ExportedModelSummary | null;
  modelError: string | null;
  predicting: { done: number; total: number } | null;
  predictions: PredictionResult | null;

  loadVitFolder(files: File[]): Promise<void>;
  /** Files of the export folder of a comparison's model, built in the worker. */
  buildExportFolder(exported: { safetensors: Uint8Array; config: unknown }): Promise<FolderFile[]>;
  loadModelFolder(files: File[]): Promise<void>;
  predictFolder(files: File[]): Promise<void>;
}

export const useVisionModelStore = create<VisionModelState>((set, get) => ({
  vit: null,
  vitLoading: false,
  vitError: null,
  model: null,
  modelError: null,
  predicting: null,
  predictions: null,

  async loadVitFolder(files) {
    set({ vitLoading: true, vitError: null });
    try {
      const { name, folderFiles } = await readFolder(files, /\.(json|safetensors|bin)$/i);
      const vit = await getTrainingWorker().loadVitBackbone(name, Comlink.transfer(folderFiles, folderFiles.map((f) => f.data.buffer as ArrayBuffer)));
      set({ vit });
    } catch (error) {
      // The previous ViT stays loaded in the worker, so the summary stays too.
      set({ vitError: errorMessage(error) });
    } finally {
      set({ vitLoading: false });
    }
  },

  async buildExportFolder(exported) {
    return getTrainingWorker().buildModelFolder(exported);
  },

  async loadModelFolder(files) {
    set({ modelError: null });
    try {
      const { name, folderFiles } = await readFolder(files, /\.(json|safetensors|bin)$/i);
      const model = await getTrainingWorker().loadExportedModel(name, Comlink.transfer(folderFiles, folderFiles.map((f) => f.data.buffer as ArrayBuffer)));
      set({ model, predictions: null });
    } catch (error) {
      set({ modelError: errorMessage(error) });
    }
  },

  async predictFolder(files) {
    if (!get().model) return set({ modelError: 'Load an exported model folder first.' });
    const images = files.filter((file) => !filePath(file).split('/').some((part) => part.startsWith('.')));
    if (images.length === 0) return set({ modelError: 'The chosen folder has no files.' });

    set({ modelError: null, predicting: { done: 0, total: images.length }, predictions: null });
    try {
      const predictions = await getTrainingWorker().predictImages(
        images.map((file) => ({ path: filePath(file), file })),
        Comlink.proxy((done: number, total: number) => set({ predicting: { done, total } })),
      );
      set({ predictions });
    } catch (error) {
      set({ modelError: errorMessage(error) });
    } finally {
      set({ predicting: null });
    }
  },
}));

/**
 * Tile side for a comparison with `backbone`: the CLIP tower's own image size, or `chosen` for
 * the CNN and a ViT (which must be a multiple of its patch size). Returns an error message when
 * the backbone is not ready.
 */
export function comparisonInputSize(backbone: ComparisonBackbone, chosen: number): { inputSize: number } | { error: string } {
  if (backbone === 'clip') {
    const clip = useClipStore.getState().summary;
    if (!clip) return { error: 'The CLIP vision backbone needs a loaded CLIP: load one in the CLIP panel, or choose the small CNN.' };
    return { inputSize: clip.vision.imageSize };
  }
  if (backbone === 'vit') {
    const vit = useVisionModelStore.getState().vit;
    if (!vit) return { error: 'Choose a ViT folder for the ViT backbone first.' };
    if (chosen % vit.patchSize !== 0) return { error: `The input size ${chosen} px is not a multiple of the ViT patch size ${vit.patchSize} px; choose ${vit.imageSize} px.` };
  }
  return { inputSize: chosen };
}

/** CSV of predictions: `path,predicted,confidence,p_<class>...`, the format of `npm run predict`. */
export function predictionsCsv(result: PredictionResult): string {
  const classCount = result.classNames.length;
  const lines = [['path', 'predicted', 'confidence', ...result.classNames.map((c) => `p_${c}`)].map(csvField).join(',')];
  result.paths.forEach((path, row) => {
    const probabilities = Array.from(result.probabilities.subarray(row * classCount, (row + 1) * classCount));
    const best = probabilities.indexOf(Math.max(...probabilities));
    lines.push([csvField(path), csvField(result.classNames[best]), probabilities[best].toFixed(6), ...probabilities.map((p) => p.toFixed(6))].join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** Reads the top-level files of a chosen folder that match `pattern`, with paths relative to the folder. */
async function readFolder(files: File[], pattern: RegExp): Promise<{ name: string; folderFiles: FolderFile[] }> {
  const first = filePath(files[0] ?? new File([], 'folder'));
  const name = first.includes('/') ? first.split('/')[0] : 'folder';
  const folderFiles: FolderFile[] = [];
  for (const file of files) {
    const parts = filePath(file).split('/');
    // Top-level files only, because the chosen folder itself contains the model and deeper folders are other copies.
    const relative = parts.length > 1 ? parts.slice(1).join('/') : parts[0];
    if (relative.includes('/') || !pattern.test(relative)) continue;
    folderFiles.push({ path: relative, data: new Uint8Array(await file.arrayBuffer()) });
  }
  if (folderFiles.length === 0) throw new Error(`${name}: no model files (.json, .safetensors, .bin) at the top level of the folder.`);
  return { name, folderFiles };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
