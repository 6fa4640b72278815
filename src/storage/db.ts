import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

import { runMigrations } from './db-migrations';
import { toStorageError } from './storage-error';

/**
 * The studio's IndexedDB database. Small structured records live here (runs,
 * checkpoint metadata, settings); large binaries (tiles, weights, embedding
 * caches) go to OPFS and are referenced by key.
 */
export interface StudioDbSchema extends DBSchema {
  runs: {
    key: string;
    value: StoredRun;
    indexes: { createdAt: number };
  };
  checkpoints: {
    key: string;
    value: StoredCheckpoint;
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
  /** Schema version of `payload`, for migrations of the run record itself. */
  version?: number;
  payload: unknown;
}

/** Checkpoint metadata; the weights live in OPFS under `weightsKey` and are written first. */
export interface StoredCheckpoint {
  runId: string;
  step: number;
  epoch: number;
  savedAt: number;
  weightsKey: string;
  /** Everything but the float payloads (order, RNG state, weight index). */
  meta: unknown;
}

export const DB_NAME = 'clip-it-studio';
export const DB_VERSION = 2;

let dbPromise: Promise<IDBPDatabase<StudioDbSchema>> | null = null;

export function openStudioDb(name = DB_NAME): Promise<IDBPDatabase<StudioDbSchema>> {
  if (name !== DB_NAME) return openWithMigrations(name);
  if (!dbPromise) {
    dbPromise = openWithMigrations(name).catch((error) => {
      dbPromise = null;
      throw error;
    });
  }
  return dbPromise;
}

function openWithMigrations(name: string): Promise<IDBPDatabase<StudioDbSchema>> {
  return openDB<StudioDbSchema>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      runMigrations(db, oldVersion, transaction);
    },
    blocked() {
      console.warn('[storage] another tab has an older version of the database open; close it to finish the upgrade');
    },
  }).catch((error) => {
    throw toStorageError(error, 'Opening the browser database');
  });
}
