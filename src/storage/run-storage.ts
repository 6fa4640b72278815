import type { Run } from '../state/runs-store';
import { openStudioDb } from './db';
import { assertProjectWritable } from './project-scope';
import { toStorageError } from './storage-error';

/** Saves a finished run (config, curves, metrics) so it survives a reload. */
export async function saveRun(run: Run): Promise<void> {
  assertProjectWritable(`Saving run "${run.name}"`);
  try {
    const db = await openStudioDb();
    await db.put('runs', { id: run.id, name: run.name, createdAt: run.createdAt, payload: run });
  } catch (error) {
    throw toStorageError(error, `Saving run "${run.name}"`);
  }
}

/** Loads saved runs, oldest first; a damaged record is skipped and counted instead of failing the list. */
export async function loadRuns(): Promise<{ runs: Run[]; skipped: number }> {
  try {
    const db = await openStudioDb();
    const records = await db.getAllFromIndex('runs', 'createdAt');
    const runs: Run[] = [];
    let skipped = 0;
    for (const record of records) {
      if (isRun(record.payload)) runs.push(record.payload);
      else skipped += 1;
    }
    return { runs, skipped };
  } catch (error) {
    throw toStorageError(error, 'Loading saved runs');
  }
}

export async function deleteRun(id: string): Promise<void> {
  try {
    const db = await openStudioDb();
    await db.delete('runs', id);
  } catch (error) {
    throw toStorageError(error, `Deleting run ${id}`);
  }
}

function isRun(value: unknown): value is Run {
  const run = value as Partial<Run> | null;
  return (
    !!run &&
    typeof run.id === 'string' &&
    typeof run.name === 'string' &&
    Array.isArray(run.steps) &&
    Array.isArray(run.epochs) &&
    typeof run.request === 'object'
  );
}
