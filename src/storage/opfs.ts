import { assertProjectWritable, currentOpfsRoot } from './project-scope';
import { toStorageError } from './storage-error';

/**
 * Large binary data in the Origin Private File System: compressed tiles,
 * weights and embedding caches. Keys are slash-separated paths below the
 * current project's folder (see project-scope.ts).
 */
async function walk(parts: string[], create: boolean): Promise<FileSystemDirectoryHandle> {
  let directory = await navigator.storage.getDirectory();
  for (const part of parts) {
    directory = await directory.getDirectoryHandle(part, { create });
  }
  return directory;
}

/**
 * Folders opened for writing, by path. Each OPFS call is a round trip to the browser process,
 * and an import writes two files per tile into the same two folders, so walking the path for
 * every write cost more than the write itself.
 */
const writeFolders = new Map<string, Promise<FileSystemDirectoryHandle>>();

async function directoryFor(path: string[], create: boolean): Promise<FileSystemDirectoryHandle> {
  const parts = [...currentOpfsRoot(), ...path];
  if (!create) return walk(parts, false);

  const key = parts.join('/');
  let folder = writeFolders.get(key);
  if (!folder) {
    folder = walk(parts, true);
    writeFolders.set(key, folder);
    folder.catch(() => writeFolders.delete(key));
  }
  return folder;
}

function splitKey(key: string): { folders: string[]; name: string } {
  const parts = key.split('/').filter((p) => p.length > 0);
  if (parts.length === 0) throw new Error(`Invalid storage key "${key}": it must name a file.`);
  return { folders: parts.slice(0, -1), name: parts[parts.length - 1] };
}

export async function writeBlob(key: string, data: Blob | ArrayBuffer | Uint8Array): Promise<void> {
  assertProjectWritable(`Saving ${key}`);
  const { folders, name } = splitKey(key);
  const write = async () => {
    const directory = await directoryFor(folders, true);
    const handle = await directory.getFileHandle(name, { create: true });
    const writable = await handle.createWritable();
    await writable.write(data as FileSystemWriteChunkType);
    await writable.close();
  };
  try {
    try {
      await write();
    } catch (error) {
      // A remembered folder may have been deleted since (a project deleted in another context): open it afresh once.
      if ((error as { name?: string }).name !== 'NotFoundError') throw error;
      writeFolders.clear();
      await write();
    }
  } catch (error) {
    throw toStorageError(error, `Saving ${key}`);
  }
}

export async function readBlob(key: string): Promise<File | null> {
  try {
    const { folders, name } = splitKey(key);
    const directory = await directoryFor(folders, false);
    const handle = await directory.getFileHandle(name);
    return await handle.getFile();
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFoundError') return null;
    throw toStorageError(error, `Reading ${key}`);
  }
}

export async function removeEntry(key: string): Promise<void> {
  assertProjectWritable(`Deleting ${key}`);
  writeFolders.clear();
  try {
    const { folders, name } = splitKey(key);
    const directory = await directoryFor(folders, false);
    await directory.removeEntry(name, { recursive: true });
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFoundError') return;
    throw toStorageError(error, `Deleting ${key}`);
  }
}

/** Usage and quota of the whole origin, and whether storage is persistent. */
export async function storageEstimate(): Promise<{ usage: number; quota: number; persisted: boolean }> {
  const estimate = await navigator.storage.estimate();
  const persisted = (await navigator.storage.persisted?.()) ?? false;
  return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0, persisted };
}

/** Lists the entry names in the folder `key` of the current project, or none when the folder does not exist. */
export async function listEntries(key: string): Promise<string[]> {
  try {
    const directory = await directoryFor(key.split('/').filter((p) => p.length > 0), false);
    const names: string[] = [];
    // `keys()` is missing from TypeScript's DOM typings for FileSystemDirectoryHandle.
    for await (const name of (directory as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    return names.sort();
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFoundError') return [];
    throw toStorageError(error, `Listing ${key}`);
  }
}
