import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_AUGMENT_CONFIG } from '../../../src/core/augment/augment-config';
import { ClipItModel } from '../../../src/core/clipit/clipit-model';
import { type ClipItStepProgress, DEFAULT_CLIPIT_TRAIN_CONFIG } from '../../../src/core/clipit/clipit-train-config';
import { ClipItTrainer } from '../../../src/core/clipit/clipit-trainer';
import { CnnBackbone } from '../../../src/core/clipit/cnn-backbone';
import { SeededRng } from '../../../src/core/rng';
import type { ClassBalance } from '../../../src/core/train/class-balance';
import { cropTile, LUNG_ACA_TILE, LUNG_N_TILE, loadTile } from '../stain/tile-fixture';

const SIZE = 16;

// Twelve 16x16 crops of two real tiles (lung_aca label 0, lung_n label 1), nine of class 0 and three of class 1.
function realTiles() {
  const tiles = [loadTile(LUNG_ACA_TILE), loadTile(LUNG_N_TILE)];
  const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  const pixels = Array.from(labels, (label, n) => {
    const tile = tiles[label];
    const shifted = { ...tile, rgb: tile.rgb.subarray(n * 9 * tile.width * 3), height: tile.height - n * 9 };
    return cropTile(shifted, SIZE).rgb;
  });
  const source = {
    batch(indices: readonly number[]) {
      const data = new Float32Array(indices.length * SIZE * SIZE * 3);
      indices.forEach((index, row) => data.set(pixels[index], row * SIZE * SIZE * 3));
      return tf.tensor4d(data, [indices.length, SIZE, SIZE, 3]);
    },
  };
  return { labels, source };
}

async function trainUnimodal(classBalance: ClassBalance, augment: boolean): Promise<{ losses: number[]; valLoss: number }> {
  const { labels, source } = realTiles();
  const rng = new SeededRng(3);
  const model = new ClipItModel(new CnnBackbone({ inputSize: SIZE, channels: [4], numClasses: 2, dropout: 0 }, rng), { numClasses: 2, projectionDim: 1 }, rng);
  const config = { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 2, batchSize: 4, seed: 3, augment: augment ? DEFAULT_AUGMENT_CONFIG : null, classBalance };
  const trainer = new ClipItTrainer({ model, mode: 'unimodal', images: source, labels, split: { train: [0, 1, 2, 3, 4, 5, 6, 9, 10], val: [7, 8, 11] }, config });
  const steps: ClipItStepProgress[] = [];

  await trainer.run({ onStep: (p) => steps.push(p) });
  const val = await trainer.evaluate([7, 8, 11]);
  trainer.dispose();
  model.dispose();
  return { losses: steps.map((s) => s.loss), valLoss: val.loss };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ClipItTrainer augmentation and class balance', () => {
  it('seeded run is reproducible', async () => {
    const first = await trainUnimodal('sampling', true);
    const second = await trainUnimodal('sampling', true);

    expect(first.losses).toHaveLength(6);
    expect(second.losses).toEqual(first.losses);
    expect(second.valLoss).toBe(first.valLoss);
  });

  it('each setting changes the training losses', async () => {
    const plain = await trainUnimodal('none', false);
    const augmented = await trainUnimodal('none', true);
    const weighted = await trainUnimodal('weighted', false);
    const sampled = await trainUnimodal('sampling', false);

    // Same seed and order: augmentation changes the pixels, weighting the loss, sampling the order.
    expect(augmented.losses).not.toEqual(plain.losses);
    expect(weighted.losses).not.toEqual(plain.losses);
    expect(sampled.losses).not.toEqual(plain.losses);
    // The first step uses the same batch and initial weights, so its loss differs only through
    // the augmented pixels or the class weights.
    expect(augmented.losses[0]).not.toBe(plain.losses[0]);
    expect(weighted.losses[0]).not.toBe(plain.losses[0]);
  });
});
