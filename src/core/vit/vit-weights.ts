import * as tf from '@tensorflow/tfjs-core';

import type { CheckpointTensor, CheckpointTensors } from '../clip/checkpoint-tensor';
import { type VitConfig, prefixTokenCount } from './vit-config';

/**
 * ViT weights under this project's names, the same for both checkpoint layouts:
 * `patch_embed.{weight,bias}` (weight [hidden, channels, patch, patch]), `cls_token` [1, 1, hidden],
 * `reg_token` [1, registers, hidden], `pos_embed` [1, tokens, hidden], per block `blocks.N.`
 * `norm1`, `attn.q`, `attn.k`, `attn.v`, `attn.proj`, `ls1`, `norm2`, `mlp.fc1`, `mlp.fc2`, `ls2`,
 * then `norm` and `fc_norm`. Linear weights keep the PyTorch layout [out, in].
 */
export type VitWeights = Map<string, tf.Tensor>;

/** Linear layers of one block that LoRA adapts by default: the attention projections. */
export const ATTENTION_PROJECTIONS = ['attn.q', 'attn.k', 'attn.v', 'attn.proj'] as const;

/** Number of position embeddings the checkpoint holds for `config` at its own image size. */
export function positionEmbeddingCount(config: VitConfig): number {
  const grid = config.imageSize / config.patchSize;
  return grid * grid + (config.positionEmbeddingPatchesOnly ? 0 : prefixTokenCount(config));
}

/** Shape of every tensor `config` needs, by this project's name. */
export function expectedVitShapes(config: VitConfig): Map<string, number[]> {
  const hidden = config.hiddenSize;
  const shapes = new Map<string, number[]>();
  const addNorm = (name: string) => {
    shapes.set(`${name}.weight`, [hidden]);
    shapes.set(`${name}.bias`, [hidden]);
  };
  const addLinear = (name: string, outFeatures: number, inFeatures: number, bias = true) => {
    shapes.set(`${name}.weight`, [outFeatures, inFeatures]);
    if (bias) shapes.set(`${name}.bias`, [outFeatures]);
  };

  shapes.set('patch_embed.weight', [hidden, config.numChannels, config.patchSize, config.patchSize]);
  shapes.set('patch_embed.bias', [hidden]);
  if (config.classToken) shapes.set('cls_token', [1, 1, hidden]);
  if (config.registerTokens > 0) shapes.set('reg_token', [1, config.registerTokens, hidden]);
  shapes.set('pos_embed', [1, positionEmbeddingCount(config), hidden]);

  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const block = `blocks.${layer}`;
    addNorm(`${block}.norm1`);
    for (const projection of ['q', 'k', 'v']) addLinear(`${block}.attn.${projection}`, hidden, hidden, config.qkvBias);
    addLinear(`${block}.attn.proj`, hidden, hidden);
    addNorm(`${block}.norm2`);
    addLinear(`${block}.mlp.fc1`, config.intermediateSize, hidden);
    addLinear(`${block}.mlp.fc2`, hidden, config.intermediateSize);
    if (config.layerScale) {
      shapes.set(`${block}.ls1`, [hidden]);
      shapes.set(`${block}.ls2`, [hidden]);
    }
  }

  if (config.finalNorm) addNorm('norm');
  if (config.poolNorm) addNorm('fc_norm');
  return shapes;
}

/**
 * Takes tensors out of a checkpoint by their file names, checking each shape, and remembers
 * which names were used so that leftover names can be rejected. Every error names the tensor
 * and the file.
 */
export class CheckpointTaker {
  private readonly used = new Set<string>();

  constructor(
    readonly tensors: CheckpointTensors,
    readonly source: string,
  ) {}

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  take(name: string, shape: readonly number[]): CheckpointTensor {
    const tensor = this.tensors.get(name);
    if (!tensor) {
      throw new Error(`${this.source}: tensor "${name}" is missing (expected shape [${shape.join(', ')}]). The checkpoint is incomplete or has another layout.`);
    }
    if (tensor.shape.join(',') !== shape.join(',')) {
      throw new Error(`${this.source}: tensor "${name}" has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}] from the config.`);
    }
    if (tensor.dtype !== 'float32') throw new Error(`${this.source}: tensor "${name}" is stored as integers; expected floating-point weights.`);
    this.used.add(name);
    return tensor;
  }

  /** Marks names that the model does not run (classifier heads, poolers) as read. */
  skip(name: string): void {
    this.used.add(name);
  }

  /** Names that were neither taken nor skipped. */
  unused(): string[] {
    return [...this.tensors.keys()].filter((name) => !this.used.has(name));
  }
}

/** Builds tf tensors of every expected weight from checkpoint tensors already under this project's names. */
export function toVitWeights(named: ReadonlyMap<string, CheckpointTensor>, config: VitConfig, source: string): VitWeights {
  const weights: VitWeights = new Map();
  for (const [name, shape] of expectedVitShapes(config)) {
    const tensor = named.get(name);
    if (!tensor) {
      tf.dispose([...weights.values()]);
      throw new Error(`${source}: tensor "${name}" is missing (expected shape [${shape.join(', ')}]).`);
    }
    if (tensor.shape.join(',') !== shape.join(',')) {
      tf.dispose([...weights.values()]);
      throw new Error(`${source}: tensor "${name}" has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}].`);
    }
    weights.set(name, tf.tensor(tensor.values as Float32Array, tensor.shape, 'float32'));
  }
  return weights;
}
