import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadClipTokenizerFromFiles, type ClipBpeTokenizer } from '../../../src/core/clip/bpe-tokenizer';
import { type ClipModel, loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { cosineSimilarityMatrix } from '../../../src/core/contrastive/zero-shot';
import { EVALUATION_PASSAGES_PER_CLASS, EVALUATION_SEED } from '../../../scripts/demo-clip/demo-clip-config';
import { DEFAULT_SPLIT_FILE, heldOutEvaluationSet, readPassages, readSplit, readTiles } from '../../../scripts/demo-clip/demo-data';
import { embedPassages, embedTiles, measureTypeMatch } from '../../../scripts/demo-clip/evaluate-demo-clip';
import { REPO_ROOT, sharedPath } from '../shared-path';

const MODEL_DIR = path.join(REPO_ROOT, 'public/models/demo-clip');
const MODEL_FILES = ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'preprocessor_config.json', 'MODEL_CARD.md'];
const LUNG_FOLDER = sharedPath('data/lc25000-lung');

describe('demo CLIP', () => {
  let model: ClipModel;
  let tokenizer: ClipBpeTokenizer;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const files = new Map<string, Uint8Array>();
    for (const name of MODEL_FILES) files.set(name, new Uint8Array(fs.readFileSync(path.join(MODEL_DIR, name))));
    model = loadClipFromFiles(files);
    tokenizer = loadClipTokenizerFromFiles(files);
  });

  afterAll(() => model?.dispose());

  it('loads through the ordinary reader', () => {
    expect(model.config.vision.imageSize).toBe(64);
    expect(model.config.text.vocabSize).toBe(tokenizer.endTokenId + 1);
    expect(tokenizer.startTokenId).toBe(tokenizer.endTokenId - 1);
    expect(model.logitScale).toBeGreaterThan(1);
    expect(model.logitScale).toBeLessThanOrEqual(100 + 1e-3);
    expect(fs.statSync(path.join(MODEL_DIR, 'model.safetensors')).size).toBeLessThan(8e6);
  });

  it('split keeps held-out groups apart', () => {
    const split = readSplit(DEFAULT_SPLIT_FILE);
    const allGroups = new Set(readTiles(LUNG_FOLDER).map((tile) => tile.groupId));
    const train = new Set(split.trainGroups);
    expect(split.heldOutGroups.filter((group) => train.has(group))).toEqual([]);
    expect(train.size + split.heldOutGroups.length).toBe(allGroups.size);
  });

  it('matches held-out tiles to their passage type', () => {
    const split = readSplit(DEFAULT_SPLIT_FILE);
    const corpus = readPassages(sharedPath('data/tcga-reports'));
    const evaluation = heldOutEvaluationSet(readTiles(LUNG_FOLDER), corpus.passages, split, EVALUATION_SEED, EVALUATION_PASSAGES_PER_CLASS);

    const texts = embedPassages(model, tokenizer, evaluation.passages.map((passage) => passage.text));
    const images = embedTiles(model, LUNG_FOLDER, evaluation.tiles);
    const result = measureTypeMatch(cosineSimilarityMatrix(images, texts), evaluation.tiles, evaluation.passages);
    tf.dispose([texts, images]);

    // Chance is 1/3 with a balanced pool; the training script measured the same set on wasm.
    expect(result.tiles).toBe(split.heldOutGroups.length);
    expect(result.passages).toBe(3 * EVALUATION_PASSAGES_PER_CLASS);
    expect(result.typeMatch).toBeGreaterThanOrEqual(0.6);
    const summary = JSON.parse(fs.readFileSync(path.join(MODEL_DIR, 'training-summary.json'), 'utf8')) as { sample: { typeMatch: number } };
    expect(Math.abs(result.typeMatch - summary.sample.typeMatch)).toBeLessThanOrEqual(0.02);
  }, 120_000);
});
