/**
 * Types of the training worker's API for pretrained ViT backbones and for exported CLIP-IT
 * vision models (build the export folder, load one back, classify images with it). Types only.
 */

import type { VitLayout, VitPooling } from './core/vit/vit-config';
import type { ImageInput, ImportedProblem } from './worker-protocol';

/** A file of a chosen folder, with its path relative to the folder. */
export interface FolderFile {
  path: string;
  data: Uint8Array;
}

export interface VitSummary {
  /** Folder name, for display. */
  name: string;
  layout: VitLayout;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  patchSize: number;
  /** Side of the pretraining images in pixels. */
  imageSize: number;
  registerTokens: number;
  pooling: VitPooling;
}

export interface ExportedModelSummary {
  name: string;
  /** The file format the weights were read from. */
  format: 'safetensors' | 'tfjs';
  classNames: string[];
  backbone: 'small-cnn' | 'mlp' | 'clip-vision' | 'vit';
  /** Side in pixels at which tiles are decoded for this model. */
  inputSize: number;
  outputHead: 'vision' | 'fusion';
}

export interface PredictionResult {
  /** Paths of the classified images, in the order of `probabilities` rows. */
  paths: string[];
  /** Row-major [paths.length, classNames.length] class probabilities. */
  probabilities: Float32Array;
  classNames: string[];
  failed: ImportedProblem[];
}

export interface VisionModelWorkerApi {
  /** Loads a ViT folder (transformers ViTModel or timm layout) as the backbone of the next comparison; replaces any loaded one. */
  loadVitBackbone(name: string, files: FolderFile[]): Promise<VitSummary>;
  /** Builds the export folder (safetensors + config.json, model.json + shards) of an exported model. */
  buildModelFolder(exported: { safetensors: Uint8Array; config: unknown }): Promise<FolderFile[]>;
  /** Loads an exported model folder for prediction; replaces any loaded one. */
  loadExportedModel(name: string, files: FolderFile[]): Promise<ExportedModelSummary>;
  /** Classifies images with the loaded exported model, decoding them at its input size. */
  predictImages(images: ImageInput[], onProgress?: (done: number, total: number) => void): Promise<PredictionResult>;
}
