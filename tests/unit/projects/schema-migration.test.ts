import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';

import { DB_VERSION, openStudioDb } from '../../../src/storage/db';

/** Creates a database exactly as schema version 2 left it, with one record in each store. */
async function createVersion2(name: string): Promise<void> {
  const v2 = await openDB(name, 2, {
    upgrade(db) {
      const runs = db.createObjectStore('runs', { keyPath: 'id' });
      runs.createIndex('createdAt', 'createdAt');
      db.createObjectStore('kv');
      db.createObjectStore('checkpoints', { keyPath: 'runId' });
    },
  });
  await v2.put('runs', { id: 'r1', name: 'old run', createdAt: 1, version: 1, payload: { id: 'r1', steps: [{ loss: 0.5 }] } });
  await v2.put('checkpoints', { runId: 'r1', step: 4, epoch: 1, savedAt: 2, weightsKey: 'checkpoints/r1/step-4.bin', meta: { order: [1, 0] } });
  await v2.put('kv', { rows: 2, dims: 3, savedAt: 3 }, 'embeddings:image-abc');
  v2.close();
}

describe('schema migration 2 to 3', () => {
  it('adds report and comparison stores', async () => {
    const name = `migrate-v2-${Math.random()}`;
    await createVersion2(name);

    const db = await openStudioDb(name);
    expect(DB_VERSION).toBe(3);
    expect(db.version).toBe(3);
    expect(db.objectStoreNames.contains('reportSources')).toBe(true);
    expect(db.objectStoreNames.contains('comparisons')).toBe(true);
    expect(db.transaction('comparisons').store.indexNames.contains('createdAt')).toBe(true);
  });

  it('keeps every version 2 record', async () => {
    const name = `migrate-v2-keep-${Math.random()}`;
    await createVersion2(name);

    const db = await openStudioDb(name);
    const run = await db.get('runs', 'r1');
    expect(run?.name).toBe('old run');
    expect(run?.version).toBe(1);
    expect(run?.payload).toEqual({ id: 'r1', steps: [{ loss: 0.5 }] });

    const checkpoint = await db.get('checkpoints', 'r1');
    expect(checkpoint?.weightsKey).toBe('checkpoints/r1/step-4.bin');
    expect(await db.get('kv', 'embeddings:image-abc')).toEqual({ rows: 2, dims: 3, savedAt: 3 });
  });

  it('stores comparisons after the upgrade', async () => {
    const name = `migrate-v2-write-${Math.random()}`;
    await createVersion2(name);

    const db = await openStudioDb(name);
    await db.put('comparisons', { id: 'c1', createdAt: 5, payload: { steps: [] } });
    const listed = await db.getAllFromIndex('comparisons', 'createdAt');
    expect(listed.map((c) => c.id)).toEqual(['c1']);
  });
});
