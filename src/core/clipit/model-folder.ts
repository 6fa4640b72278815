import * as tf from '@tensorflow/tfjs-core';

import { parseSafetensorsHeader, readSafetensors } from '../clip/safetensors-reader';
import { type ClipItExportConfig, buildClipItModel, importClipItModel } from './clipit-export';
import type { ClipItModel } from './clipit-model';
import { TFJS_MODEL_FILE, readTfjsModelFiles, writeTfjsModelFiles } from './tfjs-model-format';

/**
 * The exported model folder, the same from the studio and from `npm run clipit`:
 * `model.safetensors` + `config.json` (the CLIP-IT config, also embedded in the safetensors
 * metadata) and the TensorFlow.js files `model.json` + `group1-shard*.bin`. Either format alone
 * rebuilds the same model.
 */

export const SAFETENSORS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

export type ModelFileFormat = 'safetensors' | 'tfjs';

/** Builds every file of the model folder from an export of `exportClipItModel`. */
export async function modelFolderFiles(exported: { safetensors: Uint8Array; config: ClipItExportConfig }): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  files.set(SAFETENSORS_FILE, exported.safetensors);
  files.set(CONFIG_FILE, new TextEncoder().encode(`${JSON.stringify(exported.config, null, 2)}\n`));

  const tensors = new Map<string, tf.Tensor>();
  for (const [name, tensor] of readSafetensors(exported.safetensors, SAFETENSORS_FILE)) {
    tensors.set(name, tf.tensor(tensor.values as Float32Array, tensor.shape, 'float32'));
  }
  try {
    for (const [name, bytes] of await writeTfjsModelFiles(tensors, exported.config)) files.set(name, bytes);
  } finally {
    tf.dispose([...tensors.values()]);
  }
  return files;
}

/**
 * Loads a model folder (file names relative to the folder). `format` picks one format when the
 * folder has both; by default safetensors is read when present, else `model.json`.
 */
export function loadModelFolder(
  files: ReadonlyMap<string, Uint8Array>,
  folder: string,
  format?: ModelFileFormat,
): { model: ClipItModel; config: ClipItExportConfig; format: ModelFileFormat } {
  const hasSafetensors = files.has(SAFETENSORS_FILE);
  const hasTfjs = files.has(TFJS_MODEL_FILE);
  let chosen: ModelFileFormat | null = format ?? null;
  if (!chosen && hasSafetensors) chosen = 'safetensors';
  if (!chosen && hasTfjs) chosen = 'tfjs';

  let missing: string | null = null;
  if (!chosen) missing = `${SAFETENSORS_FILE} or ${TFJS_MODEL_FILE}`;
  else if (chosen === 'safetensors' && !hasSafetensors) missing = SAFETENSORS_FILE;
  else if (chosen === 'tfjs' && !hasTfjs) missing = TFJS_MODEL_FILE;
  if (missing || !chosen) {
    throw new Error(`${folder}: ${missing} not found. Choose the model folder exported by the studio or npm run clipit.`);
  }

  if (chosen === 'tfjs') {
    const { tensors, config } = readTfjsModelFiles(files, folder);
    try {
      return { model: buildClipItModel(config, tensors, `${folder}/${TFJS_MODEL_FILE}`), config, format: 'tfjs' };
    } finally {
      tf.dispose([...tensors.values()]);
    }
  }

  const configBytes = files.get(CONFIG_FILE);
  let config: ClipItExportConfig | undefined;
  if (configBytes) {
    try {
      config = JSON.parse(new TextDecoder().decode(configBytes)) as ClipItExportConfig;
    } catch (error) {
      throw new Error(`${folder}/${CONFIG_FILE}: invalid JSON (${(error as Error).message}).`);
    }
  }
  const bytes = files.get(SAFETENSORS_FILE)!;
  const fileName = `${folder}/${SAFETENSORS_FILE}`;
  config ??= embeddedConfig(bytes, fileName);
  return { model: importClipItModel(bytes, config, fileName), config, format: 'safetensors' };
}

function embeddedConfig(bytes: Uint8Array, fileName: string): ClipItExportConfig {
  const text = parseSafetensorsHeader(bytes, fileName).metadata.clipit_config;
  if (!text) throw new Error(`${fileName}: ${CONFIG_FILE} is missing and the safetensors metadata has no clipit_config. Copy config.json from the export beside it.`);
  return JSON.parse(text) as ClipItExportConfig;
}
