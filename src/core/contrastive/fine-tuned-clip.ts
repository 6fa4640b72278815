import * as tf from '@tensorflow/tfjs-core';

import { ClipModel } from '../clip/clip-model';
import { ClipWeights } from '../clip/clip-weights';
import { PATCH_EMBEDDING, TOKEN_EMBEDDING } from '../lora/clip-lora-layers';
import { type ClipLora } from '../lora/clip-lora';

/** Copies every weight of `model` into a new ClipModel, so fine-tuning the copy leaves the original untouched. */
export function copyClipModel(model: ClipModel): ClipModel {
  const weights = new ClipWeights();
  for (const name of model.weights.names()) weights.set(name, tf.clone(model.weights.get(name)));
  return new ClipModel(model.config, weights, model.preprocess);
}

/**
 * Builds a plain ClipModel with every adapter of `lora` folded into its base weight (vision, text and
 * the token-embedding table) and `logitScale` (the log of the multiplier) as its temperature. The
 * result has the checkpoint's names and shapes, so it can be written as a Hugging Face folder.
 */
export function mergeLoraIntoClip(lora: ClipLora, logitScale: number): ClipModel {
  const base = lora.clip;
  const weights = new ClipWeights();

  for (const name of base.weights.names()) {
    const weight = base.weights.get(name);
    const layer = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : null;
    const adapter = layer === null ? undefined : (lora.vision.get(layer) ?? lora.text.get(layer));

    if (name === 'logit_scale') weights.set(name, tf.scalar(logitScale));
    else if (layer === TOKEN_EMBEDDING && lora.tokenEmbedding) weights.set(name, lora.tokenEmbedding.merge());
    else if (adapter && layer === PATCH_EMBEDDING) weights.set(name, tf.tidy(() => tf.reshape(adapter.merge(tf.reshape(weight, [weight.shape[0], -1])), weight.shape)));
    else if (adapter) weights.set(name, tf.tidy(() => tf.reshape(adapter.merge(weight), weight.shape)));
    else weights.set(name, tf.clone(weight));
  }
  return new ClipModel(base.config, weights, base.preprocess);
}

/** Reads every weight of `model` back to the CPU asynchronously (for WebGPU and WebGL), in checkpoint order. */
export async function readClipWeightsAsync(model: ClipModel): Promise<Map<string, { shape: number[]; values: Float32Array }>> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const name of model.weights.names()) {
    const tensor = model.weights.get(name);
    out.set(name, { shape: [...tensor.shape], values: Float32Array.from((await tensor.data()) as Float32Array) });
  }
  return out;
}

/** Reads every weight of `model` back to the CPU in checkpoint order, for a safetensors file. */
export function readClipWeights(model: ClipModel): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const name of model.weights.names()) {
    const tensor = model.weights.get(name);
    out.set(name, { shape: [...tensor.shape], values: Float32Array.from(tensor.dataSync() as Float32Array) });
  }
  return out;
}
