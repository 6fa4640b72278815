import type { EmbeddingMatrix } from '../clip-protocol';
import { openStudioDb } from './db';
import { readBlob, writeBlob } from './opfs';
import { toStorageError } from './storage-error';

/**
 * Embeddings cached in browser storage, so a second retrieval over the same
 * images or reports skips the encoder. The key must cover everything that
 * changes the numbers: the weights hash (a fine-tuned CLIP must not reuse its
 * base model's embeddings), the preprocessing, the text settings and the
 * input content. See `embeddingCacheKey`.
 */
export interface CacheKeyParts {
  weightsSha256: string;
  /** Preprocessing of images, or tokenisation and passage settings of texts. */
  settings: unknown;
  /** One content id per input row, in order (file SHA-256 or the text itself). */
  contents: readonly string[];
}

export async function embeddingCacheKey(kind: 'image' | 'text', parts: CacheKeyParts): Promise<string> {
  const text = JSON.stringify([kind, parts.weightsSha256, parts.settings, parts.contents]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return `${kind}-${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

interface CacheMeta {
  rows: number;
  dims: number;
  savedAt: number;
}

export async function readCachedEmbeddings(key: string): Promise<EmbeddingMatrix | null> {
  try {
    const db = await openStudioDb();
    const meta = (await db.get('kv', `embeddings:${key}`)) as CacheMeta | undefined;
    if (!meta) return null;

    const file = await readBlob(`embeddings/${key}.f32`);
    if (!file || file.size !== meta.rows * meta.dims * 4) return null;
    return { values: new Float32Array(await file.arrayBuffer()), rows: meta.rows, dims: meta.dims };
  } catch (error) {
    // A damaged cache entry only costs a recomputation.
    console.warn(`[embedding cache] entry ${key} unreadable, recomputing:`, error);
    return null;
  }
}

/** Stores embeddings: the payload first, then the metadata that marks the entry as complete. */
export async function writeCachedEmbeddings(key: string, matrix: EmbeddingMatrix): Promise<void> {
  try {
    await writeBlob(`embeddings/${key}.f32`, matrix.values.slice().buffer);
    const db = await openStudioDb();
    const meta: CacheMeta = { rows: matrix.rows, dims: matrix.dims, savedAt: Date.now() };
    await db.put('kv', meta, `embeddings:${key}`);
  } catch (error) {
    throw toStorageError(error, 'Caching embeddings');
  }
}
