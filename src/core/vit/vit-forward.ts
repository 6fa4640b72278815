import * as tf from '@tensorflow/tfjs';

import { type LinearHook, activate, plainLinear } from '../clip/clip-layers';
import { geluExact } from './gelu';
import { type VitConfig, prefixTokenCount } from './vit-config';
import type { VitWeights } from './vit-weights';

/** Name under which the patch embedding goes through the LinearHook (weight reshaped to [hidden, channels * patch * patch]). */
export const VIT_PATCH_EMBEDDING = 'patch_embed';

/**
 * Runs a pre-LayerNorm ViT on `images` [batch, size, size, 3] (NHWC, RGB in [0, 1]) and returns
 * the pooled features [batch, hidden]. `size` may differ from the pretraining size when it is a
 * multiple of the patch size: the patch position embeddings are then resized bicubically
 * (`patchPositions` returns them for a grid). Normalisation with the model's mean and std
 * happens here, so callers pass plain decoded pixels.
 * Intermediate tensors are left to the caller's tf.tidy or gradient scope.
 */
export function vitForward(
  weights: VitWeights,
  config: VitConfig,
  images: tf.Tensor4D,
  patchPositions: (grid: number) => tf.Tensor2D,
  hook: LinearHook = plainLinear,
): tf.Tensor2D {
  const [batch, height, width, channels] = images.shape;
  if (height !== width || height % config.patchSize !== 0 || channels !== config.numChannels) {
    throw new Error(
      `ViT input has shape [${images.shape.join(', ')}]; expected [batch, size, size, ${config.numChannels}] (NHWC) with size a multiple of the patch size ${config.patchSize}.`,
    );
  }
  const grid = height / config.patchSize;
  const hidden = config.hiddenSize;
  const get = (name: string) => requireWeight(weights, name);

  const normalised = tf.div(tf.sub(images, tf.tensor1d(config.imageMean)), tf.tensor1d(config.imageStd)) as tf.Tensor4D;
  let patches = embedPatches(get('patch_embed.weight'), get('patch_embed.bias'), config, normalised, grid, hook);

  const prefix: tf.Tensor[] = [];
  if (config.classToken) prefix.push(tf.tile(get('cls_token'), [batch, 1, 1]));
  if (config.registerTokens > 0) prefix.push(tf.tile(get('reg_token'), [batch, 1, 1]));

  const patchPosition = tf.reshape(patchPositions(grid), [1, grid * grid, hidden]);
  let tokens: tf.Tensor;
  if (config.positionEmbeddingPatchesOnly) {
    patches = tf.add(patches, patchPosition);
    tokens = tf.concat([...prefix, patches], 1);
  } else {
    // The prefix tokens' own position embeddings come first in pos_embed.
    const prefixCount = prefixTokenCount(config);
    const prefixPosition = tf.slice(get('pos_embed'), [0, 0, 0], [1, prefixCount, hidden]);
    tokens = tf.add(tf.concat([...prefix, patches], 1), tf.concat([prefixPosition, patchPosition], 1));
  }

  // Each block in its own tidy frees its intermediates (attention maps, MLP activations) when it
  // ends. Without that, a ViT-S/16 batch of 24 tiles at 224 px overflows the 4 GB WASM heap at
  // inference. Gradients still flow, because the tape keeps its own copies of saved tensors.
  let x = tokens;
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const input = x;
    x = tf.tidy(() => runBlock(weights, config, `blocks.${layer}`, input, hook));
  }
  if (config.finalNorm) x = layerNorm(get('norm.weight'), get('norm.bias'), x, config.layerNormEps);

  let pooled: tf.Tensor;
  if (config.pooling === 'cls') {
    pooled = tf.reshape(tf.slice(x, [0, 0, 0], [batch, 1, hidden]), [batch, hidden]);
  } else {
    const prefixCount = prefixTokenCount(config);
    pooled = tf.mean(tf.slice(x, [0, prefixCount, 0], [batch, grid * grid, hidden]), 1);
  }
  if (config.poolNorm) pooled = layerNorm(get('fc_norm.weight'), get('fc_norm.bias'), pooled, config.layerNormEps);
  return pooled as tf.Tensor2D;
}

