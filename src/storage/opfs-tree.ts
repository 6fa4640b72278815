import { toStorageError } from './storage-error';

/**
 * Whole-folder operations on a project's OPFS folder, by explicit path, for
 * sizing, exporting, importing and deleting a project that need not be the
 * current one.
 */
export interface StoredFile {
  /** Slash-separated path below the project folder. */
  path: string;
  size: number;
  read(): Promise<Uint8Array>;
}

/** Files of one project folder; OPFS in the browser, a Map in tests. */
export interface ProjectFiles {
  list(): Promise<StoredFile[]>;
  write(path: string, bytes: Uint8Array): Promise<void>;
  removeAll(): Promise<void>;
}

async function openFolder(root: string[], create: boolean): Promise<FileSystemDirectoryHandle | null> {
  let directory = await navigator.storage.getDirectory();
  for (const part of root) {
    try {
      directory = await directory.getDirectoryHandle(part, { create });
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFoundError') return null;
      throw error;
    }
  }
  return directory;
}

async function collect(directory: FileSystemDirectoryHandle, prefix: string, out: StoredFile[]): Promise<void> {
  // `entries()` is missing from TypeScript's DOM typings for FileSystemDirectoryHandle.
  const entries = (directory as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
  for await (const [name, handle] of entries) {
    const path = prefix ? `${prefix}/${name}` : name;
    if (handle.kind === 'directory') {
      await collect(handle as FileSystemDirectoryHandle, path, out);
    } else {
      const file = await (handle as FileSystemFileHandle).getFile();
      out.push({ path, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) });
    }
  }
}

/** Opens the OPFS folder at `root` (a path from the origin's root directory) as ProjectFiles. */
export function opfsProjectFiles(root: string[]): ProjectFiles {
  return {
    async list() {
      try {
        const folder = await openFolder(root, false);
        const files: StoredFile[] = [];
        if (folder) await collect(folder, '', files);
        return files.sort((a, b) => (a.path < b.path ? -1 : 1));
      } catch (error) {
        throw toStorageError(error, `Listing the files of ${root.join('/')}`);
      }
    },

    async write(path, bytes) {
      try {
        const parts = path.split('/');
        const folder = (await openFolder([...root, ...parts.slice(0, -1)], true))!;
        const handle = await folder.getFileHandle(parts[parts.length - 1], { create: true });
        const writable = await handle.createWritable();
        await writable.write(bytes as FileSystemWriteChunkType);
        await writable.close();
      } catch (error) {
        throw toStorageError(error, `Saving ${path}`);
      }
    },

    async removeAll() {
      try {
        const parent = await openFolder(root.slice(0, -1), false);
        await parent?.removeEntry(root[root.length - 1], { recursive: true });
      } catch (error) {
        if ((error as { name?: string }).name === 'NotFoundError') return;
        throw toStorageError(error, `Deleting ${root.join('/')}`);
      }
    },
  };
}

/** Rejects archive paths that could leave the project folder or name no file. */
export function isSafeStoredPath(path: string): boolean {
  const parts = path.split('/');
  return parts.length > 0 && parts.every((part) => part.length > 0 && part !== '.' && part !== '..' && !part.includes('\\'));
}
