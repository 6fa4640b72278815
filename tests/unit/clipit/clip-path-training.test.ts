import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ClipModel, loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { readSafetensors } from '../../../src/core/clip/safetensors-reader';
import { ClipVisionBackbone } from '../../../src/core/clipit/clip-vision-backbone';
import { exportClipItModel, importClipItModel } from '../../../src/core/clipit/clipit-export';
import { clipItLoss } from '../../../src/core/clipit/clipit-loss';
import { ClipItModel } from '../../../src/core/clipit/clipit-model';
import { DEFAULT_CLIPIT_TRAIN_CONFIG } from '../../../src/core/clipit/clipit-train-config';
import { ClipItTrainer } from '../../../src/core/clipit/clipit-trainer';
import { ClipLoraTextTargets, PrecomputedTextTargets } from '../../../src/core/clipit/text-targets';
import { ClipLora, DEFAULT_CLIP_LORA_OPTIONS } from '../../../src/core/lora/clip-lora';
import { SeededRng } from '../../../src/core/rng';
import type { BatchSource } from '../../../src/core/train/classifier-trainer';
import { readModelFiles, readReference, readReferencePixels } from '../clip/tiny-clip-fixture';

const reference = readReference();
// The four shortest reference reports keep the text tower fast on the CPU backend.
const REPORTS = reference.input_ids.slice(0, 4);
const IMAGES = 8;
const PAIRED = Int32Array.from({ length: IMAGES }, (_, i) => i % REPORTS.length);
const LABELS = Int32Array.from({ length: IMAGES }, (_, i) => i % 2);

let clip: ClipModel;
let source: BatchSource;

beforeAll(async () => {
  await tf.setBackend('cpu');
  clip = loadClipFromFiles(readModelFiles(['config.json', 'model.safetensors', 'preprocessor_config.json']));

  // Eight NCHW images: the five reference pixel tensors and three noisy copies.
  const base = readReferencePixels(reference);
  const size = 3 * 64 * 64;
  const rng = new SeededRng('clip-path-images');
  const pixels = new Float32Array(IMAGES * size);
  for (let i = 0; i < IMAGES; i++) {
    const from = base.subarray((i % 5) * size, (i % 5 + 1) * size);
    for (let p = 0; p < size; p++) pixels[i * size + p] = from[p] + (i >= 5 ? 0.3 * rng.nextNormal() : 0);
  }
  source = {
    batch: (indices) => tf.tensor4d(Float32Array.from(indices.flatMap((i) => Array.from(pixels.subarray(i * size, (i + 1) * size)))), [indices.length, 3, 64, 64]),
  };
});

afterAll(() => {
  clip.dispose();
});

function buildModel(seed: number): { lora: ClipLora; model: ClipItModel; text: ClipLoraTextTargets } {
  const rng = new SeededRng(seed);
  const lora = new ClipLora(clip, DEFAULT_CLIP_LORA_OPTIONS, rng);
  const model = new ClipItModel(new ClipVisionBackbone(clip, lora), { numClasses: 2, projectionDim: clip.config.projectionDim }, rng);
  const text = new ClipLoraTextTargets(lora, { reportTokenIds: REPORTS, pairedReport: PAIRED });
  return { lora, model, text };
}

function absSum(tensor: tf.Tensor | undefined): number {
  return tensor ? tf.tidy(() => tf.sum(tf.abs(tensor)).dataSync()[0]) : 0;
}