/** Returns the patch position embeddings of the checkpoint's own grid, [grid * grid, hidden]. */
export function checkpointPatchPositions(weights: VitWeights, config: VitConfig): tf.Tensor2D {
  const positions = requireWeight(weights, 'pos_embed');
  const total = positions.shape[1]!;
  const prefixCount = config.positionEmbeddingPatchesOnly ? 0 : prefixTokenCount(config);
  return tf.tidy(() => tf.reshape(tf.slice(positions, [0, prefixCount, 0], [1, total - prefixCount, config.hiddenSize]), [total - prefixCount, config.hiddenSize]));
}

/**
 * Runs the patch convolution (kernel = stride = patch size) as a linear layer over flattened
 * patches, each flattened in (channel, row, column) order to match the weight [hidden, C, p, p].
 */
function embedPatches(weight: tf.Tensor, bias: tf.Tensor, config: VitConfig, images: tf.Tensor4D, grid: number, hook: LinearHook): tf.Tensor {
  const batch = images.shape[0];
  const patch = config.patchSize;
  const channels = config.numChannels;

  const blocks = tf.reshape(images, [batch, grid, patch, grid, patch, channels]);
  const ordered = tf.transpose(blocks, [0, 1, 3, 5, 2, 4]);
  const flatPatches = tf.reshape(ordered, [batch, grid * grid, channels * patch * patch]);

  const kernel = tf.reshape(weight, [config.hiddenSize, channels * patch * patch]);
  return hook(VIT_PATCH_EMBEDDING, flatPatches, kernel, bias);
}

function runBlock(weights: VitWeights, config: VitConfig, block: string, x: tf.Tensor, hook: LinearHook): tf.Tensor {
  const get = (name: string) => requireWeight(weights, name);
  const linear = (name: string, input: tf.Tensor, hasBias = true) => hook(name, input, get(`${name}.weight`), hasBias ? get(`${name}.bias`) : undefined);

  const attentionInput = layerNorm(get(`${block}.norm1.weight`), get(`${block}.norm1.bias`), x, config.layerNormEps);
  let attention = linear(`${block}.attn.proj`, selfAttention(config, block, attentionInput, linear));
  if (config.layerScale) attention = tf.mul(attention, get(`${block}.ls1`));
  let hidden = tf.add(x, attention);

  const mlpInput = layerNorm(get(`${block}.norm2.weight`), get(`${block}.norm2.bias`), hidden, config.layerNormEps);
  const hiddenActivation = linear(`${block}.mlp.fc1`, mlpInput);
  const intermediate = config.hiddenAct === 'gelu' ? geluExact(hiddenActivation) : activate(hiddenActivation, config.hiddenAct);
  let mlp = linear(`${block}.mlp.fc2`, intermediate);
  if (config.layerScale) mlp = tf.mul(mlp, get(`${block}.ls2`));
  hidden = tf.add(hidden, mlp);
  return hidden;
}

/** Multi-head self-attention without the output projection: softmax(q k^T / sqrt(head size)) v, heads merged. */
function selfAttention(config: VitConfig, block: string, x: tf.Tensor, linear: (name: string, input: tf.Tensor, hasBias?: boolean) => tf.Tensor): tf.Tensor {
  const [batch, length, hidden] = x.shape;
  const heads = config.numAttentionHeads;
  const headSize = hidden / heads;

  const splitHeads = (t: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(t, [batch, length, heads, headSize]), [0, 2, 1, 3]);
  const query = splitHeads(tf.mul(linear(`${block}.attn.q`, x, config.qkvBias), 1 / Math.sqrt(headSize)));
  const key = splitHeads(linear(`${block}.attn.k`, x, config.qkvBias));
  const value = splitHeads(linear(`${block}.attn.v`, x, config.qkvBias));

  const context = tf.matMul(tf.softmax(tf.matMul(query, key, false, true), -1), value);
  return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, length, hidden]);
}

function layerNorm(weight: tf.Tensor, bias: tf.Tensor, x: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normalised, weight), bias);
}

function requireWeight(weights: VitWeights, name: string): tf.Tensor {
  const tensor = weights.get(name);
  if (!tensor) throw new Error(`ViT weight "${name}" is missing; the model was built from an incomplete checkpoint.`);
  return tensor;
}
