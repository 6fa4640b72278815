import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import type { ClipVisionConfig } from '../../../src/core/clip/clip-config';
import { ClipWeights } from '../../../src/core/clip/clip-weights';
import { attentionRollout, visionAttentionRollout } from '../../../src/core/eval/attention-rollout';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Builds one layer of two heads over three tokens (class token, patch 1, patch 2). Patches attend to themselves. */
function layerOne(): tf.Tensor4D {
  const head0 = [0.2, 0.6, 0.2, 0, 1, 0, 0, 0, 1];
  const head1 = [0, 0.2, 0.8, 0, 1, 0, 0, 0, 1];
  return tf.tensor4d([...head0, ...head1], [1, 2, 3, 3]);
}

/** Builds one layer where the class token attends half to itself and half to patch 1. Patches attend to themselves. */
function layerTwo(): tf.Tensor4D {
  return tf.tensor4d([0.5, 0.5, 0, 0, 1, 0, 0, 0, 1], [1, 1, 3, 3]);
}

describe('attentionRollout', () => {
  it('one layer matches the hand-computed rollout', () => {
    // Mean over heads of the class row: [0.1, 0.4, 0.5]; with the residual: 0.5 * that + 0.5 * [1, 0, 0]
    // = [0.55, 0.2, 0.25]. Patches [0.2, 0.25], scaled to max 1: [0.8, 1].
    const attention = layerOne();

    const rollout = attentionRollout([attention]);

    expect(rollout.shape).toEqual([1, 2]);
    const values = Array.from(rollout.dataSync());
    expect(values[0]).toBeCloseTo(0.8, 6);
    expect(values[1]).toBeCloseTo(1, 6);
    tf.dispose([attention, rollout]);
  });

  it('two layers multiply in order', () => {
    // Layer 2 with the residual has class row [0.5, 0.5, 0] + ... = [0.75, 0.25, 0]; patch 1 row [0, 1, 0].
    // Rollout class row = 0.75 * [0.55, 0.2, 0.25] + 0.25 * [0, 1, 0] = [0.4125, 0.4, 0.1875].
    // Patches [0.4, 0.1875], scaled: [1, 0.46875].
    const first = layerOne();
    const second = layerTwo();

    const rollout = attentionRollout([first, second]);
    const values = Array.from(rollout.dataSync());

    expect(values[0]).toBeCloseTo(1, 6);
    expect(values[1]).toBeCloseTo(0.46875, 6);
    tf.dispose([first, second, rollout]);
  });

  it('max head fusion renormalises rows', () => {
    // Max over heads of the class row: [0.2, 0.6, 0.8]; with the residual: [0.6, 0.3, 0.4], sum 1.3.
    // Patches [0.3, 0.4] / 1.3, scaled: [0.75, 1].
    const attention = layerOne();

    const rollout = attentionRollout([attention], { headFusion: 'max' });
    const values = Array.from(rollout.dataSync());

    expect(values[0]).toBeCloseTo(0.75, 6);
    expect(values[1]).toBeCloseTo(1, 6);
    tf.dispose([attention, rollout]);
  });

  it('rejects bad input', () => {
    const attention = layerOne();
    const wrong = tf.zeros([1, 1, 4, 4]) as tf.Tensor4D;

    expect(() => attentionRollout([])).toThrow(/at least one layer/);
    expect(() => attentionRollout([attention], { residualWeight: 2 })).toThrow(/residual weight 2/);
    expect(() => attentionRollout([attention, wrong])).toThrow(/layer 1 has shape \[1, 1, 4, 4\]/);
    tf.dispose([attention, wrong]);
  });
});

/** A one-layer ViT of hidden size 4 on 4x4 images in 2x2 patches: a 2x2 grid of patches. */
const VISION: ClipVisionConfig = {
  hiddenSize: 4,
  intermediateSize: 4,
  numHiddenLayers: 1,
  numAttentionHeads: 1,
  imageSize: 4,
  patchSize: 2,
  numChannels: 3,
  hiddenAct: 'relu',
  layerNormEps: 1e-5,
};

