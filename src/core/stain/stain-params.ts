/**
 * Saved stain-normalisation parameters: validation of the JSON stored with an
 * exported model, and one entry point that applies either method.
 */

import { applyMacenko, type MacenkoParams } from './macenko';
import { applyReinhard, type ReinhardParams } from './reinhard';

export type StainNormalizationParams = ReinhardParams | MacenkoParams;

/**
 * Checks that `value` (for example from JSON.parse) is a valid parameter
 * object and returns it typed. Throws naming the first invalid field.
 */
export function parseStainParams(value: unknown, source = 'stain parameters'): StainNormalizationParams {
  if (typeof value !== 'object' || value === null) {
    throw new Error(`Invalid ${source}: expected an object, got ${value === null ? 'null' : typeof value}.`);
  }
  const record = value as Record<string, unknown>;

  if (record.method === 'reinhard') {
    if (record.colorSpace !== 'cielab-d65') {
      throw new Error(`Invalid ${source}: colorSpace must be "cielab-d65", got ${JSON.stringify(record.colorSpace)}.`);
    }
    const mean = finiteTuple(record.mean, 3, `${source}.mean`);
    const std = finiteTuple(record.std, 3, `${source}.std`);
    if (std.some((s) => s < 0)) throw new Error(`Invalid ${source}.std ${JSON.stringify(std)}: standard deviations must be >= 0.`);
    return { method: 'reinhard', colorSpace: 'cielab-d65', mean: mean as ReinhardParams['mean'], std: std as ReinhardParams['std'] };
  }

  if (record.method === 'macenko') {
    if (!Array.isArray(record.stainMatrix) || record.stainMatrix.length !== 2) {
      throw new Error(`Invalid ${source}.stainMatrix: expected two rows (H and E) of three numbers.`);
    }
    const h = finiteTuple(record.stainMatrix[0], 3, `${source}.stainMatrix[0]`);
    const e = finiteTuple(record.stainMatrix[1], 3, `${source}.stainMatrix[1]`);
    const maxConcentrations = finiteTuple(record.maxConcentrations, 2, `${source}.maxConcentrations`);
    if (maxConcentrations.some((c) => c <= 0)) {
      throw new Error(`Invalid ${source}.maxConcentrations ${JSON.stringify(maxConcentrations)}: both must be > 0.`);
    }
    return {
      method: 'macenko',
      stainMatrix: [h as [number, number, number], e as [number, number, number]],
      maxConcentrations: maxConcentrations as [number, number],
    };
  }

  throw new Error(`Invalid ${source}: method must be "reinhard" or "macenko", got ${JSON.stringify(record.method)}.`);
}

/** Normalises interleaved RGB in [0, 1] to the reference described by `params`. */
export function applyStainNormalization(rgb: Float32Array, params: StainNormalizationParams): Float32Array {
  return params.method === 'reinhard' ? applyReinhard(rgb, params) : applyMacenko(rgb, params);
}

function finiteTuple(value: unknown, length: number, field: string): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error(`Invalid ${field}: expected ${length} finite numbers, got ${JSON.stringify(value)}.`);
  }
  return value as number[];
}
