/**
 * The import worker: checks and decodes dropped files off the main thread,
 * hashes their bytes for duplicate detection and renders thumbnails, so
 * importing thousands of tiles never freezes the page. It also keeps a copy
 * of each usable file and its thumbnail in OPFS, so the dataset survives a reload.
 */
import * as Comlink from 'comlink';

import { projectScopeApi } from '../src/compute/project-scope-api';
import { makeThumbnail } from '../src/compute/thumbnail';
import { sha256Hex } from '../src/core/ingest/duplicates';
import { decodeImageFile } from '../src/core/ingest/image-decode';
import { browserImageDecoder } from '../src/platform/browser-image-decoder';
import { IMPORTED_THUMBNAILS, originalKey, thumbnailKey } from '../src/storage/imported-files';
import { listEntries, writeBlob } from '../src/storage/opfs';
import { currentOpfsRoot } from '../src/storage/project-scope';
import type { ImageInput, ImportBatchResult, ImportedImage, ImportedProblem, ImportProgress, ImportWorkerApi } from '../src/worker-protocol';

/**
 * Files in flight at once. Decoding (createImageBitmap) and OPFS writes wait
 * on the browser, so a few concurrent files keep the worker busy.
 */
const CONCURRENCY = 4;

let cancelled = false;

/**
 * Hashes whose copy is complete, per project folder: listed from the thumbnails folder the first
 * time a project imports, then kept up to date, so no file needs its own existence check.
 */
const storedByProject = new Map<string, Promise<Set<string>>>();

function storedHashes(): Promise<Set<string>> {
  const project = currentOpfsRoot().join('/');
  let stored = storedByProject.get(project);
  if (!stored) {
    stored = listEntries(IMPORTED_THUMBNAILS).then((names) => new Set(names.filter((name) => name.endsWith('.jpg')).map((name) => name.slice(0, -4))));
    storedByProject.set(project, stored);
    stored.catch(() => storedByProject.delete(project));
  }
  return stored;
}

/**
 * OPFS writes go through `createWritable()`, at most WRITE_LANES files at once, each lane in
 * order. Sync access handles were tried first: in headless Chromium 156 some of their writes
 * never settled (seen on 600 LC25000 tiles, with and without concurrency). One lane made the
 * writes the slowest part of an import (about 9 ms per tile of 6,035); four run them side by side.
 */
const WRITE_LANES = 4;
let writeLanes: Promise<void>[] = Array.from({ length: WRITE_LANES }, () => Promise.resolve());
let writesQueued = 0;

/** Copies being written, so a second file with the same bytes waits for the first. */
const inFlight = new Map<string, Promise<void>>();

/** Maximum wait for one stored copy before this worker stops storing copies, in milliseconds. */
const STORE_TIMEOUT_MS = 20_000;

/** Set when a write timed out: later files are not stored, so the import cannot stall on storage. */
let storageStalled: string | null = null;

async function storeCopy(sha256: string, bytes: Uint8Array, thumbnail: Blob): Promise<void> {
  const stored = await storedHashes();
  if (stored.has(sha256)) return;
  if (storageStalled !== null) throw new Error(storageStalled);

  let write = inFlight.get(sha256);
  if (!write) {
    const lane = writesQueued++ % WRITE_LANES;
    write = writeLanes[lane]!.then(() => (stored.has(sha256) ? undefined : writeCopy(stored, sha256, bytes, thumbnail)));
    writeLanes[lane] = write.catch(() => undefined);
    inFlight.set(sha256, write);
    write.finally(() => inFlight.delete(sha256)).catch(() => undefined);
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      storageStalled = `browser storage did not finish a write within ${STORE_TIMEOUT_MS / 1000} s, so later files were not stored`;
      writeLanes = writeLanes.map(() => Promise.resolve());
      reject(new Error(storageStalled));
    }, STORE_TIMEOUT_MS);
  });
  return Promise.race([write, timeout]).finally(() => clearTimeout(timer));
}

async function writeCopy(stored: Set<string>, sha256: string, bytes: Uint8Array, thumbnail: Blob): Promise<void> {
  await writeBlob(originalKey(sha256), bytes);
  // The thumbnail is written last: its presence marks a complete copy.
  await writeBlob(thumbnailKey(sha256), thumbnail);
  stored.add(sha256);
}

type FileOutcome =
  | { ok: true; image: ImportedImage; warnings: string[]; storageError?: string }
  | { ok: false; problem: ImportedProblem };

async function importOne({ path, file }: ImageInput): Promise<FileOutcome> {
  // One read serves the hash, the decoder and the stored copy.
  const bytes = new Uint8Array(await file.arrayBuffer());
  const decoded = await decodeImageFile(bytes, path, browserImageDecoder);
  if (!decoded.ok) return { ok: false, problem: { path, reason: decoded.reason, detail: decoded.detail } };

  const [thumbnail, sha256] = await Promise.all([makeThumbnail(decoded.image), sha256Hex(bytes)]);
  const image: ImportedImage = { path, width: decoded.image.width, height: decoded.image.height, thumbnail, sha256 };
  try {
    await storeCopy(sha256, bytes, thumbnail);
    return { ok: true, image, warnings: decoded.warnings };
  } catch (error) {
    // Storage problems must not fail the import: the dataset still works until the page is reloaded.
    return { ok: true, image, warnings: decoded.warnings, storageError: `${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const api: ImportWorkerApi = {
  ...projectScopeApi,
  async importImages(images: ImageInput[], onProgress?: (progress: ImportProgress) => void): Promise<ImportBatchResult> {
    cancelled = false;
    const result: ImportBatchResult = { images: [], problems: [], warnings: [] };
    let next = 0;
    let done = 0;
    let lastReport = 0;

    const runLane = async () => {
      while (!cancelled && next < images.length) {
        const input = images[next++];
        const outcome = await importOne(input);
        if (outcome.ok) {
          result.images.push(outcome.image);
          for (const message of outcome.warnings) result.warnings.push({ path: input.path, message });
          result.storageError ??= outcome.storageError;
        } else {
          result.problems.push(outcome.problem);
        }

        done += 1;
        const now = performance.now();
        if (onProgress && (now - lastReport > 100 || done === images.length)) {
          lastReport = now;
          onProgress({ done, total: images.length });
        }
      }
    };

    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, images.length) }, runLane));
    return result;
  },

  cancel() {
    cancelled = true;
  },
};

Comlink.expose(api);
