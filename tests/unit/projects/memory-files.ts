import type { ProjectFiles } from '../../../src/storage/opfs-tree';

/** Creates a project folder in memory, standing in for OPFS, which Node does not have. */
export function memoryFiles(initial: Record<string, Uint8Array> = {}): ProjectFiles & { map: Map<string, Uint8Array> } {
  const map = new Map(Object.entries(initial));
  return {
    map,
    list: async () =>
      [...map.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([path, bytes]) => ({ path, size: bytes.length, read: async () => bytes })),
    write: async (path, bytes) => void map.set(path, bytes.slice()),
    removeAll: async () => map.clear(),
  };
}
