/**
 * Worker-side augmentation and stain-normalisation API: previews on the
 * decoded tiles, the reference fit, and the normalised copy of the tiles
 * that a training run uses.
 */

import * as tf from '@tensorflow/tfjs-core';

import type { AugmentPreview, AugmentPreviewRequest, AugmentWorkerApi, PreviewTile, StainPreview } from '../augment-protocol';
import { BatchAugmenter } from '../core/augment/batch-augmenter';
import type { PixelStore } from '../core/data/pixel-store';
import { fitStainReference, normalizePixelStore, normalizeTile, type StainMethod, type StainNormalizationSetting } from '../core/stain/stain-normalize-images';
import type { StainNormalizationParams } from '../core/stain/stain-params';
import { decodeForModel } from './decode-for-model';

/** Tiles and versions a preview may request, so a slip in the UI cannot decode the whole dataset into one message. */
const MAX_PREVIEW_TILES = 16;
const MAX_PREVIEW_VARIANTS = 8;

/**
 * The last normalised copy of the decoded tiles, reused while the tiles and parameters stay the same.
 * NOTE: the copy doubles the tile memory while it is cached (12 KB per 64 px tile).
 */
let normalizedCache: { source: PixelStore; key: string; store: PixelStore; unchanged: number } | null = null;

/** Builds the API over the worker's decoded tiles. */
export function createAugmentApi(getPixels: () => PixelStore | null): AugmentWorkerApi {
  return {
    async previewAugmentation(request: AugmentPreviewRequest): Promise<AugmentPreview> {
      const pixels = requirePixels(getPixels(), request.indices);
      const variantCount = Math.min(Math.max(1, Math.floor(request.variants)), MAX_PREVIEW_VARIANTS);
      const originals = request.indices.map((index) => tileOf(pixels, index, request.stainNormalization));

      // The same op and seed path as training: one batch of the originals per version.
      const augmenter = new BatchAugmenter(request.config, request.seed);
      const batch = batchOf(originals);
      const variants: PreviewTile[][] = [];
      try {
        for (let v = 0; v < variantCount; v++) {
          const augmented = augmenter.augment(batch, request.roll * MAX_PREVIEW_VARIANTS + v);
          const values = (await augmented.data()) as Float32Array;
          augmented.dispose();
          variants.push(splitBatch(values, originals));
        }
      } finally {
        batch.dispose();
      }
      return { originals, variants };
    },

    async fitStainReference(file: Blob, path: string, inputSize: number, method: StainMethod): Promise<StainNormalizationSetting> {
      const decoded = await decodeForModel(file, path, inputSize);
      if (!decoded.ok) throw new Error(`Reference tile ${path} could not be decoded (${decoded.detail}); pick another tile.`);
      try {
        return { method, referencePath: path, params: fitStainReference(decoded.rgb, method) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`Reference tile ${path}: ${message}`);
      }
    },

    async previewStainNormalization(indices: number[], params: StainNormalizationParams): Promise<StainPreview> {
      const pixels = requirePixels(getPixels(), indices);
      const originals = indices.map((index) => tileOf(pixels, index, null));
      const unchanged: number[] = [];
      const normalized = originals.map((tile) => {
        const result = normalizeTile(tile.rgb, params);
        if (!result.normalized) unchanged.push(tile.index);
        return { ...tile, rgb: result.rgb };
      });
      return { originals, normalized, unchanged };
    },
  };
}

/**
 * Returns the tiles a run trains on: the decoded tiles, or their stain-normalised
 * copy when the run has a stain setting. Reports the tiles left unchanged.
 */
export function trainingPixels(pixels: PixelStore, setting: StainNormalizationSetting | null | undefined, onStatus: (message: string) => void): PixelStore {
  if (!setting) return pixels;

  const key = JSON.stringify(setting.params);
  if (!normalizedCache || normalizedCache.source !== pixels || normalizedCache.key !== key) {
    onStatus(`Stain normalisation (${setting.method}) of ${pixels.count} images`);
    const { store, unchanged } = normalizePixelStore(pixels, setting.params);
    normalizedCache = { source: pixels, key, store, unchanged: unchanged.length };
  }
  if (normalizedCache.unchanged > 0) {
    onStatus(`Stain normalisation left ${normalizedCache.unchanged} tile(s) with too little tissue unchanged`);
  }
  return normalizedCache.store;
}

function requirePixels(pixels: PixelStore | null, indices: readonly number[]): PixelStore {
  if (!pixels) throw new Error('No images are decoded: load the dataset before the preview.');
  if (indices.length === 0 || indices.length > MAX_PREVIEW_TILES) {
    throw new Error(`A preview shows 1 to ${MAX_PREVIEW_TILES} tiles, got ${indices.length}.`);
  }
  for (const index of indices) {
    if (!pixels.has(index)) throw new Error(`Image ${index} is not decoded; load the dataset again.`);
  }
  return pixels;
}

function tileOf(pixels: PixelStore, index: number, params: StainNormalizationParams | null): PreviewTile {
  const rgb = Uint8Array.from(pixels.get(index));
  return { index, size: pixels.size, rgb: params ? normalizeTile(rgb, params).rgb : rgb };
}

function batchOf(tiles: readonly PreviewTile[]): tf.Tensor4D {
  const size = tiles[0].size;
  const values = new Float32Array(tiles.length * size * size * 3);
  tiles.forEach((tile, n) => {
    for (let i = 0; i < tile.rgb.length; i++) values[n * tile.rgb.length + i] = tile.rgb[i] / 255;
  });
  return tf.tensor4d(values, [tiles.length, size, size, 3]);
}

function splitBatch(values: Float32Array, tiles: readonly PreviewTile[]): PreviewTile[] {
  return tiles.map((tile, n) => {
    const rgb = new Uint8Array(tile.rgb.length);
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.round(values[n * rgb.length + i] * 255);
    return { index: tile.index, size: tile.size, rgb };
  });
}
