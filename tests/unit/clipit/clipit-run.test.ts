import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ClipModel, loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { DEFAULT_CLIPIT_TRAIN_CONFIG } from '../../../src/core/clipit/clipit-train-config';
import { createClipItRun, runTextClassifier } from '../../../src/core/clipit/clipit-run';
import { ClipLoraTextTargets, PrecomputedTextTargets } from '../../../src/core/clipit/text-targets';
import { DEFAULT_CLIP_LORA_OPTIONS } from '../../../src/core/lora/clip-lora';
import { SeededRng } from '../../../src/core/rng';
import type { BatchSource } from '../../../src/core/train/classifier-trainer';
import { readModelFiles, readReference } from '../clip/tiny-clip-fixture';

const reference = readReference();
const REPORTS = reference.input_ids.slice(0, 4);
const IMAGES = 12;
const PAIRED = Int32Array.from({ length: IMAGES }, (_, i) => i % REPORTS.length);
const LABELS = Int32Array.from({ length: IMAGES }, (_, i) => i % 2);
const SPLIT = { train: [0, 1, 2, 3, 4, 5, 6, 7], val: [8, 9, 10, 11] };
const CONFIG = { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 1, batchSize: 4 };

let clip: ClipModel;

/** Random images of a given layout, fixed per index. */
function randomImages(shape: [number, number, number]): BatchSource {
  const size = shape[0] * shape[1] * shape[2];
  const values = new SeededRng('run-images').uniformArray(IMAGES * size, 0, 1);
  return { batch: (indices) => tf.tensor4d(Float32Array.from(indices.flatMap((i) => Array.from(values.subarray(i * size, (i + 1) * size)))), [indices.length, ...shape]) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  clip = loadClipFromFiles(readModelFiles(['config.json', 'model.safetensors', 'preprocessor_config.json']));
});

afterAll(() => {
  clip.dispose();
});

describe('createClipItRun', () => {
  it('precomputes text when text LoRA is off', async () => {
    const run = await createClipItRun({
      mode: 'clipit',
      backbone: { kind: 'small-cnn', cnn: { inputSize: 8, channels: [8], dropout: 0 } },
      numClasses: 2,
      images: randomImages([8, 8, 3]),
      labels: LABELS,
      split: SPLIT,
      config: CONFIG,
      clip,
      pairing: { reportTokenIds: REPORTS, pairedReport: PAIRED },
      lora: { ...DEFAULT_CLIP_LORA_OPTIONS, text: false },
    });

    expect(run.text).toBeInstanceOf(PrecomputedTextTargets);
    expect(run.lora).toBeUndefined();
    const fromRun = run.text!.embed([5, 6]);
    const direct = clip.embedText([REPORTS[1], REPORTS[2]]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(fromRun, direct))).dataSync()[0])).toBeLessThan(1e-5);

    const result = await run.trainer.run();
    expect(result.bestEpoch).toBe(1);
    tf.dispose([fromRun, direct]);
    run.dispose();
  });

  it('freezes the CLIP backbone in the baseline', async () => {
    const run = await createClipItRun({
      mode: 'unimodal',
      backbone: { kind: 'clip-vision' },
      numClasses: 2,
      images: randomImages([3, 64, 64]),
      labels: LABELS,
      split: SPLIT,
      config: CONFIG,
      clip,
    });

    expect([...run.trainer.params.keys()].sort()).toEqual(['heads/vision_head.bias', 'heads/vision_head.weight']);
    await run.trainer.run();
    run.dispose();
  });

  it('adapts both towers in CLIP-IT', async () => {
    const run = await createClipItRun({
      mode: 'clipit',
      backbone: { kind: 'clip-vision' },
      numClasses: 2,
      images: randomImages([3, 64, 64]),
      labels: LABELS,
      split: SPLIT,
      config: CONFIG,
      clip,
      pairing: { reportTokenIds: REPORTS, pairedReport: PAIRED },
    });

    const names = [...run.trainer.params.keys()];
    expect(run.text).toBeInstanceOf(ClipLoraTextTargets);
    expect(names.filter((n) => n.startsWith('backbone/')).length).toBe(2 * 14);
    expect(names.filter((n) => n.startsWith('text/')).length).toBe(2 * 14);
    expect(names.filter((n) => n.startsWith('heads/')).length).toBe(10);
    run.dispose();
  });

  it('rejects CLIP-IT without a pairing', async () => {
    await expect(
      createClipItRun({ mode: 'clipit', backbone: { kind: 'clip-vision' }, numClasses: 2, images: randomImages([3, 64, 64]), labels: LABELS, split: SPLIT, config: CONFIG, clip }),
    ).rejects.toThrow(/pairing/);
  });
});

describe('runTextClassifier', () => {
  it('trains on paired report embeddings', async () => {
    const epochs: number[] = [];
    const run = await runTextClassifier({
      clip,
      pairing: { reportTokenIds: REPORTS, pairedReport: PAIRED },
      labels: LABELS,
      numClasses: 2,
      split: SPLIT,
      config: { ...CONFIG, epochs: 2 },
      onEpoch: (p) => epochs.push(p.valLoss),
    });

    expect(epochs.length).toBe(2);
    expect(run.bestValLoss).toBe(Math.min(...epochs));
    run.classifier.dispose();
  });
});
