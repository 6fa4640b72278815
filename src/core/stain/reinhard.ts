/**
 * Reinhard colour transfer (Reinhard et al. 2001, "Color Transfer between
 * Images"): match each channel's mean and standard deviation to a reference
 * tile. Statistics are taken in CIELAB, where the paper used its own
 * l-alpha-beta space.
 */

import { channelStatistics, labToRgb, rgbToLab } from './color-lab';

/** Fitted reference statistics; plain JSON, saved with an exported model. */
export interface ReinhardParams {
  method: 'reinhard';
  colorSpace: 'cielab-d65';

  /** Mean L, a, b of the reference tile. */
  mean: [number, number, number];

  /** Population standard deviation of L, a, b of the reference tile. */
  std: [number, number, number];
}

/** Below this LAB standard deviation a channel is treated as constant and only shifted. */
const MIN_STD = 1e-6;

/** Computes the reference statistics from interleaved RGB in [0, 1]. */
export function fitReinhard(referenceRgb: Float32Array): ReinhardParams {
  const { mean, std } = channelStatistics(rgbToLab(referenceRgb));
  return { method: 'reinhard', colorSpace: 'cielab-d65', mean, std };
}

/**
 * Maps a tile's LAB channels to the reference mean and std, then back to RGB
 * clipped to [0, 1]. Clipping of out-of-gamut colours makes the result's
 * statistics only approximately equal to the reference.
 */
export function applyReinhard(rgb: Float32Array, params: ReinhardParams): Float32Array {
  const lab = rgbToLab(rgb);
  const source = channelStatistics(lab);

  const scale = [0, 1, 2].map((c) => (source.std[c] < MIN_STD ? 1 : params.std[c] / source.std[c]));
  for (let p = 0; p < lab.length; p += 3) {
    for (let c = 0; c < 3; c++) {
      lab[p + c] = (lab[p + c] - source.mean[c]) * scale[c] + params.mean[c];
    }
  }
  return labToRgb(lab);
}
