import type { IDBPDatabase } from 'idb';

import type { StudioDbSchema } from './db';
import type { ProjectFiles } from './opfs-tree';

export interface ProjectSize {
  /** Estimate, because browsers report IndexedDB usage per origin only: the sum of the records' contents. */
  databaseBytes: number;
  /** Exact sum of the project's OPFS file sizes. */
  fileBytes: number;
}

/**
 * Estimates the bytes a structured value takes: binary data by its length,
 * strings by their length, numbers as 8 bytes. The browser's own encoding
 * and compression make the real figure differ.
 */
export function estimateValueBytes(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number') return 8;
  if (typeof value === 'boolean') return 1;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof Blob) return value.size;
  if (value instanceof Map) return [...value].reduce((sum, [k, v]) => sum + estimateValueBytes(k) + estimateValueBytes(v), 0);
  if (value instanceof Set || Array.isArray(value)) return [...value].reduce((sum: number, v) => sum + estimateValueBytes(v), 0);
  if (typeof value === 'object') {
    return Object.entries(value).reduce((sum, [k, v]) => sum + k.length + estimateValueBytes(v), 0);
  }
  return 8;
}

export async function measureProjectSize(db: IDBPDatabase<StudioDbSchema>, files: ProjectFiles): Promise<ProjectSize> {
  let databaseBytes = 0;
  for (const store of db.objectStoreNames) {
    const values = await db.getAll(store);
    for (const value of values) databaseBytes += estimateValueBytes(value);
  }

  const listed = await files.list();
  const fileBytes = listed.reduce((sum, file) => sum + file.size, 0);
  return { databaseBytes, fileBytes };
}
