import type { IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';

import type { StudioDbSchema } from './db';

type UpgradeTransaction = IDBPTransaction<StudioDbSchema, StoreNames<StudioDbSchema>[], 'versionchange'>;

/**
 * Brings a database from `oldVersion` to the current schema, one version at
 * a time, so a database of any older version reaches the same shape.
 */
export function runMigrations(db: IDBPDatabase<StudioDbSchema>, oldVersion: number, transaction: UpgradeTransaction): void {
  if (oldVersion < 1) {
    const runs = db.createObjectStore('runs', { keyPath: 'id' });
    runs.createIndex('createdAt', 'createdAt');
    db.createObjectStore('kv');
  }

  if (oldVersion < 2) {
    db.createObjectStore('checkpoints', { keyPath: 'runId' });

    // Version 1 stored run records without a payload version; mark them as version 1.
    const runs = transaction.objectStore('runs');
    void runs.openCursor().then(function mark(cursor): Promise<void> | void {
      if (!cursor) return;
      if (cursor.value.version === undefined) void cursor.update({ ...cursor.value, version: 1 });
      return cursor.continue().then(mark);
    });
  }

  if (oldVersion < 3) {
    // Report corpora and CLIP-IT comparisons were kept only in memory before version 3.
    db.createObjectStore('reportSources', { keyPath: 'id' });
    const comparisons = db.createObjectStore('comparisons', { keyPath: 'id' });
    comparisons.createIndex('createdAt', 'createdAt');
  }
}
