import fs from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { readSafetensors } from '../../../src/core/clip/safetensors-reader';
import { sha256Hex } from '../../../src/core/ingest/duplicates';
import type { Run } from '../../../src/state/runs-store';
import { buildRunBundle, datasetSha256, type BundleImage } from '../../../src/storage/run-bundle';
import { sharedPath } from '../shared-path';

const LC25000 = sharedPath('data', 'lc25000-lung');
const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];

/** Two real tiles per class, hashed as the import worker hashes them. */
async function realImages(): Promise<BundleImage[]> {
  const images: BundleImage[] = [];
  for (const [label, className] of CLASSES.entries()) {
    const names = fs.readdirSync(`${LC25000}/${className}`).filter((f) => f.endsWith('.jpeg')).sort().slice(0, 2);
    for (const name of names) {
      const bytes = new Uint8Array(fs.readFileSync(`${LC25000}/${className}/${name}`));
      images.push({ path: `lc25000-lung/${className}/${name}`, sha256: await sha256Hex(bytes), label });
    }
  }
  return images;
}

function finishedRun(images: BundleImage[]): Run {
  return {
    id: 'run-abc',
    name: 'Run 1 · CNN 32px · seed 0',
    createdAt: Date.UTC(2026, 0, 2),
    request: {
      runId: 'run-abc',
      classNames: CLASSES,
      labels: images.map((i) => i.label),
      split: { train: [0, 2, 4], val: [1, 3], test: [5] },
      model: { kind: 'small-cnn', inputSize: 32, channels: [16, 32, 64], dropout: 0 },
      epochs: 2,
      batchSize: 8,
      learningRate: 1e-3,
      weightDecay: 1e-4,
      clipNorm: 0.5,
      schedule: 'constant',
      seed: 0,
      checkpointEvery: 0,
      datasetFingerprint: '6-0000abcd',
    },
    phase: 'completed',
    statusMessage: 'Completed',
    decodeProgress: null,
    steps: [
      { runId: 'run-abc', step: 1, epoch: 1, stepsPerEpoch: 1, totalSteps: 2, loss: 1.1, gradNorm: 0.4, learningRate: 1e-3, imagesPerSecond: 50 },
      { runId: 'run-abc', step: 2, epoch: 2, stepsPerEpoch: 1, totalSteps: 2, loss: 0.9, gradNorm: 0.3, learningRate: 1e-3, imagesPerSecond: 55 },
    ],
    epochs: [{ runId: 'run-abc', epoch: 1, trainLoss: 1.1, valLoss: 1.0, valAccuracy: 0.5, valBalancedAccuracy: 0.5, isBest: true, numTensors: 40 }],
    result: {
      runId: 'run-abc',
      status: 'completed',
      bestValLoss: 1.0,
      test: null,
      predictions: [{ index: 5, label: 2, predicted: 2, probabilities: [0.1, 0.2, 0.7] }],
      meanImagesPerSecond: 52,
      backend: 'cpu',
    },
    warnings: [],
  };
}

describe('run bundle', () => {
  it('contains config, split, hashes, version, metrics, curves and weights', async () => {
    const images = await realImages();
    const run = finishedRun(images);
    const weights = {
      model: { kind: 'small-cnn' as const, inputSize: 32, channels: [16, 32, 64], numClasses: 3 },
      tensors: { 'head/kernel': { shape: [2, 3], values: new Float32Array([1, 2, 3, 4, 5, 6]) }, 'head/bias': { shape: [3], values: new Float32Array([0.1, 0.2, 0.3]) } },
    };
    const entries = unzipSync(await buildRunBundle({ run, images, appVersion: '0.1.0', weights, exportedAt: new Date('2026-01-03T00:00:00Z') }));

    const bundle = JSON.parse(strFromU8(entries['bundle.json']));
    expect(bundle.format).toBe('clip-it-studio-run-bundle');
    expect(bundle.appVersion).toBe('0.1.0');
    expect(bundle.config.learningRate).toBe(1e-3);
    expect(bundle.config.model.inputSize).toBe(32);
    expect(bundle.config.labels).toBeUndefined();
    expect(bundle.split.train).toEqual([images[0].path, images[2].path, images[4].path]);
    expect(bundle.split.val).toEqual([images[1].path, images[3].path]);
    expect(bundle.split.test).toEqual([images[5].path]);
    expect(bundle.datasetSha256).toBe(await datasetSha256(images));
    expect(bundle.metrics.bestValLoss).toBe(1.0);
    expect(bundle.metrics.backend).toBe('cpu');

    const files = strFromU8(entries['data/files.csv']).trim().split('\n');
    expect(files[0]).toBe('path,sha256,label,class,split');
    expect(files[1]).toBe(`${images[0].path},${images[0].sha256},0,lung_aca,train`);
    expect(files[6]).toBe(`${images[5].path},${images[5].sha256},2,lung_scc,test`);
    expect(images[0].sha256).toMatch(/^[0-9a-f]{64}$/);

    expect(strFromU8(entries['curves/steps.csv']).trim().split('\n')).toHaveLength(3);
    expect(strFromU8(entries['curves/epochs.csv'])).toContain('1,1.1,1,0.5,0.5,1');
    expect(strFromU8(entries['metrics/test-predictions.csv'])).toContain(`${images[5].path},2,2,0.1,0.2,0.7`);

    const tensors = readSafetensors(entries['weights/model.safetensors'], 'model.safetensors');
    expect([...tensors.get('head/kernel')!.values]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensors.get('head/kernel')!.shape).toEqual([2, 3]);
    expect(JSON.parse(strFromU8(entries['weights/model.json'])).numClasses).toBe(3);
  });

  it('changes the dataset hash when one file changes', async () => {
    const images = await realImages();
    const changed = images.map((image, i) => (i === 3 ? { ...image, sha256: images[0].sha256 } : image));
    expect(await datasetSha256(changed)).not.toBe(await datasetSha256(images));
  });

  it('rejects images that differ from the run', async () => {
    const images = await realImages();
    const run = finishedRun(images);
    await expect(buildRunBundle({ run, images: images.slice(1), appVersion: '0.1.0', weights: null })).rejects.toThrow(/import that same image folder/);
  });

  it('leaves weights out when the run has none', async () => {
    const images = await realImages();
    const entries = unzipSync(await buildRunBundle({ run: finishedRun(images), images, appVersion: '0.1.0', weights: null }));
    expect(entries['weights/model.safetensors']).toBeUndefined();
    expect(JSON.parse(strFromU8(entries['bundle.json'])).weights).toBeNull();
  });
});
