import { type ClipModel } from './clip-model';

export interface EmbedTextBatchesOptions {
  /** Texts per forward pass. Default 64. */
  batchSize?: number;
  /** Called after each batch with the number of texts embedded so far. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Pads every row to this many tokens by repeating its end token. GPU
   * backends compile a shader per tensor shape, so one fixed length costs a
   * few wasted positions but saves a compilation per batch.
   */
  padTo?: number;
}

/**
 * Embeds many tokenised texts, batching texts of similar length together so that little padding is
 * computed. Returns row-major projected embeddings [texts, projection_dim] in the input order.
 * Padding never changes a row's embedding because attention is causal and pooling stops at the end token.
 */
export async function embedTextBatches(
  model: ClipModel,
  ids: readonly (readonly number[])[],
  options: EmbedTextBatchesOptions = {},
): Promise<Float32Array> {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`embedTextBatches: batchSize must be a positive integer, got ${batchSize}.`);
  }

  const dim = model.config.projectionDim;
  const out = new Float32Array(ids.length * dim);
  const order = ids.map((_, index) => index).sort((a, b) => ids[a].length - ids[b].length || a - b);

  for (let start = 0; start < order.length; start += batchSize) {
    const batchOrder = order.slice(start, start + batchSize);
    const rows = batchOrder.map((index) => padRow(ids[index], options.padTo));
    const embeds = model.embedText(rows);

    try {
      const values = await embeds.data();
      batchOrder.forEach((index, row) => out.set(values.subarray(row * dim, (row + 1) * dim), index * dim));
    } finally {
      embeds.dispose();
    }
    options.onProgress?.(Math.min(start + batchSize, order.length), order.length);
  }
  return out;
}

function padRow(row: readonly number[], padTo: number | undefined): readonly number[] {
  if (padTo === undefined || row.length >= padTo || row.length === 0) return row;
  return [...row, ...new Array<number>(padTo - row.length).fill(row[row.length - 1])];
}
