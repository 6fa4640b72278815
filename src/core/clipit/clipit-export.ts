import * as tf from '@tensorflow/tfjs-core';

import { parseSafetensorsHeader, readSafetensors } from '../clip/safetensors-reader';
import { SeededRng } from '../rng';
import { parseStainParams, type StainNormalizationParams } from '../stain/stain-params';
import { ClipVisionBackbone } from './clip-vision-backbone';
import { ClipItModel, type ClipItHeadsConfig, type OutputHead } from './clipit-model';
import { CnnBackbone } from './cnn-backbone';
import { assignParams } from './dense-layer';
import { MlpBackbone } from './mlp-backbone';
import { type Float32TensorData, writeSafetensors } from './safetensors-writer';
import { VitBackbone } from './vit-backbone';
import type { BackboneExportConfig, VisionBackbone } from './vision-backbone';

export const EXPORT_FORMAT = 'clipit-vision-model';
export const EXPORT_VERSION = 1;

/** JSON written beside the weights (and into the safetensors metadata under `clipit_config`). */
export interface ClipItExportConfig {
  format: typeof EXPORT_FORMAT;
  version: number;
  outputHead: OutputHead;
  heads: ClipItHeadsConfig;
  backbone: BackboneExportConfig;
  /** Optional class names in label order, for display. */
  classNames?: string[];
  /** Stain normalisation fitted on the training reference tile; prediction applies it to each tile at input size. */
  stainNormalization?: StainNormalizationParams;
}

/**
 * Exports the vision-only model: backbone weights with LoRA merged (`backbone.*`) and all heads
 * (`heads.*`), float32, plus the JSON needed to rebuild it. No text tower is included: inference
 * needs none.
 */
export async function exportClipItModel(
  model: ClipItModel,
  classNames?: string[],
  stainNormalization?: StainNormalizationParams,
): Promise<{ safetensors: Uint8Array; config: ClipItExportConfig }> {
  const backbone = model.backbone.exportWeights();
  const named = new Map<string, tf.Tensor>();
  for (const [name, tensor] of backbone.tensors) named.set(`backbone.${name}`, tensor);
  for (const [name, param] of model.headParams) named.set(`heads.${name}`, param);

  const data = new Map<string, Float32TensorData>();
  try {
    for (const [name, tensor] of named) data.set(name, { shape: tensor.shape, values: (await tensor.data()) as Float32Array });
  } finally {
    tf.dispose([...backbone.tensors.values()]);
  }

  const config: ClipItExportConfig = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    outputHead: model.outputHead,
    heads: { ...model.heads },
    backbone: backbone.config,
    ...(classNames ? { classNames: [...classNames] } : {}),
    ...(stainNormalization ? { stainNormalization } : {}),
  };
  return { safetensors: writeSafetensors(data, { clipit_config: JSON.stringify(config) }), config };
}

/** Rebuilds an exported model for inference. `config` defaults to the copy in the file's metadata. */
export function importClipItModel(bytes: Uint8Array, config?: ClipItExportConfig, fileName = 'model.safetensors'): ClipItModel {
  const tensors = readSafetensors(bytes, fileName);
  const resolved = config ?? readEmbeddedConfig(bytes, fileName);
  const named = new Map<string, tf.Tensor>();
  for (const [name, tensor] of tensors) named.set(name, tf.tensor(tensor.values as Float32Array, tensor.shape, 'float32'));
  try {
    return buildClipItModel(resolved, named, fileName);
  } finally {
    tf.dispose([...named.values()]);
  }
}

/**
 * Builds the inference model from exported tensors (`backbone.*`, `heads.*`) and their config,
 * whichever file format they came from. The tensors are copied, so the caller still disposes them.
 */
export function buildClipItModel(config: ClipItExportConfig, tensors: ReadonlyMap<string, tf.Tensor>, fileName: string): ClipItModel {
  if (config.format !== EXPORT_FORMAT || config.version !== EXPORT_VERSION) {
    throw new Error(`${fileName}: config has format "${config.format}" version ${config.version}; this build reads "${EXPORT_FORMAT}" version ${EXPORT_VERSION}.`);
  }

  const backboneTensors = new Map<string, tf.Tensor>();
  const headTensors = new Map<string, tf.Tensor>();
  for (const [name, tensor] of tensors) {
    const target = name.startsWith('backbone.') ? backboneTensors : name.startsWith('heads.') ? headTensors : null;
    if (!target) throw new Error(`${fileName}: unexpected tensor "${name}"; exported tensors start with "backbone." or "heads.".`);
    target.set(name.slice(name.indexOf('.') + 1), tensor);
  }

  const backbone = buildBackbone(config.backbone, backboneTensors);
  // The seed only fills head weights that are overwritten at once.
  const model = new ClipItModel(backbone, config.heads, new SeededRng(0));
  assignParams(model.headParams, headTensors, `${fileName}: heads`);
  model.outputHead = config.outputHead;
  return model;
}

function buildBackbone(config: BackboneExportConfig, tensors: ReadonlyMap<string, tf.Tensor>): VisionBackbone {
  switch (config.kind) {
    case 'small-cnn':
      return CnnBackbone.fromExport(config.cnn, tensors);
    case 'mlp':
      return MlpBackbone.fromExport(config.inputShape, config.hiddenSizes, tensors);
    case 'clip-vision':
      return ClipVisionBackbone.fromExport(config, tensors);
    case 'vit':
      return VitBackbone.fromExport(config.vit, config.inputSize, tensors);
  }
}

/** Returns the validated stain normalisation of an exported config, or null when it has none. */
export function exportedStainNormalization(config: ClipItExportConfig | undefined, fileName = 'config.json'): StainNormalizationParams | null {
  if (!config?.stainNormalization) return null;
  return parseStainParams(config.stainNormalization, `${fileName}: stainNormalization`);
}

function readEmbeddedConfig(bytes: Uint8Array, fileName: string): ClipItExportConfig {
  const text = parseSafetensorsHeader(bytes, fileName).metadata.clipit_config;
  if (!text) throw new Error(`${fileName}: no clipit_config in the safetensors metadata. Pass the JSON config exported with the weights.`);
  return JSON.parse(text) as ClipItExportConfig;
}
