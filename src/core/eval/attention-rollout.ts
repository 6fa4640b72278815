/**
 * Attention rollout (Abnar and Zuidema 2020, "Quantifying Attention Flow in
 * Transformers"): how much each image patch flows into the class token
 * through all encoder layers of a ViT, with the residual connection modelled
 * as an identity term in every layer.
 */

import * as tf from '@tensorflow/tfjs';

import type { ClipVisionConfig } from '../clip/clip-config';
import { visionTowerForward } from '../clip/clip-vision-tower';
import type { ClipWeights } from '../clip/clip-weights';

export interface RolloutOptions {
  /** Share of the identity (residual path) in each layer's attention: A' = (1 - w) A + w I. Default 0.5, as in the paper. */
  residualWeight?: number;
  /** Head fusion: the mean over a layer's heads (as in the paper) or their maximum. */
  headFusion?: 'mean' | 'max';
}

/**
 * Rolls out per-layer attention probabilities, each [batch, heads, tokens,
 * tokens] with the class token first, and returns the class token's row
 * without itself: [batch, tokens - 1], scaled so each row's max is 1.
 * The caller disposes the result.
 */
export function attentionRollout(attentions: readonly tf.Tensor4D[], options: RolloutOptions = {}): tf.Tensor2D {
  const residualWeight = options.residualWeight ?? 0.5;
  if (!(residualWeight >= 0 && residualWeight <= 1)) {
    throw new Error(`Invalid rollout residual weight ${residualWeight}: expected a value in [0, 1].`);
  }
  if (attentions.length === 0) throw new Error('Attention rollout needs the attention of at least one layer.');

  const [batch, , tokens] = attentions[0].shape;
  for (const [layer, attention] of attentions.entries()) {
    if (attention.shape[0] !== batch || attention.shape[2] !== tokens || attention.shape[3] !== tokens) {
      throw new Error(`Attention of layer ${layer} has shape [${attention.shape.join(', ')}], expected [${batch}, heads, ${tokens}, ${tokens}].`);
    }
  }

  return tf.tidy(() => {
    const identity = tf.eye(tokens).expandDims(0);
    let rollout: tf.Tensor = tf.tile(identity, [batch, 1, 1]);

    for (const attention of attentions) {
      const fused = options.headFusion === 'max' ? tf.max(attention, 1) : tf.mean(attention, 1);
      const withResidual = tf.add(tf.mul(fused, 1 - residualWeight), tf.mul(identity, residualWeight));

      // Rows are renormalised because max fusion does not keep them summing to 1.
      const normalised = tf.div(withResidual, tf.sum(withResidual, -1, true));
      rollout = tf.matMul(normalised, rollout);
    }

    const classRow = tf.reshape(tf.slice(rollout, [0, 0, 1], [batch, 1, tokens - 1]), [batch, tokens - 1]);
    return tf.div(classRow, tf.maximum(tf.max(classRow, 1, true), 1e-12)) as tf.Tensor2D;
  });
}

/**
 * Runs the CLIP vision tower on `pixelValues` (NCHW, preprocessed) and returns
 * the rollout map per image on the patch grid, [batch, grid, grid], max 1.
 */
export function visionAttentionRollout(
  weights: ClipWeights,
  config: ClipVisionConfig,
  pixelValues: tf.Tensor4D,
  options: RolloutOptions = {},
): tf.Tensor3D {
  const grid = config.imageSize / config.patchSize;
  return tf.tidy(() => {
    const attentions: tf.Tensor4D[] = [];
    visionTowerForward(weights, config, pixelValues, undefined, (_layer, probabilities) => attentions.push(probabilities));
    const rollout = attentionRollout(attentions, options);
    return tf.reshape(rollout, [pixelValues.shape[0], grid, grid]) as tf.Tensor3D;
  });
}
