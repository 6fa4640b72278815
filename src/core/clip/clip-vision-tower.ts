import * as tf from '@tensorflow/tfjs';

import { type ClipVisionConfig } from './clip-config';
import { type AttentionSink, type LinearHook, applyLinear, layerNorm, plainLinear, runEncoder } from './clip-layers';
import { type ClipWeights } from './clip-weights';

/**
 * Runs the vision tower on `pixelValues` [batch, channels, imageSize, imageSize] (NCHW, already
 * normalised): patch embedding, class token, position embeddings, pre_layrnorm, pre-LN encoder,
 * post_layernorm on the class token, visual_projection.
 * Returns projected, unnormalised embeddings [batch, projection_dim].
 * Intermediate tensors are left to the caller's tf.tidy (or gradient scope), as ClipModel.embedImages does.
 * `onAttention` receives each encoder layer's attention probabilities, for attention rollout.
 */
export function visionTowerForward(
  weights: ClipWeights,
  config: ClipVisionConfig,
  pixelValues: tf.Tensor4D,
  hook: LinearHook = plainLinear,
  onAttention?: AttentionSink,
): tf.Tensor2D {
  const [batch, channels, height, width] = pixelValues.shape;
  if (channels !== config.numChannels || height !== config.imageSize || width !== config.imageSize) {
    throw new Error(`CLIP vision input has shape [${pixelValues.shape.join(', ')}] but the model expects [batch, ${config.numChannels}, ${config.imageSize}, ${config.imageSize}] (NCHW).`);
  }

  const patches = embedPatches(weights, config, pixelValues, hook);
  const classToken = tf.tile(tf.reshape(weights.get('vision_model.embeddings.class_embedding'), [1, 1, config.hiddenSize]), [batch, 1, 1]);
  const tokens = tf.concat([classToken, patches], 1);
  const embeddings = tf.add(tokens, weights.get('vision_model.embeddings.position_embedding.weight'));

  const normalised = layerNorm(weights, 'vision_model.pre_layrnorm', embeddings, config.layerNormEps);
  const encoded = runEncoder(weights, 'vision_model.encoder', normalised, config, hook, undefined, onAttention);

  const classOutput = tf.reshape(tf.slice(encoded, [0, 0, 0], [batch, 1, config.hiddenSize]), [batch, config.hiddenSize]);
  const pooled = layerNorm(weights, 'vision_model.post_layernorm', classOutput, config.layerNormEps);

  return applyLinear(weights, 'visual_projection', pooled, hook, false) as tf.Tensor2D;
}

/**
 * The patch convolution (kernel = stride = patch size, no bias) written as a linear layer over
 * flattened patches, so that it goes through the same hook as every other linear layer.
 * Each patch is flattened in (channel, row, column) order to match the conv weight [hidden, C, p, p].
 */
function embedPatches(weights: ClipWeights, config: ClipVisionConfig, pixelValues: tf.Tensor4D, hook: LinearHook): tf.Tensor {
  const batch = pixelValues.shape[0];
  const patch = config.patchSize;
  const grid = config.imageSize / patch;
  const patchFeatures = config.numChannels * patch * patch;

  const blocks = tf.reshape(pixelValues, [batch, config.numChannels, grid, patch, grid, patch]);
  const ordered = tf.transpose(blocks, [0, 2, 4, 1, 3, 5]);
  const flatPatches = tf.reshape(ordered, [batch, grid * grid, patchFeatures]);

  const name = 'vision_model.embeddings.patch_embedding';
  const kernel = tf.reshape(weights.get(`${name}.weight`), [config.hiddenSize, patchFeatures]);
  return hook(name, flatPatches, kernel);
}
