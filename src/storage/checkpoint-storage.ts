import {
  adamStateToWeights,
  packWeights,
  unpackWeights,
  weightsToAdamState,
  type PackedWeights,
  type TrainerCheckpoint,
  type WeightMap,
} from '../core/train/trainer-checkpoint';
import { openStudioDb, type StoredCheckpoint } from './db';
import { readBlob, removeEntry, writeBlob } from './opfs';
import { assertProjectWritable } from './project-scope';
import { StorageError, toStorageError } from './storage-error';

/** Storage for checkpoint payloads: OPFS in the browser, memory in tests. */
export interface BlobStore {
  write(key: string, data: ArrayBuffer): Promise<void>;
  read(key: string): Promise<ArrayBuffer | null>;
  remove(key: string): Promise<void>;
}

export const opfsBlobStore: BlobStore = {
  write: (key, data) => writeBlob(key, data),
  read: async (key) => (await readBlob(key))?.arrayBuffer() ?? null,
  remove: (key) => removeEntry(key),
};

interface CheckpointMeta {
  index: PackedWeights['index'];
  order: number[];
  epochStep: number;
  epochLossSum: number;
  rngState: TrainerCheckpoint['rngState'];
  bestValLoss: number;
  hasBest: boolean;
  optimizerStep: number;
}

/**
 * Saves a checkpoint: the float payload first, then the metadata record that
 * points at it, then the previous payload is removed. A crash between the
 * steps leaves either the old or the new checkpoint complete, never a record
 * pointing at missing data.
 */
export async function saveCheckpoint(
  runId: string,
  checkpoint: TrainerCheckpoint,
  blobs: BlobStore = opfsBlobStore,
  dbName?: string,
): Promise<void> {
  const shapes = Object.fromEntries(Object.entries(checkpoint.weights).map(([name, w]) => [name, w.shape]));
  const all: WeightMap = {};
  for (const [name, value] of Object.entries(checkpoint.weights)) all[`w:${name}`] = value;
  for (const [name, value] of Object.entries(checkpoint.bestWeights ?? {})) all[`b:${name}`] = value;
  Object.assign(all, adamStateToWeights(checkpoint.optimizer, shapes));
  const packed = packWeights(all);

  assertProjectWritable(`Saving the checkpoint of step ${checkpoint.step}`);
  const weightsKey = `checkpoints/${runId}/step-${checkpoint.step}.bin`;
  const meta: CheckpointMeta = {
    index: packed.index,
    order: checkpoint.order,
    epochStep: checkpoint.epochStep,
    epochLossSum: checkpoint.epochLossSum,
    rngState: checkpoint.rngState,
    bestValLoss: checkpoint.bestValLoss,
    hasBest: checkpoint.bestWeights !== null,
    optimizerStep: checkpoint.optimizer.step,
  };

  await blobs.write(weightsKey, packed.buffer);

  let previousKey: string | null = null;
  try {
    const db = await openStudioDb(dbName);
    const previous = await db.get('checkpoints', runId);
    previousKey = previous?.weightsKey ?? null;
    const record: StoredCheckpoint = { runId, step: checkpoint.step, epoch: checkpoint.epoch, savedAt: Date.now(), weightsKey, meta };
    await db.put('checkpoints', record);
  } catch (error) {
    // The metadata did not land, so the new payload is unreferenced: remove it and keep the old checkpoint.
    await blobs.remove(weightsKey).catch(() => undefined);
    throw toStorageError(error, `Saving the checkpoint of step ${checkpoint.step}`);
  }

  if (previousKey && previousKey !== weightsKey) await blobs.remove(previousKey).catch(() => undefined);
}

/** Loads the latest checkpoint of a run, or null when it has none. */
export async function loadCheckpoint(runId: string, blobs: BlobStore = opfsBlobStore, dbName?: string): Promise<TrainerCheckpoint | null> {
  const db = await openStudioDb(dbName);
  const record = await db.get('checkpoints', runId);
  if (!record) return null;

  const buffer = await blobs.read(record.weightsKey);
  if (!buffer) {
    throw new StorageError('not-found', `The checkpoint of step ${record.step} points at ${record.weightsKey}, which is missing; the run cannot resume from it.`);
  }

  const meta = record.meta as CheckpointMeta;
  const all = unpackWeights({ index: meta.index, buffer });
  const weights: WeightMap = {};
  const bestWeights: WeightMap = {};
  const moments: WeightMap = {};
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith('w:')) weights[key.slice(2)] = value;
    else if (key.startsWith('b:')) bestWeights[key.slice(2)] = value;
    else moments[key] = value;
  }

  return {
    step: record.step,
    epoch: record.epoch,
    epochStep: meta.epochStep,
    order: meta.order,
    epochLossSum: meta.epochLossSum,
    rngState: meta.rngState,
    optimizer: weightsToAdamState(meta.optimizerStep, moments),
    weights,
    bestValLoss: meta.bestValLoss,
    bestWeights: meta.hasBest ? bestWeights : null,
  };
}

export async function checkpointInfo(runId: string, dbName?: string): Promise<{ step: number; epoch: number; savedAt: number } | null> {
  const db = await openStudioDb(dbName);
  const record = await db.get('checkpoints', runId);
  return record ? { step: record.step, epoch: record.epoch, savedAt: record.savedAt } : null;
}

export async function deleteCheckpoint(runId: string, blobs: BlobStore = opfsBlobStore, dbName?: string): Promise<void> {
  const db = await openStudioDb(dbName);
  const record = await db.get('checkpoints', runId);
  if (!record) return;
  await db.delete('checkpoints', runId);
  await blobs.remove(record.weightsKey).catch(() => undefined);
}
