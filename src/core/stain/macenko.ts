/**
 * Macenko stain normalisation (Macenko et al. 2009, "A method for normalizing
 * histology slides for quantitative analysis"). The H and E optical-density
 * vectors of a tile are the extreme angles of its OD pixels in the plane of
 * the two main eigenvectors. Normalisation rescales the tile's stain
 * concentrations to a reference tile's range and rebuilds RGB with the
 * reference stain vectors.
 */

import { percentile, symmetricEigen3 } from './matrix3';

/** Fitted stain description of a tile; plain JSON, saved with an exported model. */
export interface MacenkoParams {
  method: 'macenko';

  /** Unit RGB optical-density vectors: row 0 haematoxylin, row 1 eosin. */
  stainMatrix: [[number, number, number], [number, number, number]];

  /** 99th percentile of the H and E concentrations over the tile's pixels. */
  maxConcentrations: [number, number];
}

export interface MacenkoOptions {
  /** Pixels with OD below this in any channel are background and skipped when fitting. Default 0.15. */
  odThreshold?: number;

  /** Percentile (of 100) for the robust min and max angle. Default 1. */
  anglePercentile?: number;

  /** Percentile (of 100) taken as the max concentration. Default 99. */
  concentrationPercentile?: number;
}

const DEFAULTS = { odThreshold: 0.15, anglePercentile: 1, concentrationPercentile: 99 } as const;

/** Minimum number of tissue pixels for a fit; fewer give an unstable covariance. */
const MIN_TISSUE_PIXELS = 100;

/**
 * Optical density from RGB in [0, 1], on the 8-bit scale with a +1 offset so
 * black stays finite: OD = -ln((255 * rgb + 1) / 256). White maps to 0.
 */
export function rgbToOpticalDensity(rgb: Float32Array): Float32Array {
  const od = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) {
    od[i] = -Math.log((255 * clamp01(rgb[i]) + 1) / 256);
  }
  return od;
}

/** Inverse of `rgbToOpticalDensity`, clipped to [0, 1]. */
export function opticalDensityToRgb(od: Float32Array): Float32Array {
  const rgb = new Float32Array(od.length);
  for (let i = 0; i < od.length; i++) {
    rgb[i] = clamp01((256 * Math.exp(-od[i]) - 1) / 255);
  }
  return rgb;
}

/**
 * Estimates the stain matrix and max concentrations of a tile (interleaved
 * RGB in [0, 1]). Throws when the tile has too little tissue to fit.
 */
export function fitMacenko(rgb: Float32Array, options: MacenkoOptions = {}): MacenkoParams {
  checkInterleaved(rgb);
  const { odThreshold, anglePercentile, concentrationPercentile } = { ...DEFAULTS, ...options };
  const od = rgbToOpticalDensity(rgb);

  const tissue = tissuePixels(od, odThreshold);
  const tissueCount = tissue.length / 3;
  if (tissueCount < MIN_TISSUE_PIXELS) {
    throw new Error(
      `Macenko fit failed: only ${tissueCount} of ${od.length / 3} pixels have OD >= ${odThreshold} in every channel (need ${MIN_TISSUE_PIXELS}); pick a tile with more tissue or lower odThreshold.`,
    );
  }

  const plane = principalPlane(tissue);

  // Angle of each tissue pixel in the plane; the robust extremes are the two stain directions.
  const angles = new Float64Array(tissueCount);
  for (let p = 0; p < tissueCount; p++) {
    const x = dot3(tissue, 3 * p, plane[0]);
    const y = dot3(tissue, 3 * p, plane[1]);
    angles[p] = Math.atan2(y, x);
  }
  const minAngle = percentile(angles, anglePercentile);
  const maxAngle = percentile(angles, 100 - anglePercentile);
  const vMin = unit(combine(plane, Math.cos(minAngle), Math.sin(minAngle)));
  const vMax = unit(combine(plane, Math.cos(maxAngle), Math.sin(maxAngle)));

  // Haematoxylin absorbs more red than eosin, so the vector with the larger red OD is H.
  const [h, e] = vMin[0] > vMax[0] ? [vMin, vMax] : [vMax, vMin];
  const stainMatrix: MacenkoParams['stainMatrix'] = [h, e];

  const concentrations = solveConcentrations(od, stainMatrix);
  const pixelCount = od.length / 3;
  const hValues = new Float64Array(pixelCount);
  const eValues = new Float64Array(pixelCount);
  for (let p = 0; p < pixelCount; p++) {
    hValues[p] = concentrations[2 * p];
    eValues[p] = concentrations[2 * p + 1];
  }
  const maxConcentrations: [number, number] = [
    percentile(hValues, concentrationPercentile),
    percentile(eValues, concentrationPercentile),
  ];
  if (!(maxConcentrations[0] > 0 && maxConcentrations[1] > 0)) {
    throw new Error(
      `Macenko fit failed: max concentrations ${JSON.stringify(maxConcentrations)} are not positive; the tile may lack H or E staining.`,
    );
  }

  return { method: 'macenko', stainMatrix, maxConcentrations };
}