/**
 * Weights where the patch content plays no part: tokens are their position
 * embeddings only. The class token and the patch `focus` share a large
 * position embedding; with q = 5 I and k = I their scores dominate, so the
 * class token attends to itself and to that patch only.
 */
function focusedVit(focus: number): ClipWeights {
  const weights = new ClipWeights();
  const hidden = VISION.hiddenSize;
  const tokens = (VISION.imageSize / VISION.patchSize) ** 2 + 1;
  const identity = (scale: number) => tf.mul(tf.eye(hidden), scale);

  weights.set('vision_model.embeddings.class_embedding', tf.zeros([hidden]));
  weights.set('vision_model.embeddings.patch_embedding.weight', tf.zeros([hidden, 3, VISION.patchSize, VISION.patchSize]));
  const positions = new Float32Array(tokens * hidden);
  positions[0] = 10;
  positions[(1 + focus) * hidden] = 10;
  weights.set('vision_model.embeddings.position_embedding.weight', tf.tensor2d(positions, [tokens, hidden]));

  for (const norm of ['vision_model.pre_layrnorm', 'vision_model.post_layernorm', 'vision_model.encoder.layers.0.layer_norm1', 'vision_model.encoder.layers.0.layer_norm2']) {
    weights.set(`${norm}.weight`, tf.ones([hidden]));
    weights.set(`${norm}.bias`, tf.zeros([hidden]));
  }

  const layer = 'vision_model.encoder.layers.0';
  weights.set(`${layer}.self_attn.q_proj.weight`, identity(5));
  weights.set(`${layer}.self_attn.k_proj.weight`, identity(1));
  weights.set(`${layer}.self_attn.v_proj.weight`, tf.zeros([hidden, hidden]));
  weights.set(`${layer}.self_attn.out_proj.weight`, tf.zeros([hidden, hidden]));
  for (const projection of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) weights.set(`${layer}.self_attn.${projection}.bias`, tf.zeros([hidden]));
  weights.set(`${layer}.mlp.fc1.weight`, tf.zeros([VISION.intermediateSize, hidden]));
  weights.set(`${layer}.mlp.fc1.bias`, tf.zeros([VISION.intermediateSize]));
  weights.set(`${layer}.mlp.fc2.weight`, tf.zeros([hidden, VISION.intermediateSize]));
  weights.set(`${layer}.mlp.fc2.bias`, tf.zeros([hidden]));
  weights.set('visual_projection.weight', tf.zeros([2, hidden]));
  return weights;
}

describe('visionAttentionRollout', () => {
  it('highlights the patch the class token attends to', () => {
    const pixels = tf.randomUniform([1, 3, 4, 4], -1, 1, 'float32', 7) as tf.Tensor4D;

    for (const focus of [0, 3]) {
      const weights = focusedVit(focus);

      const map = visionAttentionRollout(weights, VISION, pixels);
      const values = Array.from(map.dataSync());

      expect(map.shape).toEqual([1, 2, 2]);
      expect(values[focus]).toBeCloseTo(1, 5);
      for (const [patch, value] of values.entries()) {
        if (patch !== focus) expect(value).toBeLessThan(0.01);
      }
      tf.dispose(map);
      weights.dispose();
    }
    pixels.dispose();
  });

  it('leaves no tensors behind', () => {
    const pixels = tf.randomUniform([2, 3, 4, 4], -1, 1, 'float32', 3) as tf.Tensor4D;
    const weights = focusedVit(2);
    const before = tf.memory().numTensors;

    const map = visionAttentionRollout(weights, VISION, pixels);
    map.dispose();

    expect(tf.memory().numTensors).toBe(before);
    weights.dispose();
    pixels.dispose();
  });
});
