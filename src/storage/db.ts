import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

import { toStorageError } from './storage-error';

/**
 * The studio's IndexedDB database. Small structured records live here (runs,
 * dataset manifests, settings); large binaries (tiles, weights, embedding
 * caches) go to OPFS and are referenced by key.
 */
export interface StudioDbSchema extends DBSchema {
  runs: {
    key: string;
    value: StoredRun;
    indexes: { createdAt: number };
  };
  kv: {
    key: string;
    value: unknown;
  };
}

export interface StoredRun {
  id: string;
  name: string;
  createdAt: number;
  /** Run record without the File objects; see run-storage.ts. */
  payload: unknown;
}

export const DB_NAME = 'clip-it-studio';
export const DB_VERSION = 1;

let dbPromise: Promise<IDBPDatabase<StudioDbSchema>> | null = null;

export function openStudioDb(): Promise<IDBPDatabase<StudioDbSchema>> {
  if (!dbPromise) {
    dbPromise = openDB<StudioDbSchema>(DB_NAME, DB_VERSION, {
      upgrade(db, oldVersion) {
        // Each block upgrades from one version to the next, so any older database reaches the current schema.
        if (oldVersion < 1) {
          const runs = db.createObjectStore('runs', { keyPath: 'id' });
          runs.createIndex('createdAt', 'createdAt');
          db.createObjectStore('kv');
        }
      },
    }).catch((error) => {
      dbPromise = null;
      throw toStorageError(error, 'Opening the browser database');
    });
  }
  return dbPromise;
}
