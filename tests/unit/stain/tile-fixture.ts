import fs from 'node:fs';

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

import { sharedPath } from '../shared-path';

/** Real H&E tiles used by the stain and augmentation tests. */
export const LUNG_ACA_TILE = sharedPath('data', 'lc25000-lung', 'lung_aca', 'lungaca10.jpeg');
export const LUNG_N_TILE = sharedPath('data', 'lc25000-lung', 'lung_n', 'lungn10.jpeg');
export const CRC_TUMOUR_TILE = sharedPath('data', 'crc-he-tiles', 'CRC-VAL-HE-7K', 'TUM', 'TUM-TCGA-DRHQMTQA.png');

export interface RgbTile {
  width: number;
  height: number;

  /** Interleaved RGB floats in [0, 1]. */
  rgb: Float32Array;
}

/** Decodes a JPEG or PNG tile to interleaved RGB floats in [0, 1], dropping alpha. */
export function loadTile(file: string): RgbTile {
  const bytes = fs.readFileSync(file);
  const decoded = file.endsWith('.png') ? PNG.sync.read(bytes) : jpeg.decode(bytes, { useTArray: true });
  const { width, height, data } = decoded;

  const rgb = new Float32Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    rgb[3 * p] = data[4 * p] / 255;
    rgb[3 * p + 1] = data[4 * p + 1] / 255;
    rgb[3 * p + 2] = data[4 * p + 2] / 255;
  }
  return { width, height, rgb };
}

/** Central crop of a tile, to keep tests fast. */
export function cropTile(tile: RgbTile, size: number): RgbTile {
  const x0 = Math.floor((tile.width - size) / 2);
  const y0 = Math.floor((tile.height - size) / 2);
  const rgb = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((y0 + y) * tile.width + x0) * 3;
    rgb.set(tile.rgb.subarray(from, from + size * 3), y * size * 3);
  }
  return { width: size, height: size, rgb };
}
