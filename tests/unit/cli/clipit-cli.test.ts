import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadClipTokenizerFromFiles } from '../../../src/core/clip/bpe-tokenizer';
import { loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { preprocessImages } from '../../../src/core/clip/image-preprocess';
import { decodeImageFile } from '../../../src/core/ingest/image-decode';
import { loadReportFile } from '../../../src/core/reports/report-file';
import { nodeImageDecoder } from '../../../src/platform/node-image-decoder';
import { REPO_ROOT, sharedPath } from '../shared-path';

const REPORTS = sharedPath('data/tcga-reports/lung_normal_descriptions.jsonl');

function runCli(script: string, args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', script), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

/** Parses the simple CSV the commands write (quoted cells may hold commas). */
function parseCsvLines(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.trim().split('\n')) {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const char = line[i];
      if (quoted && char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = !quoted;
      else if (char === ',' && !quoted) {
        cells.push(cell);
        cell = '';
      } else cell += char;
    }
    cells.push(cell);
    rows.push(cells);
  }
  return rows;
}

describe('clipit and predict commands', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'clipit-cli-'));
  const images = path.join(work, 'tiles');
  const clipDir = path.join(work, 'clip');
  const reports = path.join(work, 'reports.jsonl');
  const out = path.join(work, 'out');

  beforeAll(() => {
    // Four real tiles per class and private copies of the CLIP and reports, so they can be removed later.
    for (const className of ['lung_aca', 'lung_n', 'lung_scc']) {
      const names = execFileSync('ls', [sharedPath('data/lc25000-lung', className)], { encoding: 'utf8' }).trim().split('\n').sort().slice(0, 4);
      for (const name of names) cpSync(sharedPath('data/lc25000-lung', className, name), path.join(images, className, name));
    }
    for (const name of ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt', 'preprocessor_config.json', 'tokenizer_config.json']) {
      cpSync(sharedPath('fixtures/tiny-clip', name), path.join(clipDir, name));
    }
    cpSync(REPORTS, reports);

    runCli('clipit.ts', ['--images', images, '--reports', reports, '--clip', clipDir, '--out', out, '--epochs', '1', '--batch', '8', '--seeds', '0,1', '--image-size', '32', '--backend', 'cpu']);
  }, 600_000);

  it('writes metrics for every stage', () => {
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics.classes).toEqual(['lung_aca', 'lung_n', 'lung_scc']);
    expect(metrics.seeds).toEqual([0, 1]);
    expect(metrics.split.train + metrics.split.val + metrics.split.test).toBe(12);
    for (const stage of ['unimodal', 'text_classifier', 'clipit']) {
      expect(metrics[stage].balanced_accuracy).toBeGreaterThanOrEqual(0);
      expect(metrics[stage].per_seed_balanced_accuracy).toHaveLength(2);
      const total = metrics[stage].confusion_matrix.flat().reduce((a: number, b: number) => a + b, 0);
      expect(total).toBe(metrics.split.test * 2);
    }
  });

  it('pairs each image with the brute-force argmax report', async () => {
    await tf.setBackend('cpu');
    const files = new Map(['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'].map((n) => [n, new Uint8Array(readFileSync(path.join(clipDir, n)))]));
    const clip = loadClipFromFiles(files);
    const tokenizer = loadClipTokenizerFromFiles(files);
    const corpus = loadReportFile(new Uint8Array(readFileSync(reports)), 'reports.jsonl').corpus.reports;

    const normalise = (x: tf.Tensor2D) => tf.div(x, tf.norm(x, 'euclidean', 1, true)) as tf.Tensor2D;
    const texts = tf.tidy(() => normalise(clip.embedText(tokenizer.encodeBatch(corpus.map((r) => r.text)))));

    const rows = parseCsvLines(readFileSync(path.join(out, 'pairs.csv'), 'utf8')).slice(1);
    const top1 = rows.filter((row) => row[4] === '1');
    expect(top1).toHaveLength(12);

    for (const row of top1) {
      const decoded = await decodeImageFile(new Uint8Array(readFileSync(path.join(images, row[0]))), row[0], nodeImageDecoder);
      if (!decoded.ok) throw new Error(decoded.detail);
      const { values, shape } = preprocessImages([{ ...decoded.image, channels: 3 }], clip.preprocess);

      const similarities = tf.tidy(() => {
        const image = normalise(clip.embedImages(tf.tensor4d(values, shape)));
        return tf.matMul(image, texts, false, true);
      });
      const scores = Array.from(await similarities.data());
      similarities.dispose();

      const best = scores.indexOf(Math.max(...scores));
      expect(row[1]).toBe(corpus[best].id);
      expect(Number(row[3])).toBeCloseTo(scores[best], 4);
    }
    texts.dispose();
    clip.dispose();
  }, 300_000);

  it('predicts with the CLIP and reports removed', () => {
    rmSync(clipDir, { recursive: true });
    rmSync(reports);

    const predictions = path.join(work, 'predictions.csv');
    runCli('predict.ts', ['--model', path.join(out, 'model'), '--images', images, '--out', predictions, '--backend', 'cpu']);

    const rows = parseCsvLines(readFileSync(predictions, 'utf8'));
    expect(rows[0]).toEqual(['path', 'predicted', 'confidence', 'p_lung_aca', 'p_lung_n', 'p_lung_scc']);
    expect(rows).toHaveLength(13);
    for (const row of rows.slice(1)) {
      expect(row[0]).toMatch(/^lung_(aca|n|scc)\//);
      const probabilities = row.slice(3).map(Number);
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(Number(row[2])).toBeCloseTo(Math.max(...probabilities), 6);
    }
  }, 300_000);
});
