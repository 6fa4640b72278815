/**
 * The CLIP API of the training worker as the headless runner drives it in Chromium: the weights
 * hash, the loaded model's summary, retrieval, and that unloading frees every tensor.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listModelFiles } from '../../../scripts/headless/model-folder';
import { HeadlessRunner } from '../../../scripts/headless/runner';
import { sharedPath } from '../shared-path';

const FIXTURE = sharedPath('fixtures', 'tiny-clip');
const TIMEOUT_MS = 240_000;

let runner: HeadlessRunner;

beforeAll(async () => {
  runner = await HeadlessRunner.open();
  await runner.call('initBackend', 'cpu');
}, TIMEOUT_MS);

afterAll(async () => {
  await runner?.close();
}, TIMEOUT_MS);

function modelFiles() {
  return listModelFiles(FIXTURE).map((file) => ({ path: file.path, url: runner.localUrl(file.file) }));
}

describe('headless CLIP API', () => {
  it('summary hashes the weight file', { timeout: TIMEOUT_MS }, async () => {
    const expectedHash = createHash('sha256').update(readFileSync(`${FIXTURE}/model.safetensors`)).digest('hex');
    const summary = await runner.call('loadClip', modelFiles());

    expect(summary.weightsSource).toBe('model.safetensors');
    expect(summary.weightsSha256).toBe(expectedHash);
    expect(summary.weightBytes).toBe(readFileSync(`${FIXTURE}/model.safetensors`).length);
    expect(summary.projectionDim).toBe(32);
    expect(summary.vision.imageSize).toBe(64);
    expect(summary.text.eosTokenId).toBe(2);
    expect(summary.hasTokenizer).toBe(true);
    expect(summary.backend).toBe('cpu');
    await runner.call('unloadClip');
  });

  it('unload frees every tensor', { timeout: TIMEOUT_MS }, async () => {
    const before = await runner.call('memory');
    await runner.call('loadClip', modelFiles());
    const loaded = await runner.call('memory');
    await runner.call('embed', { texts: ['tumor', 'benign lung tissue'] });
    const afterEmbed = await runner.call('memory');
    await runner.call('unloadClip');
    const after = await runner.call('memory');

    expect(loaded.numTensors).toBeGreaterThan(before.numTensors);
    expect(afterEmbed.numTensors).toBe(loaded.numTensors);
    expect(after.numTensors).toBe(before.numTensors);
  });

  it('embed without a model rejects', { timeout: TIMEOUT_MS }, async () => {
    await expect(runner.call('embed', { texts: ['tumor'] })).rejects.toThrow(/No CLIP model is loaded/);
  });

  it('retrieve ranks the known match first', { timeout: TIMEOUT_MS }, async () => {
    await runner.call('loadClip', modelFiles());
    const texts = ['adipose tissue', 'squamous cell carcinoma', 'lymph node'];
    const { textEmbeds } = await runner.call('embed', { texts });

    // Each query is a text embedding itself, scaled, so its best match is that text at cosine 1.
    const queries = [2, 0, 1].map((index) => textEmbeds![index].map((value) => value * 3));
    const result = await runner.call('retrieve', queries, textEmbeds!, 2);
    await runner.call('unloadClip');

    expect(result.k).toBe(2);
    expect(result.topIndices.filter((_, i) => i % 2 === 0)).toEqual([2, 0, 1]);
    result.topScores.filter((_, i) => i % 2 === 0).forEach((score) => expect(score).toBeCloseTo(1, 5));
  });
});
