import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (the folder holding package.json). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The read-only shared data folder that sits beside the repository checkout. */
export const SHARED = process.env.CLIPIT_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED, ...parts);
}
