import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fitStainSetting, parseStages, parseTrainingOptions } from '../../../scripts/cli/training-options';
import { decodeAll, listDataset, pixelStoreSink } from '../../../scripts/cli/node-dataset';
import { DEFAULT_AUGMENT_CONFIG } from '../../../src/core/augment/augment-config';
import { exportClipItModel } from '../../../src/core/clipit/clipit-export';
import { ClipItModel } from '../../../src/core/clipit/clipit-model';
import { predictProbabilities } from '../../../src/core/clipit/clipit-predict';
import { CnnBackbone } from '../../../src/core/clipit/cnn-backbone';
import { SeededRng } from '../../../src/core/rng';
import { normalizePixelStore } from '../../../src/core/stain/stain-normalize-images';
import { REPO_ROOT, sharedPath } from '../shared-path';

const SIZE = 16;
const CRC_REFERENCE = sharedPath('data', 'crc-he-tiles', 'CRC-VAL-HE-7K', 'TUM', 'TUM-TCGA-DRHQMTQA.png');

function runCli(script: string, args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', script), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('training options', () => {
  it('parses the flags', () => {
    const options = parseTrainingOptions({ augment: true, 'class-balance': 'sampling', 'stain-norm': 'macenko', 'stain-reference': 'ref.png' });

    expect(options.augment).toEqual(DEFAULT_AUGMENT_CONFIG);
    expect(options.classBalance).toBe('sampling');
    expect(options.stainMethod).toBe('macenko');
    expect(parseTrainingOptions({ 'no-augment': true }).augment).toBeNull();
    expect(parseTrainingOptions({}).classBalance).toBe('none');
    expect(parseStages('unimodal, clipit')).toEqual(['unimodal', 'clipit']);
  });

  it('rejects invalid flags', () => {
    expect(() => parseTrainingOptions({ augment: true, 'no-augment': true })).toThrow(/contradict/);
    expect(() => parseTrainingOptions({ 'class-balance': 'oversample' })).toThrow(/Invalid --class-balance "oversample"/);
    expect(() => parseTrainingOptions({ 'stain-norm': 'vahadane', 'stain-reference': 'a.png' })).toThrow(/Invalid --stain-norm "vahadane"/);
    expect(() => parseTrainingOptions({ 'stain-norm': 'macenko' })).toThrow(/go together/);
    expect(() => parseStages('unimodal,cnn')).toThrow(/Invalid --stages "unimodal,cnn"/);
  });

  it('fits the reference at input size', async () => {
    const setting = await fitStainSetting('reinhard', CRC_REFERENCE, SIZE);

    expect(setting.method).toBe('reinhard');
    expect(setting.referencePath).toBe(CRC_REFERENCE);
    expect(setting.params.method).toBe('reinhard');
    await expect(fitStainSetting('macenko', path.join(REPO_ROOT, 'package.json'), SIZE)).rejects.toThrow(/could not be decoded/);
  });
});

describe('predict with stain normalisation', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'augment-cli-'));
  const images = path.join(work, 'tiles');
  const modelDir = path.join(work, 'model');

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('normalises tiles as the model config says', async () => {
    // Two real tiles per class, and a small CNN exported with Reinhard parameters of a colorectal tile.
    for (const className of ['lung_aca', 'lung_n', 'lung_scc']) {
      const folder = sharedPath('data', 'lc25000-lung', className);
      for (const name of readdirSync(folder).sort().slice(0, 2)) cpSync(path.join(folder, name), path.join(images, className, name));
    }
    const rng = new SeededRng(5);
    const model = new ClipItModel(new CnnBackbone({ inputSize: SIZE, channels: [4], numClasses: 3, dropout: 0 }, rng), { numClasses: 3, projectionDim: 4 }, rng);
    const setting = await fitStainSetting('reinhard', CRC_REFERENCE, SIZE);
    const exported = await exportClipItModel(model, ['lung_aca', 'lung_n', 'lung_scc'], setting.params);
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(path.join(modelDir, 'model.safetensors'), exported.safetensors);
    writeFileSync(path.join(modelDir, 'config.json'), JSON.stringify(exported.config));

    const predictions = path.join(work, 'predictions.csv');
    runCli('predict.ts', ['--model', modelDir, '--images', images, '--out', predictions, '--backend', 'cpu']);
    const rows = readFileSync(predictions, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));

    // Expected: the same decoding, then Reinhard, then the model; and what skipping Reinhard would give.
    const dataset = listDataset(images);
    const sink = pixelStoreSink(dataset.paths.length, SIZE);
    await decodeAll(images, dataset.paths, (index, image) => sink.add(index, image));
    const indices = dataset.paths.map((_, i) => i);
    const expected = await predictProbabilities(model, normalizePixelStore(sink.store, setting.params).store, indices);
    const unnormalized = await predictProbabilities(model, sink.store, indices);

    expect(rows).toHaveLength(6);
    let worstExpected = 0;
    let worstUnnormalized = 0;
    rows.forEach((row, i) => {
      expect(row[0]).toBe(dataset.paths[i]);
      for (let c = 0; c < 3; c++) {
        worstExpected = Math.max(worstExpected, Math.abs(Number(row[3 + c]) - expected[i * 3 + c]));
        worstUnnormalized = Math.max(worstUnnormalized, Math.abs(Number(row[3 + c]) - unnormalized[i * 3 + c]));
      }
    });
    // The CSV rounds to 6 decimals.
    expect(worstExpected).toBeLessThan(2e-6);
    expect(worstUnnormalized).toBeGreaterThan(1e-4);
    model.dispose();
  }, 300_000);
});
