/**
 * Byte-identical duplicate detection with SHA-256 (Web Crypto, available in
 * browsers, workers and Node 20). Duplicates that span two groups or classes
 * leak between training and test splits, so those sets are flagged.
 */

export interface HashedFile {
  path: string;
  /** Lower-case hex SHA-256 of the file bytes. */
  sha256: string;
  group?: string;
  className?: string;
}

export interface DuplicateSet {
  sha256: string;
  paths: string[];
  groups: string[];
  classes: string[];
  /** True when the copies carry more than one group id. */
  crossGroup: boolean;
  /** True when the copies carry more than one class. */
  crossClass: boolean;
}

export interface DuplicateReport {
  sets: DuplicateSet[];
  /** Files that are a second or later copy (sum over sets of size - 1). */
  redundantFiles: number;
  anyCrossGroup: boolean;
  anyCrossClass: boolean;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  const view = new Uint8Array(digest);
  let hex = '';
  for (const value of view) hex += value.toString(16).padStart(2, '0');
  return hex;
}

/** Groups files by hash; sets keep input order of paths and are sorted by their first path. */
export function findDuplicateSets(files: readonly HashedFile[]): DuplicateReport {
  const byHash = new Map<string, HashedFile[]>();
  for (const file of files) {
    const list = byHash.get(file.sha256);
    if (list === undefined) byHash.set(file.sha256, [file]);
    else list.push(file);
  }

  const sets: DuplicateSet[] = [];
  for (const [sha256, copies] of byHash) {
    if (copies.length < 2) continue;
    const groups = distinct(copies.map((copy) => copy.group));
    const classes = distinct(copies.map((copy) => copy.className));
    sets.push({
      sha256,
      paths: copies.map((copy) => copy.path),
      groups,
      classes,
      crossGroup: groups.length > 1,
      crossClass: classes.length > 1,
    });
  }
  sets.sort((a, b) => a.paths[0].localeCompare(b.paths[0]));

  return {
    sets,
    redundantFiles: sets.reduce((sum, set) => sum + set.paths.length - 1, 0),
    anyCrossGroup: sets.some((set) => set.crossGroup),
    anyCrossClass: sets.some((set) => set.crossClass),
  };
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))].sort();
}