describe('CLIP-IT on the tiny CLIP', () => {
  it('cosine term reaches vision and text LoRA', () => {
    const { lora, model, text } = buildModel(1);
    const indices = [0, 1, 2, 3];
    const images = source.batch(indices);
    const labels = tf.tensor1d(indices.map((i) => LABELS[i]), 'int32');
    const visionParams = lora.visionParams;
    const textParams = lora.textParams;

    const cosineOnly = tf.variableGrads(() => {
      const outputs = model.forward(images);
      return clipItLoss(outputs.fusionLogits, labels, text.embed(indices), outputs.projected, 1).cosine;
    }, [...visionParams.values(), ...textParams.values()]);
    const gradOf = (variable: tf.Variable): tf.Tensor | undefined => cosineOnly.grads[variable.name];

    // B starts at zero, so B (and the token table's A) carry the first gradient.
    const visionB = [...visionParams].filter(([name]) => name.endsWith('lora_B')).map(([, v]) => absSum(gradOf(v)));
    const textB = [...textParams].filter(([name]) => name.endsWith('lora_B') && !name.includes('token_embedding')).map(([, v]) => absSum(gradOf(v)));
    expect(visionB.length).toBe(14);
    expect(textB.length).toBe(13);
    expect(visionB.every((sum) => sum > 0)).toBe(true);
    expect(textB.every((sum) => sum > 0)).toBe(true);
    expect(absSum(gradOf(lora.tokenEmbedding!.a))).toBeGreaterThan(0);

    // Cross-entropy alone does not depend on the text tower.
    const ceOnly = tf.variableGrads(() => {
      const outputs = model.forward(images);
      return clipItLoss(outputs.fusionLogits, labels, text.embed(indices), outputs.projected, 1).ce;
    }, [...visionParams.values(), ...textParams.values()]);
    expect([...textParams.values()].every((v) => absSum(ceOnly.grads[v.name]) === 0)).toBe(true);

    tf.dispose([images, labels, cosineOnly.value, ceOnly.value, ...Object.values(cosineOnly.grads), ...Object.values(ceOnly.grads)]);
    model.dispose();
    lora.dispose();
  });

  it('training changes only LoRA and head weights', async () => {
    const { lora, model, text } = buildModel(2);
    const baseBefore = new Map(clip.weights.names().map((name) => [name, Float32Array.from(clip.weights.get(name).dataSync())]));
    const headsBefore = new Map([...model.headParams].map(([name, v]) => [name, Float32Array.from(v.dataSync())]));
    const steps: number[] = [];

    const trainer = new ClipItTrainer({
      model,
      mode: 'clipit',
      images: source,
      labels: LABELS,
      split: { train: [0, 1, 2, 3, 4, 5], val: [6, 7] },
      text,
      config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 1, batchSize: 3 },
    });
    await trainer.run({ onStep: (progress) => steps.push(progress.loss) });

    expect(steps.length).toBe(2);
    for (const [name, values] of baseBefore) {
      expect(Buffer.from(clip.weights.get(name).dataSync().buffer).equals(Buffer.from(values.buffer)), `base weight ${name}`).toBe(true);
    }
    for (const [name, values] of headsBefore) {
      expect(Buffer.from(model.headParams.get(name)!.dataSync().buffer).equals(Buffer.from(values.buffer)), `head ${name}`).toBe(false);
    }
    const changedAdapters = [...lora.visionParams, ...lora.textParams].filter(([name]) => name.endsWith('lora_B') && !name.includes('token_embedding'));
    expect(changedAdapters.every(([, v]) => absSum(v) > 0)).toBe(true);
    expect(absSum(lora.tokenEmbedding!.a)).toBeGreaterThan(0);

    trainer.dispose();
    model.dispose();
    lora.dispose();
  });

  it('keeps the tensor count flat', async () => {
    const { lora, model, text } = buildModel(6);
    const trainer = new ClipItTrainer({
      model,
      mode: 'clipit',
      images: source,
      labels: LABELS,
      split: { train: [0, 1, 2, 3], val: [6, 7] },
      text,
      config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 3, batchSize: 2 },
    });
    const counts: number[] = [];

    await trainer.run({ onEpoch: () => counts.push(tf.memory().numTensors) });

    expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(', ')}`).toBe(1);
    trainer.dispose();
    model.dispose();
    lora.dispose();
  });

  it('export predicts as the adapted model', async () => {
    const { lora, model } = buildModel(3);
    const rng = new SeededRng(4);
    for (const adapter of lora.vision.values()) adapter.b.assign(tf.tensor(rng.normalArray(adapter.b.size, 0.05), adapter.b.shape));

    const images = source.batch([0, 1, 2, 3, 4, 5, 6, 7]);
    const before = model.logits(images);
    const exported = await exportClipItModel(model);
    const imported = importClipItModel(exported.safetensors);
    const after = imported.logits(images);

    const names = [...readSafetensors(exported.safetensors, 'export').keys()];
    expect(exported.config.backbone.kind).toBe('clip-vision');
    expect(names).toContain('backbone.vision_model.embeddings.patch_embedding.weight');
    expect(names.filter((name) => name.includes('text_') || name.includes('lora_'))).toEqual([]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(before, after))).dataSync()[0])).toBeLessThan(1e-4);
    expect(Array.from(tf.argMax(after, 1).dataSync())).toEqual(Array.from(tf.argMax(before, 1).dataSync()));

    tf.dispose([images, before, after]);
    imported.dispose();
    model.dispose();
    lora.dispose();
  });

  it('precomputed targets equal untrained LoRA targets', () => {
    const { lora, text } = buildModel(5);
    const frozen = clip.embedText(REPORTS);
    const precomputed = new PrecomputedTextTargets(frozen.dataSync() as Float32Array, clip.config.projectionDim, PAIRED);

    const fromLora = text.embed([0, 1, 5, 6]);
    const fromTable = precomputed.embed([0, 1, 5, 6]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(fromLora, fromTable))).dataSync()[0])).toBe(0);

    tf.dispose([frozen, fromLora, fromTable]);
    precomputed.dispose();
    lora.dispose();
  });
});
