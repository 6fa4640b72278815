/**
 * Saves the imported dataset as a small JSON manifest in OPFS (paths,
 * hashes, sizes, labelling, groups) next to the original bytes the import
 * worker stored, and restores it after a reload without decoding again.
 */

import { DATASET_MANIFEST_KEY, IMPORTED_ORIGINALS, IMPORTED_THUMBNAILS, originalKey, thumbnailKey } from '../storage/imported-files';
import { readBlob, removeEntry, writeBlob } from '../storage/opfs';
import type { DecodedFile, ImportSource, LabelSource } from './dataset-derive';

const MANIFEST_VERSION = 1;
const RESTORE_CONCURRENCY = 32;

interface ManifestFile {
  path: string;
  width: number;
  height: number;
  sha256: string;
}

interface DatasetManifest {
  version: number;
  root: string;
  paths: string[];
  files: ManifestFile[];
  problems: ImportSource['problems'];
  warnings: ImportSource['warnings'];
  labels: LabelSource;
  groups: { source: string; entries: [string, string][] } | null;
}

export interface SavedGroups {
  source: string;
  byPath: Map<string, string>;
}

export async function saveDatasetManifest(source: ImportSource, labels: LabelSource, groups: SavedGroups | null): Promise<void> {
  const manifest: DatasetManifest = {
    version: MANIFEST_VERSION,
    root: source.root,
    paths: source.paths,
    files: [...source.decoded.values()].map((file) => ({ path: file.path, width: file.width, height: file.height, sha256: file.sha256 })),
    problems: source.problems,
    warnings: source.warnings,
    labels,
    groups: groups ? { source: groups.source, entries: [...groups.byPath.entries()] } : null,
  };
  await writeBlob(DATASET_MANIFEST_KEY, new TextEncoder().encode(JSON.stringify(manifest)));
}

export interface RestoredDataset {
  source: ImportSource;
  labels: LabelSource;
  groups: SavedGroups | null;
  /** Files listed in the manifest whose stored copy is gone. */
  missing: string[];
}

/**
 * Reads the saved manifest and opens each stored original as a disk-backed
 * File. Returns null when nothing was saved or the manifest is from another
 * version.
 */
export async function restoreDatasetManifest(): Promise<RestoredDataset | null> {
  const file = await readBlob(DATASET_MANIFEST_KEY);
  if (file === null) return null;

  const manifest = JSON.parse(await file.text()) as DatasetManifest;
  if (manifest.version !== MANIFEST_VERSION) return null;

  const decoded = new Map<string, DecodedFile>();
  const missing: string[] = [];
  // OPFS lookups are asynchronous, so a few dozen run at once instead of one by one.
  for (let start = 0; start < manifest.files.length; start += RESTORE_CONCURRENCY) {
    const chunk = manifest.files.slice(start, start + RESTORE_CONCURRENCY);
    const opened = await Promise.all(chunk.map((entry) => Promise.all([readBlob(originalKey(entry.sha256)), readBlob(thumbnailKey(entry.sha256))])));
    chunk.forEach((entry, index) => {
      const [original, thumbnail] = opened[index];
      if (original === null || thumbnail === null) missing.push(entry.path);
      else decoded.set(entry.path, { ...entry, file: original, thumbnailUrl: URL.createObjectURL(thumbnail) });
    });
  }

  const warnings = [...manifest.warnings];
  if (missing.length > 0) {
    warnings.push({ path: missing[0], message: `${missing.length} saved image(s) were no longer in browser storage and were left out; import the folder again to get them back` });
  }

  return {
    source: { root: manifest.root, paths: manifest.paths, decoded, problems: manifest.problems, warnings },
    labels: manifest.labels,
    groups: manifest.groups ? { source: manifest.groups.source, byPath: new Map(manifest.groups.entries) } : null,
    missing,
  };
}

/** Deletes the manifest and every stored original and thumbnail. */
export async function deleteSavedDataset(): Promise<void> {
  await removeEntry(DATASET_MANIFEST_KEY);
  await removeEntry(IMPORTED_ORIGINALS);
  await removeEntry(IMPORTED_THUMBNAILS);
}

