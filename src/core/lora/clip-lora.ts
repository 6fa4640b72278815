import * as tf from '@tensorflow/tfjs-core';

import type { LinearHook } from '../clip/clip-layers';
import type { ClipModel } from '../clip/clip-model';
import type { SeededRng } from '../rng';
import { PATCH_EMBEDDING, TOKEN_EMBEDDING, clipLayerHasBias, listClipLinearLayers } from './clip-lora-layers';
import { DEFAULT_LORA_CONFIG, type LoraConfig } from './lora-config';
import { LoraDense } from './lora-dense';
import { LoraEmbedding } from './lora-embedding';
import { createLoraHook, isTargetModule } from './lora-hook';
import { adaptedTextForward } from './lora-text-tower';

/** Selection of the CLIP layers that get adapters. */
export interface ClipLoraOptions {
  lora: LoraConfig;
  vision: boolean;
  text: boolean;
  /** Adds an embedding adapter on the text tower's token table (the method adapts it too). */
  tokenEmbedding: boolean;
  /** peft-style module names (`q_proj`, `mlp.fc1`, `visual_projection`); undefined selects every linear layer. */
  targetModules?: string[];
}

export const DEFAULT_CLIP_LORA_OPTIONS: ClipLoraOptions = {
  lora: DEFAULT_LORA_CONFIG,
  vision: true,
  text: true,
  tokenEmbedding: true,
};

/**
 * LoRA adapters on a frozen CLIP model. The CLIP weights are never written: adapters enter
 * through the towers' LinearHook, and the token-embedding adapter through the token lookup of
 * adaptedTextForward. `mergedVisionWeights()` folds the vision adapters into copies of the
 * base weights for a vision-only export.
 */
export class ClipLora {
  readonly vision = new Map<string, LoraDense>();
  readonly text = new Map<string, LoraDense>();
  readonly tokenEmbedding: LoraEmbedding | undefined;
  /** Reshaped views of base weights that this object created and must dispose. */
  private readonly ownedViews: tf.Tensor[] = [];

  constructor(
    readonly clip: ClipModel,
    readonly options: ClipLoraOptions,
    rng: SeededRng,
  ) {
    const initRng = rng.fork('clip-lora-init');

    if (options.vision) this.addAdapters('vision', initRng);
    if (options.text) this.addAdapters('text', initRng);

    if (options.text && options.tokenEmbedding) {
      const table = clip.weights.get(`${TOKEN_EMBEDDING}.weight`) as tf.Tensor2D;
      this.tokenEmbedding = new LoraEmbedding(TOKEN_EMBEDDING, table, options.lora, initRng);
    }
  }

  /** Trainable weights of the vision adapters, keyed `${layer}.lora_A` / `.lora_B`. */
  get visionParams(): Map<string, tf.Variable> {
    return collectParams([...this.vision.values()]);
  }

  /** Trainable weights of the text adapters, including the token-embedding adapter. */
  get textParams(): Map<string, tf.Variable> {
    const adapters: { params: Map<string, tf.Variable> }[] = [...this.text.values()];
    if (this.tokenEmbedding) adapters.push(this.tokenEmbedding);
    return collectParams(adapters);
  }

  visionHook(rng?: SeededRng): LinearHook {
    return createLoraHook(this.vision, rng);
  }

  textHook(rng?: SeededRng): LinearHook {
    return createLoraHook(this.text, rng);
  }

  /** Adapted image embeddings [batch, projection_dim] of NCHW pixels; pass `rng` only in training. */
  embedImages(pixelValues: tf.Tensor4D, rng?: SeededRng): tf.Tensor2D {
    return this.clip.embedImages(pixelValues, this.visionHook(rng));
  }

  /** Adapted text embeddings [rows, projection_dim] of tokenised rows; pass `rng` only in training. */
  embedText(ids: readonly (readonly number[])[], rng?: SeededRng): tf.Tensor2D {
    const hook = this.textHook(rng);
    if (!this.tokenEmbedding) return this.clip.embedText(ids, hook);
    return adaptedTextForward(this.clip, ids, hook, this.tokenEmbedding);
  }

  /**
   * Copies of every vision-tower weight (`vision_model.*`, `visual_projection.weight`) with the
   * vision adapters merged in, in the checkpoint's shapes. The caller disposes them.
   */
  mergedVisionWeights(): Map<string, tf.Tensor> {
    const merged = new Map<string, tf.Tensor>();
    for (const name of this.clip.weights.names()) {
      if (!name.startsWith('vision_model.') && name !== 'visual_projection.weight') continue;

      const layer = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : name;
      const adapter = this.vision.get(layer);
      const base = this.clip.weights.get(name);
      merged.set(name, adapter ? tf.tidy(() => tf.reshape(adapter.merge(base), base.shape)) : tf.clone(base));
    }
    return merged;
  }

  dispose(): void {
    for (const adapter of [...this.vision.values(), ...this.text.values()]) adapter.dispose();
    this.tokenEmbedding?.dispose();
    tf.dispose(this.ownedViews);
    this.vision.clear();
    this.text.clear();
  }

  private addAdapters(tower: 'vision' | 'text', rng: SeededRng): void {
    const target = tower === 'vision' ? this.vision : this.text;

    for (const layer of listClipLinearLayers(this.clip.config, tower)) {
      if (!isTargetModule(layer, this.options.targetModules)) continue;

      let weight = this.clip.weights.get(`${layer}.weight`);
      if (layer === PATCH_EMBEDDING) {
        // The vision tower runs the patch convolution as a linear layer over flattened patches.
        weight = tf.reshape(weight, [weight.shape[0], -1]);
        this.ownedViews.push(weight);
      }
      const bias = clipLayerHasBias(layer) ? (this.clip.weights.get(`${layer}.bias`) as tf.Tensor1D) : undefined;
      target.set(layer, new LoraDense(layer, weight as tf.Tensor2D, bias, this.options.lora, rng));
    }
  }
}

function collectParams(adapters: { params: Map<string, tf.Variable> }[]): Map<string, tf.Variable> {
  const params = new Map<string, tf.Variable>();
  for (const adapter of adapters) for (const [name, variable] of adapter.params) params.set(name, variable);
  return params;
}
