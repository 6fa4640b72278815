import * as tf from '@tensorflow/tfjs-core';

import type { LinearHook } from '../clip/clip-layers';
import type { CheckpointTensors } from '../clip/checkpoint-tensor';
import { readSafetensors, readShardedSafetensors } from '../clip/safetensors-reader';
import { readTorchCheckpoint } from '../clip/torch-pickle-reader';
import type { VitConfig } from './vit-config';
import { checkpointPatchPositions, vitForward } from './vit-forward';
import { convertHfVitTensors, parseHfVitConfig } from './vit-hf-layout';
import { convertTimmVitTensors, parseTimmVitConfig } from './vit-timm-layout';
import { interpolatePatchPositions } from './position-interpolation';
import { type VitWeights, toVitWeights } from './vit-weights';

/** A pretrained ViT with frozen weights; `features` runs it with an optional LoRA hook. */
export class VitModel {
  /** Patch position embeddings per grid side, so each resize is computed once. */
  private readonly positions = new Map<number, tf.Tensor2D>();

  constructor(
    readonly config: VitConfig,
    readonly weights: VitWeights,
  ) {}

  /** Pooled features [batch, hidden] of NHWC RGB images in [0, 1]. */
  features(images: tf.Tensor4D, hook?: LinearHook): tf.Tensor2D {
    return tf.tidy(() => vitForward(this.weights, this.config, images, (grid) => this.patchPositions(grid), hook));
  }

  /** Patch position embeddings for a `grid` x `grid` patch layout, [grid * grid, hidden]; kept until dispose. */
  patchPositions(grid: number): tf.Tensor2D {
    let positions = this.positions.get(grid);
    if (!positions) {
      const ownGrid = this.config.imageSize / this.config.patchSize;
      positions = tf.tidy(() => {
        const own = checkpointPatchPositions(this.weights, this.config);
        return grid === ownGrid ? own : interpolatePatchPositions(own, ownGrid, grid);
      });
      // Created inside a caller's tidy, so keep it alive explicitly.
      tf.keep(positions);
      this.positions.set(grid, positions);
    }
    return positions;
  }

  dispose(): void {
    tf.dispose([...this.positions.values(), ...this.weights.values()]);
    this.positions.clear();
    this.weights.clear();
  }
}

/**
 * Loads a ViT from the files of a model folder (names relative to the folder): `config.json`
 * and `model.safetensors` (or `model.safetensors.index.json` with its shards, or
 * `pytorch_model.bin`), plus `preprocessor_config.json` for a transformers model. The layout
 * is detected from the tensor names: `patch_embed.proj.weight` is timm, `embeddings.patch_embeddings.*` is transformers.
 */
export function loadVitFromFiles(files: ReadonlyMap<string, Uint8Array>): VitModel {
  const { tensors, source } = readVitCheckpoint(files);
  const configBytes = files.get('config.json');
  if (!configBytes) throw new Error(`${source}: config.json is missing. Add the model's config.json to the folder.`);
  const configJson = parseJson(configBytes, 'config.json');

  const isTimm = tensors.has('patch_embed.proj.weight');
  const isHf = tensors.has('embeddings.patch_embeddings.projection.weight') || tensors.has('vit.embeddings.patch_embeddings.projection.weight');
  if (!isTimm && !isHf) {
    const first = [...tensors.keys()].slice(0, 3).join('", "');
    throw new Error(
      `${source}: neither "patch_embed.proj.weight" (timm ViT) nor "embeddings.patch_embeddings.projection.weight" (transformers ViTModel) is present ` +
        `(first tensors: "${first}"). Choose a ViT folder in one of these layouts.`,
    );
  }

  let config: VitConfig;
  let named;
  if (isTimm) {
    config = parseTimmVitConfig(configJson, tensors, source);
    named = convertTimmVitTensors(tensors, config, source);
  } else {
    const processorBytes = files.get('preprocessor_config.json');
    const processor = processorBytes ? parseJson(processorBytes, 'preprocessor_config.json') : undefined;
    config = parseHfVitConfig(configJson, processor);
    named = convertHfVitTensors(tensors, config, source);
  }
  return new VitModel(config, toVitWeights(named, config, source));
}

function readVitCheckpoint(files: ReadonlyMap<string, Uint8Array>): { tensors: CheckpointTensors; source: string } {
  const index = files.get('model.safetensors.index.json');
  if (index) return { tensors: readShardedSafetensors(index, files), source: 'model.safetensors.index.json' };

  const safetensors = files.get('model.safetensors');
  if (safetensors) return { tensors: readSafetensors(safetensors, 'model.safetensors'), source: 'model.safetensors' };

  const bin = files.get('pytorch_model.bin');
  if (bin) return { tensors: readTorchCheckpoint(bin, 'pytorch_model.bin'), source: 'pytorch_model.bin' };

  throw new Error(`No ViT weights found among [${[...files.keys()].join(', ')}]. Expected model.safetensors, model.safetensors.index.json or pytorch_model.bin.`);
}

function parseJson(bytes: Uint8Array, fileName: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`${fileName}: invalid JSON (${(error as Error).message}).`);
  }
}
