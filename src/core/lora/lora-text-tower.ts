import * as tf from '@tensorflow/tfjs-core';

import { type LinearHook, applyLinear, causalMask, layerNorm, runEncoder } from '../clip/clip-layers';
import type { ClipModel } from '../clip/clip-model';
import { prepareTextBatch } from '../clip/clip-text-tower';
import type { LoraEmbedding } from './lora-embedding';

/**
 * Runs the CLIP text tower with a LoRA token-embedding lookup: the same steps as textTowerForward
 * (token + position embeddings, causal encoder, final_layer_norm, pooling, text_projection),
 * but token rows come from `tokens.lookup`. textTowerForward gathers rows from a whole table,
 * which would force building the adapted [vocab, hidden] table on every step. prepareTextBatch
 * still validates the ids and finds the pooling positions.
 * Returns projected, unnormalised embeddings [rows, projection_dim].
 */
export function adaptedTextForward(clip: ClipModel, ids: readonly (readonly number[])[], hook: LinearHook, tokens: LoraEmbedding): tf.Tensor2D {
  return tf.tidy(() => {
    const config = clip.config.text;
    // Same padding id as ClipModel: <|endoftext|>, the highest id when eos_token_id is the legacy 2.
    const padTokenId = config.eosTokenId === 2 ? config.vocabSize - 1 : config.eosTokenId;
    const batch = prepareTextBatch(ids, config, padTokenId);
    const [batchSize, length] = batch.ids.shape;

    const tokenRows = tokens.lookup(paddedIds(ids, length, padTokenId), [batchSize, length]);
    const positions = tf.slice(clip.weights.get('text_model.embeddings.position_embedding.weight'), [0, 0], [length, config.hiddenSize]);
    const embeddings = tf.add(tokenRows, positions);

    const encoded = runEncoder(clip.weights, 'text_model.encoder', embeddings, config, hook, causalMask(length));
    const normalised = layerNorm(clip.weights, 'text_model.final_layer_norm', encoded, config.layerNormEps);

    const flatIndices = Array.from(batch.poolPositions, (position, row) => row * length + position);
    const pooled = tf.gather(tf.reshape(normalised, [batchSize * length, config.hiddenSize]), flatIndices);
    return applyLinear(clip.weights, 'text_projection', pooled, hook, false) as tf.Tensor2D;
  });
}

/** Pads the rows of `ids` with `padTokenId` to `length` (row-major), as prepareTextBatch pads them. */
function paddedIds(ids: readonly (readonly number[])[], length: number, padTokenId: number): Int32Array {
  const flat = new Int32Array(ids.length * length).fill(padTokenId);
  ids.forEach((row, rowIndex) => flat.set(row, rowIndex * length));
  return flat;
}
