import { packWeights, unpackWeights, type WeightMap } from '../core/train/trainer-checkpoint';
import { opfsBlobStore, type BlobStore } from './checkpoint-storage';
import { StorageError, toStorageError } from './storage-error';

/**
 * Final (best-validation) weights of a finished run, kept in OPFS so that
 * saliency maps and exports work after a reload. Each run has a folder
 * `<root>/<runId>/` with `manifest.json` (model description, tensor names,
 * shapes and offsets) and `weights.bin` (all tensors as one Float32 buffer).
 */

/** Model description stored beside the tensors, enough to rebuild the network. */
export type RunWeightsModel = {
  kind: 'small-cnn';
  inputSize: number;
  channels: number[];
  numClasses: number;
};

export interface RunWeights {
  model: RunWeightsModel;
  tensors: WeightMap;
}

interface RunWeightsManifest {
  formatVersion: 1;
  runId: string;
  savedAt: number;
  model: RunWeightsModel;
  index: { name: string; shape: number[]; offset: number; length: number }[];
}

const FORMAT_VERSION = 1;

/**
 * Folder that contains every run's weights, below the current project's
 * OPFS folder (opfs.ts resolves keys there, see project-scope.ts). Every key
 * in this file is built from this one function.
 */
export function runWeightsRoot(): string {
  return 'runs';
}

function manifestKey(runId: string): string {
  return `${runWeightsRoot()}/${checkRunId(runId)}/manifest.json`;
}

function binaryKey(runId: string): string {
  return `${runWeightsRoot()}/${checkRunId(runId)}/weights.bin`;
}

/**
 * Saves a run's weights: the binary first, then the manifest that points at
 * it, so a manifest always describes a complete binary. Throws a
 * StorageError (code `quota-exceeded` when the browser storage is full).
 */
export async function saveRunWeights(runId: string, weights: RunWeights, blobs: BlobStore = opfsBlobStore): Promise<void> {
  checkRunId(runId);
  const packed = packWeights(weights.tensors);
  const manifest: RunWeightsManifest = {
    formatVersion: FORMAT_VERSION,
    runId,
    savedAt: Date.now(),
    model: weights.model,
    index: packed.index,
  };

  try {
    await blobs.write(binaryKey(runId), packed.buffer);
    await blobs.write(manifestKey(runId), new TextEncoder().encode(JSON.stringify(manifest)).buffer as ArrayBuffer);
  } catch (error) {
    // A binary without its manifest is never read, but it takes space: remove what was written.
    await deleteRunWeights(runId, blobs).catch(() => undefined);
    throw toStorageError(error, `Saving the weights of run ${runId}`);
  }
}

/** Loads a run's weights, or returns null when the run has none stored. */
export async function loadRunWeights(runId: string, blobs: BlobStore = opfsBlobStore): Promise<RunWeights | null> {
  const manifestBytes = await blobs.read(manifestKey(runId));
  if (!manifestBytes) return null;

  let manifest: RunWeightsManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as RunWeightsManifest;
  } catch (error) {
    throw new StorageError('failed', `The weights manifest of run ${runId} is not valid JSON; train the run again.`, error);
  }
  if (manifest.formatVersion !== FORMAT_VERSION || !Array.isArray(manifest.index) || manifest.model?.kind !== 'small-cnn') {
    throw new StorageError('failed', `The weights manifest of run ${runId} has an unknown format (version ${String(manifest.formatVersion)}); train the run again.`);
  }

  const buffer = await blobs.read(binaryKey(runId));
  if (!buffer) {
    throw new StorageError('not-found', `The weights of run ${runId} are missing (${binaryKey(runId)}); train the run again.`);
  }

  const expectedBytes = manifest.index.reduce((sum, entry) => sum + entry.length, 0) * Float32Array.BYTES_PER_ELEMENT;
  if (buffer.byteLength !== expectedBytes) {
    throw new StorageError('failed', `The weights of run ${runId} have ${buffer.byteLength} bytes but the manifest lists ${expectedBytes}; the file is damaged, train the run again.`);
  }
  return { model: manifest.model, tensors: unpackWeights({ index: manifest.index, buffer }) };
}

/** Deletes a run's weights; a run without stored weights is not an error. */
export async function deleteRunWeights(runId: string, blobs: BlobStore = opfsBlobStore): Promise<void> {
  await blobs.remove(manifestKey(runId));
  await blobs.remove(binaryKey(runId));
  await blobs.remove(`${runWeightsRoot()}/${checkRunId(runId)}`);
}

/** Rejects ids that would escape the run's own folder. */
function checkRunId(runId: string): string {
  if (runId.length === 0 || runId.includes('/') || runId === '.' || runId === '..') {
    throw new Error(`Invalid run id "${runId}": it must be a non-empty name without "/".`);
  }
  return runId;
}
