/**
 * Stain normalisation of decoded tiles at the model input size, the step
 * that training, evaluation and prediction all apply before a tile reaches
 * the model. Pixels are interleaved RGB uint8, as the PixelStore keeps them.
 */

import { PixelStore } from '../data/pixel-store';
import { fitMacenko } from './macenko';
import { fitReinhard } from './reinhard';
import { applyStainNormalization, type StainNormalizationParams } from './stain-params';

export type StainMethod = StainNormalizationParams['method'];

export const STAIN_METHODS: readonly StainMethod[] = ['macenko', 'reinhard'];

/** Stain normalisation of a run: the method, the reference tile and the parameters fitted on it. */
export interface StainNormalizationSetting {
  method: StainMethod;

  /** Path of the reference tile, as the dataset or the command line named it. */
  referencePath: string;
  params: StainNormalizationParams;
}

/** Fits `method` on one reference tile given as RGB uint8. */
export function fitStainReference(rgb: Uint8Array, method: StainMethod): StainNormalizationParams {
  const pixels = toFloat(rgb);
  return method === 'macenko' ? fitMacenko(pixels) : fitReinhard(pixels);
}

/**
 * Normalises one tile. Macenko fits each tile's own stains, and that fit fails
 * on a tile with almost no tissue. Such a tile is returned unchanged, with
 * `normalized` false.
 */
export function normalizeTile(rgb: Uint8Array, params: StainNormalizationParams): { rgb: Uint8Array; normalized: boolean } {
  let result: Float32Array;
  try {
    result = applyStainNormalization(toFloat(rgb), params);
  } catch (error) {
    if (params.method === 'macenko' && error instanceof Error && error.message.startsWith('Macenko fit failed')) {
      return { rgb: Uint8Array.from(rgb), normalized: false };
    }
    throw error;
  }

  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = Math.round(result[i] * 255);
  return { rgb: out, normalized: true };
}

/**
 * Returns a new store with every decoded image of `store` normalised, and the
 * indices of the tiles left unchanged because they have too little tissue.
 * Images that were never decoded stay absent.
 */
export function normalizePixelStore(store: PixelStore, params: StainNormalizationParams): { store: PixelStore; unchanged: number[] } {
  const out = new PixelStore(store.count, store.size);
  const unchanged: number[] = [];
  for (let index = 0; index < store.count; index++) {
    if (!store.has(index)) continue;
    const { rgb, normalized } = normalizeTile(store.get(index), params);
    out.set(index, rgb);
    if (!normalized) unchanged.push(index);
  }
  return { store: out, unchanged };
}

function toFloat(rgb: Uint8Array): Float32Array {
  const pixels = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) pixels[i] = rgb[i] / 255;
  return pixels;
}
