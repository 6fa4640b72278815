import * as tf from '@tensorflow/tfjs';

import { type HiddenAct } from './clip-config';
import { type ClipWeights } from './clip-weights';

/**
 * Building blocks shared by the CLIP text and vision towers, laid out as transformers' CLIPEncoderLayer.
 * Every function is pure tfjs with no reads back to the CPU, so gradients flow through it.
 */

/**
 * Hook that applies one linear layer `y = x W^T + b` with `weight` of shape [out, in] (PyTorch layout).
 * `name` is the Hugging Face module name without `.weight`, e.g.
 * `vision_model.encoder.layers.0.self_attn.q_proj`, so a hook can add LoRA deltas per module.
 */
export type LinearHook = (name: string, x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor) => tf.Tensor;

/** Plain matmul over the last axis of `x`, any rank. */
export const plainLinear: LinearHook = (_name, x, weight, bias) => {
  const inFeatures = x.shape[x.shape.length - 1];
  const outFeatures = weight.shape[0];
  const flat = tf.reshape(x, [-1, inFeatures]);

  let y = tf.matMul(flat, weight, false, true);
  if (bias) y = tf.add(y, bias);

  return tf.reshape(y, [...x.shape.slice(0, -1), outFeatures]);
};

/** Runs the linear layer `name` from `weights` through `hook`, with its bias when `hasBias`. */
export function applyLinear(weights: ClipWeights, name: string, x: tf.Tensor, hook: LinearHook, hasBias = true): tf.Tensor {
  const bias = hasBias ? weights.get(`${name}.bias`) : undefined;
  return hook(name, x, weights.get(`${name}.weight`), bias);
}

export function layerNorm(weights: ClipWeights, name: string, x: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normalised, weights.get(`${name}.weight`)), weights.get(`${name}.bias`));
}

export function activate(x: tf.Tensor, act: HiddenAct): tf.Tensor {
  switch (act) {
    case 'quick_gelu':
      return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    case 'gelu_new':
    case 'gelu_pytorch_tanh': {
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
    }
    case 'relu':
      return tf.relu(x);
  }
}

/** Additive mask of shape [length, length]: 0 on and below the diagonal, a large negative value above. */
export function causalMask(length: number): tf.Tensor2D {
  return tf.tidy(() => {
    const lower = tf.linalg.bandPart(tf.ones([length, length]), -1, 0);
    return tf.mul(tf.sub(lower, 1), 1e9) as tf.Tensor2D;
  });
}

export interface EncoderSettings {
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  hiddenAct: HiddenAct;
  layerNormEps: number;
}

/** Receives the attention probabilities [batch, heads, length, length] of each encoder layer. */
export type AttentionSink = (layer: number, probabilities: tf.Tensor4D) => void;

/**
 * Runs the pre-LayerNorm encoder `${prefix}.layers.N` over `x` [batch, length, hidden].
 * `mask` is added to the attention scores of every head, e.g. the causal mask of the text tower.
 * `onAttention` receives each layer's attention probabilities (for attention rollout), which belong to the caller's tidy scope.
 */
export function runEncoder(
  weights: ClipWeights,
  prefix: string,
  x: tf.Tensor,
  settings: EncoderSettings,
  hook: LinearHook,
  mask?: tf.Tensor,
  onAttention?: AttentionSink,
): tf.Tensor {
  let hidden = x;
  for (let layer = 0; layer < settings.numHiddenLayers; layer++) {
    const layerName = `${prefix}.layers.${layer}`;

    const attentionInput = layerNorm(weights, `${layerName}.layer_norm1`, hidden, settings.layerNormEps);
    const sink = onAttention ? (probabilities: tf.Tensor4D) => onAttention(layer, probabilities) : undefined;
    hidden = tf.add(hidden, selfAttention(weights, `${layerName}.self_attn`, attentionInput, settings, hook, mask, sink));

    const mlpInput = layerNorm(weights, `${layerName}.layer_norm2`, hidden, settings.layerNormEps);
    const intermediate = activate(applyLinear(weights, `${layerName}.mlp.fc1`, mlpInput, hook), settings.hiddenAct);
    hidden = tf.add(hidden, applyLinear(weights, `${layerName}.mlp.fc2`, intermediate, hook));
  }
  return hidden;
}

function selfAttention(
  weights: ClipWeights,
  name: string,
  x: tf.Tensor,
  settings: EncoderSettings,
  hook: LinearHook,
  mask?: tf.Tensor,
  onAttention?: (probabilities: tf.Tensor4D) => void,
): tf.Tensor {
  const [batch, length, hidden] = x.shape;
  const heads = settings.numAttentionHeads;
  const headSize = hidden / heads;

  const splitHeads = (t: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(t, [batch, length, heads, headSize]), [0, 2, 1, 3]);
  const query = splitHeads(tf.mul(applyLinear(weights, `${name}.q_proj`, x, hook), 1 / Math.sqrt(headSize)));
  const key = splitHeads(applyLinear(weights, `${name}.k_proj`, x, hook));
  const value = splitHeads(applyLinear(weights, `${name}.v_proj`, x, hook));

  let scores = tf.matMul(query, key, false, true);
  if (mask) scores = tf.add(scores, mask);
  const probabilities = tf.softmax(scores, -1) as tf.Tensor4D;
  onAttention?.(probabilities);
  const context = tf.matMul(probabilities, value);

  const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, length, hidden]);
  return applyLinear(weights, `${name}.out_proj`, merged, hook);
}
