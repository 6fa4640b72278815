import * as tf from '@tensorflow/tfjs';

import { type ClipTextConfig } from './clip-config';
import { type LinearHook, applyLinear, causalMask, layerNorm, plainLinear, runEncoder } from './clip-layers';
import { type ClipWeights } from './clip-weights';

/** Token ids of a batch, padded to one length, with the position each row is pooled at. */
export interface TextBatch {
  ids: tf.Tensor2D;
  poolPositions: Int32Array;
}

/**
 * Pads `ids` (unpadded rows from the tokenizer) with `padTokenId` to the longest row and finds the
 * pooling position of each row. Padding after the end token does not change the result because
 * attention is causal. `padTokenId` is `<|endoftext|>` (49407) in the CLIP tokenizer config.
 */
export function prepareTextBatch(ids: readonly (readonly number[])[], config: ClipTextConfig, padTokenId: number): TextBatch {
  if (ids.length === 0) throw new Error('CLIP text batch is empty: pass at least one row of token ids.');

  const length = Math.max(...ids.map((row) => row.length));
  if (length > config.maxPositionEmbeddings) {
    throw new Error(`CLIP text batch has a row of ${length} tokens, more than the ${config.maxPositionEmbeddings} positions of the model. Truncate with the tokenizer.`);
  }

  const flat = new Int32Array(ids.length * length).fill(padTokenId);
  const poolPositions = new Int32Array(ids.length);
  ids.forEach((row, rowIndex) => {
    for (let position = 0; position < row.length; position++) {
      const id = row[position];
      if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) {
        throw new Error(`CLIP text batch row ${rowIndex}: token id ${id} at position ${position} is outside the vocabulary of ${config.vocabSize}.`);
      }
      flat[rowIndex * length + position] = id;
    }
    poolPositions[rowIndex] = findPoolPosition(row, config.eosTokenId, rowIndex);
  });

  return { ids: tf.tensor2d(flat, [ids.length, length], 'int32'), poolPositions };
}

/**
 * transformers' CLIPTextTransformer pooling: with the legacy eos_token_id 2 it pools at the first
 * position of the highest id (`<|endoftext|>` is the highest CLIP id), otherwise at the first eos id.
 */
function findPoolPosition(row: readonly number[], eosTokenId: number, rowIndex: number): number {
  if (eosTokenId === 2) {
    let best = 0;
    for (let position = 1; position < row.length; position++) if (row[position] > row[best]) best = position;
    return best;
  }

  const position = row.indexOf(eosTokenId);
  if (position < 0) {
    throw new Error(`CLIP text batch row ${rowIndex} has no end token (id ${eosTokenId}). Tokenize with the CLIP tokenizer, which appends it.`);
  }
  return position;
}

/**
 * Runs the text tower: token + position embeddings, causal pre-LN encoder, final_layer_norm,
 * pooling, text_projection. Returns projected, unnormalised embeddings [batch, projection_dim].
 * Intermediate tensors are left to the caller's tf.tidy (or gradient scope), as ClipModel.embedText does.
 */
export function textTowerForward(
  weights: ClipWeights,
  config: ClipTextConfig,
  batch: TextBatch,
  hook: LinearHook = plainLinear,
): tf.Tensor2D {
  const [batchSize, length] = batch.ids.shape;

  const tokens = tf.gather(weights.get('text_model.embeddings.token_embedding.weight'), batch.ids);
  const positions = tf.slice(weights.get('text_model.embeddings.position_embedding.weight'), [0, 0], [length, config.hiddenSize]);
  const embeddings = tf.add(tokens, positions);

  const encoded = runEncoder(weights, 'text_model.encoder', embeddings, config, hook, causalMask(length));
  const normalised = layerNorm(weights, 'text_model.final_layer_norm', encoded, config.layerNormEps);

  const flatIndices = Array.from(batch.poolPositions, (position, row) => row * length + position);
  const pooled = tf.gather(tf.reshape(normalised, [batchSize * length, config.hiddenSize]), flatIndices);

  return applyLinear(weights, 'text_projection', pooled, hook, false) as tf.Tensor2D;
}
