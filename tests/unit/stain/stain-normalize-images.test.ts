import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { exportClipItModel, exportedStainNormalization, importClipItModel } from '../../../src/core/clipit/clipit-export';
import { ClipItModel } from '../../../src/core/clipit/clipit-model';
import { CnnBackbone } from '../../../src/core/clipit/cnn-backbone';
import { PixelStore } from '../../../src/core/data/pixel-store';
import { resizeRgbSquare } from '../../../src/core/data/resize-rgb';
import { SeededRng } from '../../../src/core/rng';
import { channelStatistics, rgbToLab } from '../../../src/core/stain/color-lab';
import { applyMacenko, fitMacenko } from '../../../src/core/stain/macenko';
import { fitStainReference, normalizePixelStore, normalizeTile } from '../../../src/core/stain/stain-normalize-images';
import { CRC_TUMOUR_TILE, LUNG_ACA_TILE, LUNG_N_TILE, loadTile, type RgbTile } from './tile-fixture';

const SIZE = 64;

/** Returns a real tile as the training path stores it: RGB uint8 resized to the model input size. */
function atInputSize(tile: RgbTile): Uint8Array {
  const bytes = Uint8Array.from(tile.rgb, (v) => Math.round(v * 255));
  return resizeRgbSquare(bytes, tile.width, tile.height, SIZE);
}

function labStats(rgb: Uint8Array | Float32Array) {
  const floats = rgb instanceof Uint8Array ? Float32Array.from(rgb, (v) => v / 255) : rgb;
  return channelStatistics(rgbToLab(floats));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('normalizePixelStore', () => {
  it('Reinhard gives each tile the reference LAB mean and std', () => {
    const reference = atInputSize(loadTile(CRC_TUMOUR_TILE));
    const store = new PixelStore(2, SIZE);
    store.set(0, atInputSize(loadTile(LUNG_ACA_TILE)));
    store.set(1, atInputSize(loadTile(LUNG_N_TILE)));

    const params = fitStainReference(reference, 'reinhard');
    const { store: normalized, unchanged } = normalizePixelStore(store, params);
    const target = labStats(reference);

    // Gamut clipping leaves a gap, rounding to uint8 almost none. Measured largest gaps: 0.16 LAB
    // units on the adenocarcinoma tile, 1.65 (L std) on the pale benign tile, whose stretched L
    // values are clipped at white.
    const bounds = [0.5, 2];
    expect(unchanged).toEqual([]);
    for (const index of [0, 1]) {
      const result = labStats(normalized.get(index));
      for (let c = 0; c < 3; c++) {
        expect(Math.abs(result.mean[c] - target.mean[c])).toBeLessThan(bounds[index]);
        expect(Math.abs(result.std[c] - target.std[c])).toBeLessThan(bounds[index]);
      }
    }
  });

  it('Macenko moves each LAB channel towards the reference', () => {
    const source = loadTile(LUNG_ACA_TILE).rgb;
    const reference = loadTile(CRC_TUMOUR_TILE).rgb;
    const target = labStats(reference);
    const before = labStats(source);

    const after = labStats(applyMacenko(source, fitMacenko(reference)));

    // Macenko matches stain vectors and concentration ranges, not LAB moments. The bounds are
    // therefore the measured gaps on this pair plus a margin. Measured mean gaps 4.9, 6.3 and 1.6
    // and std gaps 2.2, 1.7 and 1.5 LAB units, against 11.0, 1.3 and 29.4 (mean) and 4.3, 3.3
    // and 10.1 (std) before normalisation.
    const meanBounds = [6, 7.5, 2.5];
    const stdBounds = [3, 2.5, 2.5];
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(after.mean[c] - target.mean[c])).toBeLessThan(meanBounds[c]);
      expect(Math.abs(after.std[c] - target.std[c])).toBeLessThan(stdBounds[c]);
    }
    expect(Math.abs(after.mean[2] - target.mean[2])).toBeLessThan(Math.abs(before.mean[2] - target.mean[2]));
  });

  it('leaves a tile without tissue unchanged', () => {
    const params = fitStainReference(atInputSize(loadTile(CRC_TUMOUR_TILE)), 'macenko');
    const white = new Uint8Array(SIZE * SIZE * 3).fill(250);
    const store = new PixelStore(2, SIZE);
    store.set(0, white);
    store.set(1, atInputSize(loadTile(LUNG_ACA_TILE)));

    const { store: normalized, unchanged } = normalizePixelStore(store, params);

    expect(unchanged).toEqual([0]);
    expect(normalized.get(0)).toEqual(white);
    expect(normalized.get(1)).not.toEqual(store.get(1));
    expect(normalizeTile(white, params).normalized).toBe(false);
  });

  it('rejects a reference without tissue', () => {
    expect(() => fitStainReference(new Uint8Array(SIZE * SIZE * 3).fill(255), 'macenko')).toThrow(/Macenko fit failed/);
  });
});

describe('exported stain normalisation', () => {
  it('round trip through the model config', async () => {
    const rng = new SeededRng(1);
    const model = new ClipItModel(new CnnBackbone({ inputSize: 8, channels: [4], numClasses: 3, dropout: 0 }, rng), { numClasses: 3, projectionDim: 4 }, rng);
    const params = fitStainReference(atInputSize(loadTile(CRC_TUMOUR_TILE)), 'macenko');

    const exported = await exportClipItModel(model, ['a', 'b', 'c'], params);
    const restoredConfig = JSON.parse(JSON.stringify(exported.config));
    const imported = importClipItModel(exported.safetensors);

    expect(exportedStainNormalization(restoredConfig)).toEqual(params);
    expect(imported.numClasses).toBe(3);
    model.dispose();
    imported.dispose();
  });

  it('absent for a model without normalisation', async () => {
    const rng = new SeededRng(2);
    const model = new ClipItModel(new CnnBackbone({ inputSize: 8, channels: [4], numClasses: 2, dropout: 0 }, rng), { numClasses: 2, projectionDim: 4 }, rng);

    const exported = await exportClipItModel(model);

    expect(exported.config.stainNormalization).toBeUndefined();
    expect(exportedStainNormalization(exported.config)).toBeNull();
    model.dispose();
  });

  it('rejects malformed parameters naming the file', () => {
    const config = { stainNormalization: { method: 'macenko', stainMatrix: [[1, 0, 0]], maxConcentrations: [1, 1] } };

    expect(() => exportedStainNormalization(config as never, 'model/config.json')).toThrow(/model\/config.json: stainNormalization.stainMatrix/);
  });
});
