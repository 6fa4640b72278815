import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import type { IDBPDatabase } from 'idb';

import type { StudioDbSchema } from './db';
import { DB_VERSION } from './db';
import { isSafeStoredPath, type ProjectFiles } from './opfs-tree';
import { parseTagged, stringifyTagged } from './tagged-json';

/**
 * A whole project as one zip file: `manifest.json`, one `records/<store>.json`
 * per IndexedDB object store (tagged JSON, see tagged-json.ts) and every OPFS
 * file under `files/`. Reading repairs what it can: a damaged record, store
 * or file is skipped with a notice instead of rejecting the whole archive.
 */
export const PROJECT_ARCHIVE_FORMAT = 'clip-it-studio-project';
export const PROJECT_ARCHIVE_VERSION = 1;

export interface ProjectArchiveManifest {
  format: typeof PROJECT_ARCHIVE_FORMAT;
  archiveVersion: number;
  /** IndexedDB schema version of the records (DB_VERSION when exported). */
  schemaVersion: number;
  appVersion: string;
  exportedAt: string;
  project: { name: string; createdAt: number };
  /** Record count per object store. */
  stores: Record<string, number>;
  files: { path: string; size: number }[];
}

export interface ArchiveRecord {
  key: IDBValidKey;
  value: unknown;
}

export interface ProjectArchiveContent {
  manifest: ProjectArchiveManifest;
  stores: Map<string, ArchiveRecord[]>;
  files: { path: string; bytes: Uint8Array }[];
  /** Notices about skipped entries, one sentence each. */
  notices: string[];
}

/** An archive that cannot be imported at all. The message names the file and the fix. */
export class ProjectArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectArchiveError';
  }
}

/** Key path of each store whose records carry their own key. The `kv` store uses out-of-line keys. */
const INLINE_KEYS: Record<string, string> = { runs: 'id', checkpoints: 'runId', reportSources: 'id', comparisons: 'id' };
const OUT_OF_LINE_STORES = new Set(['kv']);

/**
 * Builds the archive of a project.
 * NOTE: the whole archive is built in memory, so a project of several GB can
 * exhaust the tab's memory. Streaming it with fflate's `Zip` class would avoid that.
 */
export async function exportProjectArchive(
  db: IDBPDatabase<StudioDbSchema>,
  files: ProjectFiles,
  project: { name: string; createdAt: number },
  appVersion: string,
  now = new Date(),
): Promise<Uint8Array> {
  const zip: Zippable = {};
  const counts: Record<string, number> = {};

  for (const store of db.objectStoreNames) {
    const transaction = db.transaction(store, 'readonly');
    const [keys, values] = await Promise.all([transaction.store.getAllKeys(), transaction.store.getAll()]);
    await transaction.done;
    const records: ArchiveRecord[] = keys.map((key, i) => ({ key, value: values[i] }));
    counts[store] = records.length;
    zip[`records/${store}.json`] = strToU8(stringifyTagged(records));
  }

  const listed = await files.list();
  for (const file of listed) {
    // Tiles and weights barely compress, so they are stored as they are.
    zip[`files/${file.path}`] = [await file.read(), { level: 0 }];
  }

  const manifest: ProjectArchiveManifest = {
    format: PROJECT_ARCHIVE_FORMAT,
    archiveVersion: PROJECT_ARCHIVE_VERSION,
    schemaVersion: db.version,
    appVersion,
    exportedAt: now.toISOString(),
    project,
    stores: counts,
    files: listed.map((f) => ({ path: f.path, size: f.size })),
  };
  zip['manifest.json'] = strToU8(JSON.stringify(manifest, null, 2));
  return zipSync(zip, { level: 6 });
}

/** Reads and checks an archive. `fileName` is only used in messages. */
export function readProjectArchive(bytes: Uint8Array, fileName: string): ProjectArchiveContent {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new ProjectArchiveError(
      `${fileName} is not a readable zip file (${error instanceof Error ? error.message : String(error)}). Export the project again and import the new file.`,
    );
  }

  const manifestBytes = entries['manifest.json'];
  if (!manifestBytes) {
    throw new ProjectArchiveError(`${fileName} is not a CLIP-IT Studio project export: it has no manifest.json. Choose a file made with Export in the project list.`);
  }
  const manifest = parseManifest(manifestBytes, fileName);

  const notices: string[] = [];
  const stores = new Map<string, ArchiveRecord[]>();
  const files: { path: string; bytes: Uint8Array }[] = [];

  for (const [name, content] of Object.entries(entries)) {
    if (name === 'manifest.json' || name.endsWith('/')) continue;

    if (name.startsWith('records/') && name.endsWith('.json')) {
      const store = name.slice('records/'.length, -'.json'.length);
      const records = readStore(store, content, notices);
      if (records) stores.set(store, records);
    } else if (name.startsWith('files/') && isSafeStoredPath(name.slice('files/'.length))) {
      files.push({ path: name.slice('files/'.length), bytes: content });
    } else {
      notices.push(`Skipped ${name}: not a part of a project export.`);
    }
  }

  for (const listed of manifest.files) {
    if (!files.some((f) => f.path === listed.path)) notices.push(`File ${listed.path} is listed in the manifest but missing from the archive.`);
  }
  return { manifest, stores, files, notices };
}

