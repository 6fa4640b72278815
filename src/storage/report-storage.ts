import { sha256Hex } from '../core/ingest/duplicates';
import { openStudioDb, type StoredReportSource } from './db';
import { listEntries, readBlob, removeEntry, writeBlob } from './opfs';
import { toStorageError } from './storage-error';

/**
 * The loaded report sources of a project: the raw file bytes in OPFS under
 * `reports/<source id>/`, one IndexedDB record per source pointing at them.
 * The corpus is rebuilt from the bytes on restore, so a change of the
 * reader's rules applies to saved corpora too.
 */
export interface SavedReportSource {
  name: string;
  kind: string;
  textField: string | null;
  idField: string | null;
  files: { path: string; bytes: Uint8Array }[];
}

const REPORTS_FOLDER = 'reports';
const SETTINGS_KEY = 'reports:settings';

/** Source id from the content, so saving an unchanged source again writes no bytes. */
async function sourceId(source: SavedReportSource): Promise<string> {
  const parts: Uint8Array[] = [new TextEncoder().encode(source.name)];
  for (const file of source.files) parts.push(new TextEncoder().encode(`\n${file.path}\n`), file.bytes);
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return (await sha256Hex(joined)).slice(0, 32);
}

/**
 * Saves the list of sources in place of the saved one: new bytes first,
 * then the records, then the bytes no record points at any more.
 */
export async function saveReportSources(sources: readonly SavedReportSource[]): Promise<void> {
  try {
    const records: StoredReportSource[] = [];
    for (const [order, source] of sources.entries()) {
      const id = await sourceId(source);
      const bytesKeys = source.files.map((_, index) => `${REPORTS_FOLDER}/${id}/${index}`);
      for (const [index, file] of source.files.entries()) {
        if ((await readBlob(bytesKeys[index])) === null) await writeBlob(bytesKeys[index], file.bytes);
      }
      records.push({ id, order, name: source.name, kind: source.kind, textField: source.textField, idField: source.idField, paths: source.files.map((f) => f.path), bytesKeys });
    }

    const db = await openStudioDb();
    const transaction = db.transaction('reportSources', 'readwrite');
    void transaction.store.clear();
    for (const record of records) void transaction.store.put(record);
    await transaction.done;

    const kept = new Set(records.map((r) => r.id));
    for (const folder of await listEntries(REPORTS_FOLDER)) {
      if (!kept.has(folder)) await removeEntry(`${REPORTS_FOLDER}/${folder}`);
    }
  } catch (error) {
    throw toStorageError(error, 'Saving the report corpus');
  }
}

/** Loads the saved sources in their order. A source whose record or bytes are damaged is skipped and named. */
export async function loadReportSources(): Promise<{ sources: SavedReportSource[]; skipped: string[] }> {
  const db = await openStudioDb();
  const records = (await db.getAll('reportSources')) as Partial<StoredReportSource>[];
  const sources: SavedReportSource[] = [];
  const skipped: string[] = [];

  records.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  for (const record of records) {
    const name = typeof record.name === 'string' ? record.name : `source ${String(record.id)}`;
    if (!isUsableRecord(record)) {
      skipped.push(`${name} (damaged record)`);
      continue;
    }

    const files: SavedReportSource['files'] = [];
    for (const [index, key] of record.bytesKeys.entries()) {
      const blob = await readBlob(key);
      if (blob === null) break;
      files.push({ path: record.paths[index], bytes: new Uint8Array(await blob.arrayBuffer()) });
    }
    if (files.length !== record.bytesKeys.length) {
      skipped.push(`${name} (stored file missing)`);
      continue;
    }
    sources.push({ name, kind: record.kind, textField: record.textField, idField: record.idField, files });
  }
  return { sources, skipped };
}

function isUsableRecord(record: Partial<StoredReportSource>): record is StoredReportSource {
  return (
    typeof record.id === 'string' &&
    typeof record.kind === 'string' &&
    Array.isArray(record.paths) &&
    Array.isArray(record.bytesKeys) &&
    record.paths.length === record.bytesKeys.length &&
    record.bytesKeys.every((key) => typeof key === 'string')
  );
}

export async function saveReportSettings(settings: unknown): Promise<void> {
  try {
    const db = await openStudioDb();
    await db.put('kv', settings, SETTINGS_KEY);
  } catch (error) {
    throw toStorageError(error, 'Saving the report settings');
  }
}

export async function loadReportSettings(): Promise<unknown> {
  const db = await openStudioDb();
  return db.get('kv', SETTINGS_KEY);
}
