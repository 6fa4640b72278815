import * as tf from '@tensorflow/tfjs-core';

import type { ClipItExportConfig } from './clipit-export';

/**
 * The exported model in TensorFlow.js files, laid out as tfjs-converter writes them
 * (https://www.tensorflow.org/js/guide/save_load): `model.json` and the shards `group1-shardNofM.bin`.
 * Its `weightsManifest` has one group whose `paths` list the shards and whose `weights` give each
 * tensor's name, shape and dtype, in the order the concatenated shards store them.
 * The model is not a tf.LayersModel: `format` is "clipit-vision-model", `modelTopology` is null and
 * the architecture is the CLIP-IT config under `userDefinedMetadata.clipit_config`. So
 * tf.loadLayersModel cannot run it, but tf.io.loadWeights and any manifest reader can read the tensors.
 */

export const TFJS_MODEL_FILE = 'model.json';

/** tfjs-converter's default shard size, 4 MiB. */
const SHARD_BYTES = 4 * 1024 * 1024;

interface TfjsModelJson {
  format: string;
  generatedBy: string;
  convertedBy: null;
  modelTopology: null;
  weightsManifest: tf.io.WeightsManifestConfig;
  userDefinedMetadata: { clipit_config: ClipItExportConfig };
}

/** Writes `model.json` and its weight shards from named float32 tensors and the model config. */
export async function writeTfjsModelFiles(tensors: ReadonlyMap<string, tf.Tensor>, config: ClipItExportConfig): Promise<Map<string, Uint8Array>> {
  const named = [...tensors].map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = new Uint8Array(data);

  const shardCount = Math.max(1, Math.ceil(bytes.byteLength / SHARD_BYTES));
  const files = new Map<string, Uint8Array>();
  const paths: string[] = [];
  for (let shard = 0; shard < shardCount; shard++) {
    const name = `group1-shard${shard + 1}of${shardCount}.bin`;
    paths.push(name);
    files.set(name, bytes.slice(shard * SHARD_BYTES, (shard + 1) * SHARD_BYTES));
  }

  const modelJson: TfjsModelJson = {
    format: config.format,
    generatedBy: 'CLIP-IT Studio',
    convertedBy: null,
    modelTopology: null,
    weightsManifest: [{ paths, weights: specs }],
    userDefinedMetadata: { clipit_config: config },
  };
  files.set(TFJS_MODEL_FILE, new TextEncoder().encode(`${JSON.stringify(modelJson, null, 2)}\n`));
  return files;
}

/**
 * Reads the tensors and config of `model.json` and its shards. `files` maps names relative to the
 * model folder to their bytes. The caller disposes the tensors.
 */
export function readTfjsModelFiles(files: ReadonlyMap<string, Uint8Array>, folder = 'model'): { tensors: Map<string, tf.Tensor>; config: ClipItExportConfig } {
  const jsonBytes = files.get(TFJS_MODEL_FILE);
  if (!jsonBytes) throw new Error(`${folder}: ${TFJS_MODEL_FILE} not found.`);

  let modelJson: Partial<TfjsModelJson>;
  try {
    modelJson = JSON.parse(new TextDecoder().decode(jsonBytes)) as Partial<TfjsModelJson>;
  } catch (error) {
    throw new Error(`${folder}/${TFJS_MODEL_FILE}: invalid JSON (${(error as Error).message}).`);
  }
  const config = modelJson.userDefinedMetadata?.clipit_config;
  if (!config) throw new Error(`${folder}/${TFJS_MODEL_FILE}: userDefinedMetadata.clipit_config is missing; this is not a model exported by CLIP-IT Studio.`);
  if (!Array.isArray(modelJson.weightsManifest)) throw new Error(`${folder}/${TFJS_MODEL_FILE}: weightsManifest is missing or not a list.`);

  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const group of modelJson.weightsManifest) {
      const shards = group.paths.map((shardPath) => {
        const shard = files.get(shardPath);
        if (!shard) throw new Error(`${folder}/${TFJS_MODEL_FILE}: weight shard "${shardPath}" is listed in weightsManifest but not found in the folder.`);
        return shard;
      });
      const buffer = concatenate(shards);
      const expected = group.weights.reduce((sum, spec) => sum + spec.shape.reduce((product, size) => product * size, 1) * 4, 0);
      if (buffer.byteLength !== expected) {
        throw new Error(`${folder}: weight shards [${group.paths.join(', ')}] hold ${buffer.byteLength} bytes but weightsManifest describes ${expected}. The files are truncated or mixed from two exports.`);
      }
      for (const spec of group.weights) {
        if (spec.dtype !== 'float32') throw new Error(`${folder}/${TFJS_MODEL_FILE}: weight "${spec.name}" has dtype ${spec.dtype}; only float32 is read.`);
      }
      const decoded = tf.io.decodeWeights(buffer.buffer as ArrayBuffer, group.weights);
      for (const [name, tensor] of Object.entries(decoded)) tensors.set(name, tensor);
    }
  } catch (error) {
    tf.dispose([...tensors.values()]);
    throw error;
  }
  return { tensors, config };
}

function concatenate(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
