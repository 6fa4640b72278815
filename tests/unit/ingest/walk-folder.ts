import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Lists every file below `folder` as `webkitRelativePath` would give it after
 * a folder drop: "<folder name>/<sub>/<file>", with '/' separators.
 */
export function listAsDropped(folder: string): string[] {
  const rootName = path.basename(folder);
  const entries = readdirSync(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .map((relative) => `${rootName}/${relative}`)
    .sort();
}
