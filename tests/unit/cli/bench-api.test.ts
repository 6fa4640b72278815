/** The worker's benchmark methods on the tfjs CPU backend: step timings, budgets and no leaked tensors. */
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { benchApi } from '../../../src/compute/bench-api';
import { clipApi } from '../../../src/compute/clip-api';
import { sharedPath } from '../shared-path';

const SMALL = { inputSize: 16, channels: [4, 8], batchSize: 4, warmupSteps: 1, seed: 0 };
const CLIPIT = { ...SMALL, reports: ['Invasive adenocarcinoma.', 'Benign lung tissue.', 'Squamous cell carcinoma.'], textLora: true, loraRank: 4, loraAlpha: 8 };
const FIXTURE_FILES = ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'preprocessor_config.json'];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('benchTrainStep', () => {
  it('times every step', async () => {
    const result = await benchApi.benchTrainStep({ ...SMALL, steps: 3 });

    expect(result.backend).toBe('cpu');
    expect(result.stepMs).toHaveLength(3);
    expect(result.timedSteps).toBe(2);
    expect(result.firstStepMs).toBe(result.stepMs[0]);
    result.stepMs.forEach((ms) => expect(ms).toBeGreaterThan(0));
    expect(result.imagesPerSecond).toBeGreaterThan(0);
  });

  it('stops after one timed step when the budget is spent', async () => {
    const result = await benchApi.benchTrainStep({ ...SMALL, steps: 6, budgetMs: 0 });

    expect(result.stepMs).toHaveLength(2);
    expect(result.timedSteps).toBe(1);
  });

  it('leaves no tensors behind', async () => {
    for (const steps of [2, 5]) {
      const result = await benchApi.benchTrainStep({ ...SMALL, steps });
      expect(result.memoryAfter.numTensors, `${steps} steps`).toBe(result.memoryBefore.numTensors);
      expect(result.memoryAfter.numBytes, `${steps} steps`).toBe(result.memoryBefore.numBytes);
    }
  });

  it('rejects steps not above warm-up', async () => {
    await expect(benchApi.benchTrainStep({ ...SMALL, steps: 1 })).rejects.toThrow(/steps > warmupSteps/);
  });
});

describe('benchClipItStep', () => {
  afterAll(async () => {
    await clipApi.unloadClip();
  });

  it('baseline mode leaves no tensors behind', async () => {
    const result = await benchApi.benchClipItStep({ ...CLIPIT, mode: 'unimodal', steps: 3 });

    expect(result.stepMs).toHaveLength(3);
    expect(result.imagesPerSecond).toBeGreaterThan(0);
    expect(result.memoryAfter.numTensors).toBe(result.memoryBefore.numTensors);
  });

  it('CLIP-IT mode rejects a missing CLIP', async () => {
    await expect(benchApi.benchClipItStep({ ...CLIPIT, mode: 'clipit', steps: 2 })).rejects.toThrow(/needs a loaded CLIP/);
  });

  it('CLIP-IT mode with text LoRA leaves no tensors behind', async () => {
    const files = FIXTURE_FILES.map((name) => ({ path: name, data: new Uint8Array(readFileSync(sharedPath('fixtures', 'tiny-clip', name))) }));
    await clipApi.loadClip(files);

    const result = await benchApi.benchClipItStep({ ...CLIPIT, mode: 'clipit', steps: 3 });

    expect(result.stepMs).toHaveLength(3);
    expect(result.imagesPerSecond).toBeGreaterThan(0);
    expect(result.memoryAfter.numTensors).toBe(result.memoryBefore.numTensors);
    expect(result.memoryAfter.numBytes).toBe(result.memoryBefore.numBytes);
  });
});

describe('benchRetrieval', () => {
  const REQUEST = { images: 50, texts: 30, dim: 8, k: 3, imageBlockSize: 16, textBlockSize: 8, budgetMs: 60_000, seed: 0 };

  it('times every image block', async () => {
    const result = await benchApi.benchRetrieval(REQUEST);

    expect(result.imageBlocks).toBe(4);
    expect(result.blockMs).toHaveLength(4);
    expect(result.complete).toBe(true);
    expect(result.totalMs).toBeCloseTo(result.blockMs.reduce((a, b) => a + b, 0), 6);
    expect(result.memoryAfter.numTensors).toBe(result.memoryBefore.numTensors);
  });

  it('estimates the total when the budget is spent', async () => {
    const result = await benchApi.benchRetrieval({ ...REQUEST, budgetMs: 0 });

    expect(result.blockMs).toHaveLength(1);
    expect(result.complete).toBe(false);
    expect(result.totalMs).toBeCloseTo(result.blockMs[0] * 4, 6);
  });

  it('rejects a zero block size', async () => {
    await expect(benchApi.benchRetrieval({ ...REQUEST, imageBlockSize: 0 })).rejects.toThrow(/imageBlockSize must be a positive integer/);
  });
});

describe('benchEpochMemory', () => {
  it('keeps tensor counts flat over epochs', async () => {
    const checkBefore = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
    const result = await benchApi.benchEpochMemory({ inputSize: 16, channels: [4, 8], batchSize: 4, epochs: 3, trainImages: 8, valImages: 4, seed: 0 });

    expect(result.afterEpoch).toHaveLength(3);
    expect(result.epochMs).toHaveLength(3);
    expect(result.afterEpoch[2].numTensors).toBe(result.afterEpoch[0].numTensors);
    expect(result.afterEpoch[2].numBytes).toBe(result.afterEpoch[0].numBytes);
    expect(result.after.numTensors).toBe(result.before.numTensors);
    expect(result.peakBytes).toBeGreaterThan(result.afterEpoch[0].numBytes);
    expect(tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS')).toBe(checkBefore);
  });
});
