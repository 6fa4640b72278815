import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

import { runMigrations } from './db-migrations';
import { currentDbName, projectDbName, DEFAULT_PROJECT_ID } from './project-scope';
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
  /** Loaded report sources; the file bytes live in OPFS under `bytesKeys`, written first. */
  reportSources: {
    key: string;
    value: StoredReportSource;
  };
  /** Finished CLIP-IT comparisons (baseline, text classifier, CLIP-IT) with their curves and metrics. */
  comparisons: {
    key: string;
    value: StoredComparison;
    indexes: { createdAt: number };
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

export interface StoredReportSource {
  id: string;
  /** Position in the list of sources, so the merged corpus keeps its order. */
  order: number;
  name: string;
  kind: string;
  textField: string | null;
  idField: string | null;
  /** One OPFS key per file of the source, in the order of `paths`. */
  paths: string[];
  bytesKeys: string[];
}

export interface StoredComparison {
  id: string;
  createdAt: number;
  payload: unknown;
}

/** Name of the default project's database. */
export const DB_NAME = projectDbName(DEFAULT_PROJECT_ID);
export const DB_VERSION = 3;

/** Open connections by database name, so every module shares one connection per project. */
const connections = new Map<string, Promise<IDBPDatabase<StudioDbSchema>>>();

/** Opens (and migrates) a project's database; the default is the current project's. */
export function openStudioDb(name = currentDbName()): Promise<IDBPDatabase<StudioDbSchema>> {
  let connection = connections.get(name);
  if (!connection) {
    connection = openWithMigrations(name).catch((error) => {
      connections.delete(name);
      throw error;
    });
    connections.set(name, connection);
  }
  return connection;
}

/** Closes the shared connection to a database, which deleting it requires. */
export async function closeStudioDb(name: string): Promise<void> {
  const connection = connections.get(name);
  connections.delete(name);
  if (connection) (await connection.catch(() => null))?.close();
}

function openWithMigrations(name: string): Promise<IDBPDatabase<StudioDbSchema>> {
  return openDB<StudioDbSchema>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      runMigrations(db, oldVersion, transaction);
    },
    blocked() {
      console.warn('[storage] another tab has an older version of the database open; close it to finish the upgrade');
    },
  })
    .then((db) => {
      // A newer version in another tab, or deleting the project, needs this connection closed.
      db.addEventListener('versionchange', () => {
        db.close();
        connections.delete(name);
      });
      return db;
    })
    .catch((error) => {
    throw toStorageError(error, 'Opening the browser database');
  });
}
