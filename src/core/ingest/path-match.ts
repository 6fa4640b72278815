/**
 * Matches path values from a user's CSV (labels or groups) to dropped image
 * paths: exact path first, then the path relative to the dropped root, then a
 * unique trailing match on whole path segments (which covers a bare file name).
 * A trailing match shared by several images is reported as ambiguous, never guessed.
 * Keys are compared in Unicode NFC, because names from macOS file systems can
 * arrive decomposed (NFD, "tumo\u0308r") while a CSV usually has composed "tumör".
 */

import { pathSegments } from './file-filter';

export type PathMatch =
  | { kind: 'matched'; path: string; by: 'path' | 'suffix' }
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'none' };

export interface PathIndex {
  match(value: string): PathMatch;
}

/**
 * Indexes `imagePaths` for matching. `root` is the dropped folder's name as
 * the first path segment ('' when paths carry no root segment).
 */
export function buildPathIndex(imagePaths: readonly string[], root: string): PathIndex {
  const byPath = new Map<string, string>();
  const bySuffix = new Map<string, string[]>();

  for (const path of imagePaths) {
    const segments = pathSegments(path.normalize('NFC'));
    byPath.set(segments.join('/'), path);

    const nfcRoot = root.normalize('NFC');
    const relative = nfcRoot !== '' && segments[0] === nfcRoot ? segments.slice(1) : segments;
    byPath.set(relative.join('/'), path);

    // Every trailing run of segments: "c.png", "b/c.png", "a/b/c.png".
    for (let start = relative.length - 1; start >= 0; start--) {
      const key = relative.slice(start).join('/');
      const list = bySuffix.get(key);
      if (list === undefined) bySuffix.set(key, [path]);
      else if (list[list.length - 1] !== path) list.push(path);
    }
  }

  return {
    match(value: string): PathMatch {
      const key = pathSegments(value.normalize('NFC').trim().replace(/^\.\//, '')).join('/');
      if (key === '') return { kind: 'none' };

      const exact = byPath.get(key);
      if (exact !== undefined) return { kind: 'matched', path: exact, by: 'path' };

      const candidates = bySuffix.get(key);
      if (candidates === undefined) return { kind: 'none' };
      if (candidates.length === 1) return { kind: 'matched', path: candidates[0], by: 'suffix' };
      return { kind: 'ambiguous', candidates: [...candidates] };
    },
  };
}

/**
 * Returns the dropped root folder: the first segment when every path shares
 * it and has at least one more segment (as `webkitRelativePath` gives), else ''.
 */
export function detectRoot(paths: readonly string[]): string {
  let root: string | null = null;
  for (const path of paths) {
    const segments = pathSegments(path);
    if (segments.length < 2) return '';
    if (root === null) root = segments[0];
    else if (segments[0] !== root) return '';
  }
  return root ?? '';
}

/** Path segments below the root. */
export function relativeSegments(path: string, root: string): string[] {
  const segments = pathSegments(path);
  return root !== '' && segments[0] === root ? segments.slice(1) : segments;
}
