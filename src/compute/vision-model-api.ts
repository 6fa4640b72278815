import { backboneBatchSource, backboneInputSize } from '../core/clipit/backbone-input';
import { type ClipItExportConfig, exportedStainNormalization } from '../core/clipit/clipit-export';
import type { ClipItModel } from '../core/clipit/clipit-model';
import { predictProbabilities } from '../core/clipit/clipit-predict';
import { loadModelFolder, modelFolderFiles } from '../core/clipit/model-folder';
import { PixelStore } from '../core/data/pixel-store';
import { normalizePixelStore } from '../core/stain/stain-normalize-images';
import { type VitModel, loadVitFromFiles } from '../core/vit/vit-model';
import type { ExportedModelSummary, FolderFile, PredictionResult, VisionModelWorkerApi, VitSummary } from '../vision-model-protocol';
import type { ImageInput, ImportedProblem } from '../worker-protocol';
import { decodeForModel } from './decode-for-model';

let vit: VitModel | null = null;
let exported: { model: ClipItModel; config: ClipItExportConfig } | null = null;

/** Returns the ViT chosen as the comparison backbone, or null. */
export function loadedVit(): VitModel | null {
  return vit;
}

/** Worker methods for ViT backbones and exported CLIP-IT vision models. */
export const visionModelApi: VisionModelWorkerApi = {
  async loadVitBackbone(name: string, files: FolderFile[]): Promise<VitSummary> {
    // Load first, so that a folder that fails to load leaves the previous ViT in place.
    const next = loadVitFromFiles(new Map(files.map((f) => [f.path, f.data])));
    vit?.dispose();
    vit = next;

    const config = next.config;
    console.info(`[vision model] loaded ${config.layout} ViT "${name}": ${config.numHiddenLayers} layers x ${config.hiddenSize}, ${config.imageSize} px`);
    return {
      name,
      layout: config.layout,
      hiddenSize: config.hiddenSize,
      numHiddenLayers: config.numHiddenLayers,
      numAttentionHeads: config.numAttentionHeads,
      patchSize: config.patchSize,
      imageSize: config.imageSize,
      registerTokens: config.registerTokens,
      pooling: config.pooling,
    };
  },

  async buildModelFolder(model: { safetensors: Uint8Array; config: unknown }): Promise<FolderFile[]> {
    const files = await modelFolderFiles({ safetensors: model.safetensors, config: model.config as ClipItExportConfig });
    return [...files].map(([path, data]) => ({ path, data }));
  },

  async loadExportedModel(name: string, files: FolderFile[]): Promise<ExportedModelSummary> {
    const next = loadModelFolder(new Map(files.map((f) => [f.path, f.data])), name);
    exported?.model.dispose();
    exported = { model: next.model, config: next.config };

    return {
      name,
      format: next.format,
      classNames: classNamesOf(next.model, next.config),
      backbone: next.config.backbone.kind,
      inputSize: backboneInputSize(next.config.backbone),
      outputHead: next.config.outputHead,
    };
  },

  async predictImages(images: ImageInput[], onProgress?: (done: number, total: number) => void): Promise<PredictionResult> {
    if (!exported) throw new Error('No exported model is loaded: choose a model folder first.');
    const { model, config } = exported;
    const size = backboneInputSize(config.backbone);

    let store = new PixelStore(images.length, size);
    const failed: ImportedProblem[] = [];
    const decoded: number[] = [];
    for (let i = 0; i < images.length; i++) {
      const result = await decodeForModel(images[i].file, images[i].path, size);
      if (result.ok) {
        store.set(i, result.rgb);
        decoded.push(i);
      } else {
        failed.push({ path: images[i].path, reason: result.reason, detail: result.detail });
      }
      onProgress?.(i + 1, images.length);
    }

    // A model trained on stain-normalised tiles expects the same normalisation at inference.
    const stain = exportedStainNormalization(config);
    if (stain) store = normalizePixelStore(store, stain).store;

    const probabilities = await predictProbabilities(model, backboneBatchSource(config.backbone, store), decoded);
    return { paths: decoded.map((i) => images[i].path), probabilities, classNames: classNamesOf(model, config), failed };
  },
};

function classNamesOf(model: ClipItModel, config: ClipItExportConfig): string[] {
  return config.classNames ?? Array.from({ length: model.numClasses }, (_, i) => `class_${i}`);
}
