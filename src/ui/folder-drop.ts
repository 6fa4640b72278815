/**
 * Reads every file below the folders (and files) of a drop, with the path
 * relative to the drop as `relativePath`, since dropped files have an empty
 * `webkitRelativePath`.
 */
export async function filesFromDrop(dataTransfer: DataTransfer): Promise<File[]> {
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(dataTransfer.items)) {
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }

  if (entries.length === 0) return Array.from(dataTransfer.files);

  const files: File[] = [];
  for (const entry of entries) await collect(entry, '', files);
  return files;
}

async function collect(entry: FileSystemEntry, parent: string, out: File[]): Promise<void> {
  const path = parent ? `${parent}/${entry.name}` : entry.name;

  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    Object.defineProperty(file, 'relativePath', { value: path });
    out.push(file);
    return;
  }

  const reader = (entry as FileSystemDirectoryEntry).createReader();

  // readEntries returns at most about 100 entries per call, so read until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await collect(child, path, out);
  }
}
