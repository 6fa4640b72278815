import * as tf from '@tensorflow/tfjs-core';

import type { SeededRng } from '../rng';
import { type LoraConfig, loraScale, uniqueVariableName, validateLoraConfig } from './lora-config';

/**
 * LoRA adapter for an embedding table [vocab, hidden]: row `i` becomes
 * `table[i] + (alpha / rank) * A[i] B`, with A [vocab, rank] and B [rank, hidden].
 * As in peft's Embedding adapter, A starts at zero and B normal(0, 1), so the untrained adapter
 * leaves every row unchanged. Dropout is not applied, since peft has none on token ids either.
 */
export class LoraEmbedding {
  readonly a: tf.Variable;
  readonly b: tf.Variable;
  readonly scale: number;

  constructor(
    readonly name: string,
    /** Frozen base table [vocab, hidden]; the caller keeps ownership. */
    readonly table: tf.Tensor2D,
    readonly config: LoraConfig,
    rng: SeededRng,
  ) {
    validateLoraConfig(config, name);
    const [vocabSize, hiddenSize] = table.shape;
    this.scale = loraScale(config);

    const initialA = tf.zeros([vocabSize, config.rank]);
    const initialB = tf.tensor2d(rng.normalArray(config.rank * hiddenSize), [config.rank, hiddenSize]);
    this.a = tf.variable(initialA, true, uniqueVariableName(`${name}.lora_A`));
    this.b = tf.variable(initialB, true, uniqueVariableName(`${name}.lora_B`));

    // The variables hold their own reference to the data, so the initial tensors can go.
    tf.dispose([initialA, initialB]);
  }

  get params(): Map<string, tf.Variable> {
    return new Map([
      [`${this.name}.lora_A`, this.a],
      [`${this.name}.lora_B`, this.b],
    ]);
  }

  /**
   * Adapted rows for the token ids `ids` (row-major, of shape `shape`); returns [...shape, hidden].
   * Only the rows of A that `ids` use enter the graph, and their gradient is scattered back into
   * A directly, so backpropagation costs the rows used, not the whole vocabulary.
   */
  lookup(ids: ArrayLike<number>, shape: number[]): tf.Tensor {
    const count = shape.reduce((product, size) => product * size, 1);
    if (count !== ids.length) throw new Error(`LoRA embedding "${this.name}": ${ids.length} ids do not fill shape [${shape.join(', ')}].`);

    const vocabSize = this.table.shape[0];
    const usedIds = [...new Set(Array.from(ids))].sort((x, y) => x - y);
    if (usedIds[0] < 0 || usedIds[usedIds.length - 1] >= vocabSize) {
      throw new Error(`LoRA embedding "${this.name}": token id outside [0, ${vocabSize}). Tokenize with the model's own tokenizer.`);
    }
    const localIndex = new Map(usedIds.map((id, index) => [id, index]));
    const local = Int32Array.from(ids, (id) => localIndex.get(id)!);

    return tf.tidy(() => {
      const hiddenSize = this.table.shape[1];
      // The base table is frozen, so a plain gather (no gradient) serves its rows.
      const base = tf.gather(this.table, tf.tensor1d(Int32Array.from(ids), 'int32'));

      const usedRows = gatherRowsScatterGrad(this.a, tf.tensor1d(usedIds, 'int32'));
      const lowRank = tf.gather(usedRows, tf.tensor1d(local, 'int32'));
      const delta = tf.matMul(lowRank, this.b);
      return tf.reshape(tf.add(base, tf.mul(delta, this.scale)), [...shape, hiddenSize]);
    });
  }

  /**
   * Builds the whole adapted table `table + (alpha / rank) * A B`, [vocab, hidden], for export.
   * Costs vocab x rank x hidden multiply-adds (49408 x 16 x 512 for a ViT-B CLIP), so training uses `lookup`.
   */
  merge(): tf.Tensor2D {
    return tf.tidy(() => tf.add(this.table, tf.mul(tf.matMul(this.a, this.b), this.scale)));
  }

  dispose(): void {
    this.a.dispose();
    this.b.dispose();
  }
}

/**
 * `tf.gather(table, rows)` for distinct `rows`, with the gradient written by scatterND instead of
 * gather's unsortedSegmentSum, whose tfjs CPU kernel runs one pass per table row (49408 for CLIP).
 */
function gatherRowsScatterGrad(table: tf.Tensor2D | tf.Variable, rows: tf.Tensor1D): tf.Tensor2D {
  // `rows` is an input and saved, so it outlives the caller's tidy until the backward pass.
  const gatherRows = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [source, rowIds, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([rowIds]);
    return {
      value: tf.gather(source, rowIds),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.scatterND(tf.reshape(saved[0], [-1, 1]), dy, source.shape), tf.zerosLike(saved[0])],
    };
  });
  return gatherRows(table, rows) as tf.Tensor2D;
}
