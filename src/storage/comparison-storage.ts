import type { ComparisonResult } from '../clipit-protocol';
import { openStudioDb } from './db';
import { readBlob, removeEntry, writeBlob } from './opfs';
import { toStorageError } from './storage-error';

/**
 * Finished CLIP-IT comparisons. The exported vision model (safetensors) goes
 * to OPFS first; the record with the metrics and curves points at it.
 */
export interface SavedComparison {
  id: string;
  createdAt: number;
  result: ComparisonResult;
  steps: unknown[];
  epochs: unknown[];
  settings: unknown;
  clipName: string | null;
}

interface ComparisonPayload extends Omit<SavedComparison, 'result'> {
  result: Omit<ComparisonResult, 'exportedModel'>;
  model: { key: string; config: unknown } | null;
}

function modelKey(id: string): string {
  return `comparisons/${id}/model.safetensors`;
}

export async function saveComparison(saved: SavedComparison): Promise<void> {
  try {
    const { exportedModel, ...result } = saved.result;
    if (exportedModel) await writeBlob(modelKey(saved.id), exportedModel.safetensors);

    const payload: ComparisonPayload = { ...saved, result, model: exportedModel ? { key: modelKey(saved.id), config: exportedModel.config } : null };
    const db = await openStudioDb();
    await db.put('comparisons', { id: saved.id, createdAt: saved.createdAt, payload });
  } catch (error) {
    throw toStorageError(error, 'Saving the CLIP-IT comparison');
  }
}

/**
 * Loads the newest comparison that can be read, or null. Newer damaged
 * entries are skipped and counted. A missing model file only drops the model.
 */
export async function loadLatestComparison(): Promise<{ comparison: SavedComparison | null; skipped: number }> {
  const db = await openStudioDb();
  const records = await db.getAllFromIndex('comparisons', 'createdAt');
  let skipped = 0;

  for (const record of records.reverse()) {
    const payload = record.payload as Partial<ComparisonPayload> | null;
    if (!payload || typeof payload.result !== 'object' || !Array.isArray(payload.result?.stages) || !Array.isArray(payload.steps) || !Array.isArray(payload.epochs)) {
      skipped += 1;
      continue;
    }

    const bytes = payload.model ? await readBlob(payload.model.key) : null;
    const exportedModel = bytes && payload.model ? { safetensors: new Uint8Array(await bytes.arrayBuffer()), config: payload.model.config } : null;
    const comparison: SavedComparison = {
      id: record.id,
      createdAt: record.createdAt,
      result: { ...(payload.result as ComparisonPayload['result']), exportedModel },
      steps: payload.steps,
      epochs: payload.epochs,
      settings: payload.settings,
      clipName: payload.clipName ?? null,
    };
    return { comparison, skipped };
  }
  return { comparison: null, skipped };
}

export async function deleteComparison(id: string): Promise<void> {
  const db = await openStudioDb();
  await db.delete('comparisons', id);
  await removeEntry(`comparisons/${id}`);
}
