import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { REPO_ROOT, sharedPath } from '../shared-path';
import { hfConfigJson, hfPreprocessorJson, plainTimmTensors, toHfTensors, writeModelFolder } from '../vit/tiny-vit-fixture';

const REPORTS = sharedPath('data/tcga-reports/lung_normal_descriptions.jsonl');
const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];

function runCli(script: string, args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', script), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

function runCliError(script: string, args: string[]): string {
  try {
    runCli(script, args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  throw new Error(`${script} succeeded but was expected to fail`);
}

describe('clipit --backbone and predict from both formats', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'backbone-cli-'));
  const images = path.join(work, 'tiles');
  const clipDir = path.join(work, 'clip');
  const vitDir = path.join(work, 'phikon-like');
  const reports = path.join(work, 'reports.jsonl');
  const common = ['--images', images, '--reports', reports, '--clip', clipDir, '--epochs', '1', '--batch', '8', '--seeds', '0', '--stages', 'unimodal,clipit', '--no-text-lora', '--backend', 'cpu'];

  beforeAll(() => {
    for (const className of CLASSES) {
      const names = readdirSync(sharedPath('data/lc25000-lung', className)).sort().slice(0, 4);
      for (const name of names) cpSync(sharedPath('data/lc25000-lung', className, name), path.join(images, className, name));
    }
    for (const name of ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt', 'preprocessor_config.json', 'tokenizer_config.json']) {
      cpSync(sharedPath('fixtures/tiny-clip', name), path.join(clipDir, name));
    }
    cpSync(REPORTS, reports);
    writeModelFolder(vitDir, toHfTensors(plainTimmTensors(3)), hfConfigJson(), hfPreprocessorJson());

    runCli('clipit.ts', [...common, '--backbone', vitDir, '--out', path.join(work, 'vit-out')]);
    runCli('clipit.ts', [...common, '--backbone', 'clip', '--out', path.join(work, 'clip-out')]);
  }, 900_000);

  it.each([
    ['ViT folder', 'vit-out', 'vit', 32],
    ['CLIP vision tower', 'clip-out', 'clip-vision', 64],
  ])('%s run exports both formats', (_name, folder, kind, inputSize) => {
    const modelDir = path.join(work, folder, 'model');
    expect(readdirSync(modelDir).sort()).toEqual(['config.json', 'group1-shard1of1.bin', 'model.json', 'model.safetensors']);

    const config = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
    expect(config.backbone.kind).toBe(kind);
    expect(config.classNames).toEqual(CLASSES);
    const manifest = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
    expect(manifest.userDefinedMetadata.clipit_config).toEqual(config);

    const metrics = JSON.parse(readFileSync(path.join(work, folder, 'metrics.json'), 'utf8'));
    expect(metrics.image_size).toBe(inputSize);
    expect(metrics.clipit.per_seed_balanced_accuracy).toHaveLength(1);
  });

  // The ViT folder, the CLIP and the reports are removed first: prediction needs none of them.
  it('predict agrees across both formats', () => {
    rmSync(vitDir, { recursive: true });
    rmSync(clipDir, { recursive: true });
    rmSync(reports);

    for (const folder of ['vit-out', 'clip-out']) {
      const modelDir = path.join(work, folder, 'model');
      const outputs = (['safetensors', 'tfjs'] as const).map((format) => {
        const csv = path.join(work, `${folder}-${format}.csv`);
        runCli('predict.ts', ['--model', modelDir, '--images', images, '--out', csv, '--format', format, '--backend', 'cpu']);
        return readFileSync(csv, 'utf8');
      });

      const rows = outputs[0].trim().split('\n');
      expect(rows[0]).toBe('path,predicted,confidence,p_lung_aca,p_lung_n,p_lung_scc');
      expect(rows).toHaveLength(13);
      expect(outputs[1]).toBe(outputs[0]);
    }
  }, 600_000);

  it('rejects a backbone that is not a folder', () => {
    const message = runCliError('clipit.ts', ['--images', images, '--out', path.join(work, 'none'), '--stages', 'unimodal', '--backbone', path.join(work, 'missing-vit')]);
    expect(message).toContain('not "cnn", "clip" or a folder');
  });
});
