import { describe, expect, it } from 'vitest';

import type { BlobStore } from '../../../src/storage/checkpoint-storage';
import { deleteRunWeights, loadRunWeights, runWeightsRoot, saveRunWeights, type RunWeights } from '../../../src/storage/run-weights';
import { StorageError } from '../../../src/storage/storage-error';

function memoryBlobs(): BlobStore & { keys(): string[]; map: Map<string, ArrayBuffer> } {
  const map = new Map<string, ArrayBuffer>();
  return {
    map,
    write: async (key, data) => void map.set(key, data.slice(0)),
    read: async (key) => map.get(key) ?? null,
    remove: async (key) => void map.delete(key),
    keys: () => [...map.keys()].sort(),
  };
}

function sampleWeights(): RunWeights {
  return {
    model: { kind: 'small-cnn', inputSize: 32, channels: [4], numClasses: 2 },
    tensors: {
      'conv0.weight': { shape: [1, 1, 3, 4], values: Float32Array.from({ length: 12 }, (_, i) => i / 10) },
      'head.bias': { shape: [2], values: new Float32Array([-1.5, 2.25]) },
    },
  };
}

describe('run weights storage', () => {
  it('round-trips model and tensors', async () => {
    const blobs = memoryBlobs();

    await saveRunWeights('run-a', sampleWeights(), blobs);
    const loaded = await loadRunWeights('run-a', blobs);

    expect(blobs.keys()).toEqual([`${runWeightsRoot()}/run-a/manifest.json`, `${runWeightsRoot()}/run-a/weights.bin`]);
    expect(loaded?.model).toEqual(sampleWeights().model);
    expect(loaded?.tensors['conv0.weight'].shape).toEqual([1, 1, 3, 4]);
    expect(Array.from(loaded!.tensors['conv0.weight'].values)).toEqual(Array.from(sampleWeights().tensors['conv0.weight'].values));
    expect(Array.from(loaded!.tensors['head.bias'].values)).toEqual([-1.5, 2.25]);
  });

  it('missing run returns null', async () => {
    expect(await loadRunWeights('never-saved', memoryBlobs())).toBeNull();
  });

  it('rejects a truncated binary', async () => {
    const blobs = memoryBlobs();
    await saveRunWeights('run-b', sampleWeights(), blobs);
    const key = `${runWeightsRoot()}/run-b/weights.bin`;
    blobs.map.set(key, blobs.map.get(key)!.slice(0, 8));

    await expect(loadRunWeights('run-b', blobs)).rejects.toThrow(/8 bytes but the manifest lists 56/);
  });

  it('reports a missing binary', async () => {
    const blobs = memoryBlobs();
    await saveRunWeights('run-c', sampleWeights(), blobs);
    blobs.map.delete(`${runWeightsRoot()}/run-c/weights.bin`);

    await expect(loadRunWeights('run-c', blobs)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('quota error leaves nothing behind', async () => {
    const blobs = memoryBlobs();
    const full: BlobStore = {
      ...blobs,
      write: async (key, data) => {
        if (key.endsWith('manifest.json')) throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
        await blobs.write(key, data);
      },
    };

    const saving = saveRunWeights('run-d', sampleWeights(), full);

    await expect(saving).rejects.toBeInstanceOf(StorageError);
    await expect(saving).rejects.toMatchObject({ code: 'quota-exceeded' });
    expect(blobs.keys()).toEqual([]);
  });

  it('delete ignores missing runs', async () => {
    const blobs = memoryBlobs();
    await saveRunWeights('run-e', sampleWeights(), blobs);
    await saveRunWeights('run-f', sampleWeights(), blobs);

    await deleteRunWeights('run-e', blobs);
    await deleteRunWeights('never-saved', blobs);

    expect(await loadRunWeights('run-e', blobs)).toBeNull();
    expect(await loadRunWeights('run-f', blobs)).not.toBeNull();
  });

  it('rejects run id escaping folder', async () => {
    await expect(saveRunWeights('../escape', sampleWeights(), memoryBlobs())).rejects.toThrow(/Invalid run id/);
    await expect(loadRunWeights('', memoryBlobs())).rejects.toThrow(/Invalid run id/);
  });
});