/**
 * Normalises a tile to a reference: fits the tile's own stains, scales its
 * concentrations by reference / tile max concentrations, and rebuilds RGB
 * with the reference stain matrix. Background pixels go through the same
 * mapping and stay near white. Pass `sourceParams` to reuse a fit.
 */
export function applyMacenko(
  rgb: Float32Array,
  reference: MacenkoParams,
  options: MacenkoOptions = {},
  sourceParams?: MacenkoParams,
): Float32Array {
  checkInterleaved(rgb);
  const source = sourceParams ?? fitMacenko(rgb, options);
  const concentrations = solveConcentrations(rgbToOpticalDensity(rgb), source.stainMatrix);

  const scaleH = reference.maxConcentrations[0] / source.maxConcentrations[0];
  const scaleE = reference.maxConcentrations[1] / source.maxConcentrations[1];
  const [h, e] = reference.stainMatrix;

  const od = new Float32Array(rgb.length);
  for (let p = 0; p < rgb.length / 3; p++) {
    const ch = concentrations[2 * p] * scaleH;
    const ce = concentrations[2 * p + 1] * scaleE;
    for (let c = 0; c < 3; c++) od[3 * p + c] = ch * h[c] + ce * e[c];
  }
  return opticalDensityToRgb(od);
}

/**
 * Least-squares H and E concentrations of every pixel: C = OD S^T (S S^T)^-1
 * with S the 2x3 stain matrix. Returns interleaved [h, e] per pixel.
 */
export function solveConcentrations(od: Float32Array, stainMatrix: MacenkoParams['stainMatrix']): Float32Array {
  const [h, e] = stainMatrix;
  const hh = h[0] * h[0] + h[1] * h[1] + h[2] * h[2];
  const ee = e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
  const he = h[0] * e[0] + h[1] * e[1] + h[2] * e[2];
  const det = hh * ee - he * he;
  if (Math.abs(det) < 1e-12) {
    throw new Error(`Stain matrix ${JSON.stringify(stainMatrix)} has parallel H and E vectors; refit on a tile with both stains.`);
  }

  const out = new Float32Array((od.length / 3) * 2);
  for (let p = 0; p < od.length / 3; p++) {
    const odH = dot3(od, 3 * p, h);
    const odE = dot3(od, 3 * p, e);
    out[2 * p] = (ee * odH - he * odE) / det;
    out[2 * p + 1] = (hh * odE - he * odH) / det;
  }
  return out;
}

function tissuePixels(od: Float32Array, threshold: number): Float32Array {
  const tissueValues: number[] = [];
  for (let p = 0; p < od.length; p += 3) {
    if (od[p] >= threshold && od[p + 1] >= threshold && od[p + 2] >= threshold) {
      tissueValues.push(od[p], od[p + 1], od[p + 2]);
    }
  }
  return Float32Array.from(tissueValues);
}

/** Returns the two eigenvectors of the OD covariance with the largest eigenvalues, signed towards positive OD. */
function principalPlane(tissue: Float32Array): [number[], number[]] {
  const count = tissue.length / 3;
  const mean = [0, 0, 0];
  for (let p = 0; p < tissue.length; p += 3) {
    for (let c = 0; c < 3; c++) mean[c] += tissue[p + c];
  }
  for (let c = 0; c < 3; c++) mean[c] /= count;

  const cov = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let p = 0; p < tissue.length; p += 3) {
    for (let i = 0; i < 3; i++) {
      for (let j = i; j < 3; j++) cov[i][j] += (tissue[p + i] - mean[i]) * (tissue[p + j] - mean[j]);
    }
  }
  for (let i = 0; i < 3; i++) {
    for (let j = i; j < 3; j++) {
      cov[i][j] /= count - 1;
      cov[j][i] = cov[i][j];
    }
  }

  const { vectors } = symmetricEigen3(cov);

  // Eigenvector signs are arbitrary; point both so that OD pixels (all positive) project positively.
  const first = vectors[2].slice();
  const second = vectors[1].slice();
  if (first[0] + first[1] + first[2] < 0) for (let c = 0; c < 3; c++) first[c] = -first[c];
  if (second[0] + second[1] + second[2] < 0) for (let c = 0; c < 3; c++) second[c] = -second[c];
  return [first, second];
}

function combine(plane: [number[], number[]], a: number, b: number): [number, number, number] {
  return [0, 1, 2].map((c) => a * plane[0][c] + b * plane[1][c]) as [number, number, number];
}

function unit(v: [number, number, number]): [number, number, number] {
  let norm = Math.hypot(v[0], v[1], v[2]);
  if (norm === 0) norm = 1;

  // A stain absorbs light, so its OD vector must be non-negative overall.
  const sign = v[0] + v[1] + v[2] < 0 ? -1 : 1;
  return [(sign * v[0]) / norm, (sign * v[1]) / norm, (sign * v[2]) / norm];
}

function dot3(values: Float32Array, offset: number, v: readonly number[]): number {
  return values[offset] * v[0] + values[offset + 1] * v[1] + values[offset + 2] * v[2];
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function checkInterleaved(rgb: Float32Array): void {
  if (rgb.length % 3 !== 0) {
    throw new Error(`Macenko: pixel array length ${rgb.length} is not a multiple of 3; pass interleaved RGB values.`);
  }
}