function parseManifest(bytes: Uint8Array, fileName: string): ProjectArchiveManifest {
  let manifest: Partial<ProjectArchiveManifest>;
  try {
    manifest = JSON.parse(strFromU8(bytes)) as Partial<ProjectArchiveManifest>;
  } catch (error) {
    throw new ProjectArchiveError(`The manifest.json of ${fileName} is not valid JSON (${error instanceof Error ? error.message : String(error)}); the file is damaged. Export the project again.`);
  }

  if (manifest?.format !== PROJECT_ARCHIVE_FORMAT) {
    throw new ProjectArchiveError(`${fileName} is not a CLIP-IT Studio project export (its manifest format is "${String(manifest?.format)}"). Choose a file made with Export in the project list.`);
  }
  if (typeof manifest.archiveVersion !== 'number' || manifest.archiveVersion > PROJECT_ARCHIVE_VERSION || typeof manifest.schemaVersion !== 'number' || manifest.schemaVersion > DB_VERSION) {
    throw new ProjectArchiveError(
      `${fileName} was exported by a newer studio (archive version ${String(manifest.archiveVersion)}, schema version ${String(manifest.schemaVersion)}); this studio reads up to ${PROJECT_ARCHIVE_VERSION} and ${DB_VERSION}. Update the studio and import it again.`,
    );
  }
  if (typeof manifest.project?.name !== 'string') {
    throw new ProjectArchiveError(`The manifest.json of ${fileName} has no project name; the file is damaged. Export the project again.`);
  }

  return {
    format: PROJECT_ARCHIVE_FORMAT,
    archiveVersion: manifest.archiveVersion,
    schemaVersion: manifest.schemaVersion,
    appVersion: String(manifest.appVersion ?? 'unknown'),
    exportedAt: String(manifest.exportedAt ?? ''),
    project: { name: manifest.project.name, createdAt: Number(manifest.project.createdAt) || 0 },
    stores: manifest.stores ?? {},
    files: Array.isArray(manifest.files) ? manifest.files.filter((f) => typeof f?.path === 'string') : [],
  };
}

/** Parses one store's records, dropping each one that has no usable key. */
function readStore(store: string, content: Uint8Array, notices: string[]): ArchiveRecord[] | null {
  const keyPath = INLINE_KEYS[store];
  if (!keyPath && !OUT_OF_LINE_STORES.has(store)) {
    notices.push(`Skipped the records of store "${store}": this studio has no such store.`);
    return null;
  }

  let parsed: unknown;
  try {
    parsed = parseTagged(strFromU8(content));
  } catch (error) {
    notices.push(`Skipped all records of store "${store}": records/${store}.json is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
    return null;
  }
  if (!Array.isArray(parsed)) {
    notices.push(`Skipped all records of store "${store}": records/${store}.json is not a list.`);
    return null;
  }

  const records: ArchiveRecord[] = [];
  parsed.forEach((entry: unknown, index) => {
    const record = entry as Partial<ArchiveRecord> | null;
    const value = record?.value as Record<string, unknown> | null | undefined;
    const usable = keyPath
      ? !!value && typeof value === 'object' && typeof value[keyPath] === 'string'
      : typeof record?.key === 'string' && record.value !== undefined;
    if (usable) records.push({ key: record!.key as IDBValidKey, value: record!.value });
    else notices.push(`Skipped record ${index + 1} of store "${store}": it is damaged (no valid ${keyPath ?? 'key'}).`);
  });
  return records;
}

/**
 * Writes archive content into an empty project: files first, then the
 * records that point at them. Returns the number of records written.
 */
export async function writeProjectArchive(content: ProjectArchiveContent, db: IDBPDatabase<StudioDbSchema>, files: ProjectFiles): Promise<number> {
  for (const file of content.files) await files.write(file.path, file.bytes);

  let written = 0;
  for (const [store, records] of content.stores) {
    if (!db.objectStoreNames.contains(store as never)) continue;
    const transaction = db.transaction(store as 'kv', 'readwrite');
    for (const record of records) {
      if (INLINE_KEYS[store]) void transaction.store.put(record.value);
      else void transaction.store.put(record.value, record.key as string);
      written += 1;
    }
    await transaction.done;
  }
  return written;
}
