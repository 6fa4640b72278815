/**
 * Retrieval metrics over a row-major similarity matrix [queries, candidates] held in CPU memory.
 */

/** Returns true when candidate `candidate` is relevant to (a correct match for) query `query`. */
export type RelevanceTest = (query: number, candidate: number) => boolean;

/** Diagonal relevance: query i is paired with candidate i, as in a list of (image, text) pairs. */
export const diagonalRelevance: RelevanceTest = (query, candidate) => query === candidate;

/**
 * Computes recall@k: the fraction of queries with at least one relevant candidate among their k
 * most similar candidates. A candidate tied with the k-th score counts as inside the top k only if
 * its index is lower, so ties never raise the figure. Queries without any relevant candidate count as misses.
 */
export function recallAtK(similarity: Float32Array, queries: number, candidates: number, k: number, isRelevant: RelevanceTest = diagonalRelevance): number {
  if (similarity.length !== queries * candidates) {
    throw new Error(`recallAtK: similarity has ${similarity.length} values, expected ${queries} x ${candidates} = ${queries * candidates}.`);
  }
  if (!Number.isInteger(k) || k < 1) throw new Error(`recallAtK: k must be a positive integer, got ${k}.`);
  if (queries === 0) throw new Error('recallAtK: there are no queries to score.');

  let hits = 0;
  for (let query = 0; query < queries; query++) {
    const ranking = rankCandidates(similarity, query, candidates).slice(0, k);
    if (ranking.some((candidate) => isRelevant(query, candidate))) hits += 1;
  }
  return hits / queries;
}

/** Returns candidate indices of one query by decreasing similarity, lowest index first among ties. */
export function rankCandidates(similarity: Float32Array, query: number, candidates: number): number[] {
  const offset = query * candidates;
  const order = Array.from({ length: candidates }, (_, index) => index);
  order.sort((a, b) => similarity[offset + b] - similarity[offset + a] || a - b);
  return order;
}

/** Transposes a row-major [rows, columns] matrix, e.g. to score text-to-image retrieval from image-to-text similarities. */
export function transposeMatrix(values: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) out[column * rows + row] = values[row * columns + column];
  }
  return out;
}
