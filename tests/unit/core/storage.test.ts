import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';

import { SeededRng } from '../../../src/core/rng';
import type { TrainerCheckpoint } from '../../../src/core/train/trainer-checkpoint';
import { loadCheckpoint, saveCheckpoint, type BlobStore } from '../../../src/storage/checkpoint-storage';
import { DB_VERSION, openStudioDb } from '../../../src/storage/db';
import { loadRuns } from '../../../src/storage/run-storage';

function memoryBlobs(): BlobStore & { keys(): string[] } {
  const map = new Map<string, ArrayBuffer>();
  return {
    write: async (key, data) => void map.set(key, data.slice(0)),
    read: async (key) => map.get(key) ?? null,
    remove: async (key) => void map.delete(key),
    keys: () => [...map.keys()],
  };
}

function sampleCheckpoint(step: number): TrainerCheckpoint {
  const rng = new SeededRng(step);
  return {
    step,
    epoch: 2,
    epochStep: 1,
    order: [3, 1, 2, 0],
    epochLossSum: 0.75,
    rngState: rng.getState(),
    optimizer: { step, names: ['w'], firstMoments: [new Float32Array([0.1, 0.2])], secondMoments: [new Float32Array([0.3, 0.4])] },
    weights: { w: { shape: [2], values: new Float32Array([1, 2]) } },
    bestValLoss: 0.5,
    bestWeights: { w: { shape: [2], values: new Float32Array([3, 4]) } },
  };
}

describe('database migrations', () => {
  it('upgrades a version 1 database and keeps its runs', async () => {
    const name = `migrate-${Math.random()}`;
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        const runs = db.createObjectStore('runs', { keyPath: 'id' });
        runs.createIndex('createdAt', 'createdAt');
        db.createObjectStore('kv');
      },
    });
    await v1.put('runs', { id: 'r1', name: 'old run', createdAt: 1, payload: { id: 'r1' } });
    v1.close();

    const db = await openStudioDb(name);
    expect(db.version).toBe(DB_VERSION);
    expect(db.objectStoreNames.contains('checkpoints')).toBe(true);

    const run = await db.get('runs', 'r1');
    expect(run?.name).toBe('old run');
    expect(run?.version).toBe(1);
    db.close();
  });
});

describe('run storage', () => {
  it('skips a damaged run record with a count', async () => {
    const db = await openStudioDb();
    await db.put('runs', { id: 'good', name: 'good', createdAt: 2, payload: { id: 'good', name: 'good', steps: [], epochs: [], request: {} } });
    await db.put('runs', { id: 'bad', name: 'bad', createdAt: 3, payload: { id: 'bad', steps: 'not a list' } });

    const { runs, skipped } = await loadRuns();
    expect(runs.map((r) => r.id)).toContain('good');
    expect(runs.map((r) => r.id)).not.toContain('bad');
    expect(skipped).toBe(1);
  });
});

describe('checkpoint storage', () => {
  it('round-trips a checkpoint and removes the previous payload', async () => {
    const blobs = memoryBlobs();
    const name = `ckpt-${Math.random()}`;

    await saveCheckpoint('run-a', sampleCheckpoint(4), blobs, name);
    await saveCheckpoint('run-a', sampleCheckpoint(6), blobs, name);

    expect(blobs.keys()).toEqual(['checkpoints/run-a/step-6.bin']);
    const loaded = await loadCheckpoint('run-a', blobs, name);
    expect(loaded?.step).toBe(6);
    expect(Array.from(loaded!.weights.w.values)).toEqual([1, 2]);
    expect(Array.from(loaded!.bestWeights!.w.values)).toEqual([3, 4]);
    expect(Array.from(loaded!.optimizer.secondMoments[0])).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect(loaded!.rngState).toEqual(sampleCheckpoint(6).rngState);
    expect(loaded!.order).toEqual([3, 1, 2, 0]);
  });

  it('keeps the last good checkpoint when the payload write fails', async () => {
    const blobs = memoryBlobs();
    const name = `ckpt-${Math.random()}`;
    await saveCheckpoint('run-b', sampleCheckpoint(2), blobs, name);

    const full: BlobStore = {
      ...blobs,
      write: async () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
    };
    await expect(saveCheckpoint('run-b', sampleCheckpoint(4), full, name)).rejects.toThrow();

    const loaded = await loadCheckpoint('run-b', blobs, name);
    expect(loaded?.step).toBe(2);
  });
});
