/**
 * sRGB <-> CIELAB (D65 white, 2 degree observer), with the constants of
 * scikit-image's `rgb2lab`/`lab2rgb`: the sRGB transfer curve (IEC
 * 61966-2-1), the sRGB -> XYZ matrix and the CIE 1976 L*a*b* formulas.
 *
 * Pixels are interleaved floats: RGB in [0, 1]; L in [0, 100], a and b
 * roughly in [-128, 127].
 */

import { invert3x3 } from './matrix3';

/** Linear sRGB -> CIE XYZ (D65). */
const XYZ_FROM_RGB: readonly (readonly number[])[] = [
  [0.412453, 0.35758, 0.180423],
  [0.212671, 0.71516, 0.072169],
  [0.019334, 0.119193, 0.950227],
];

const RGB_FROM_XYZ = invert3x3(XYZ_FROM_RGB);

/** D65 reference white for the 2 degree observer. */
const WHITE_D65 = [0.95047, 1, 1.08883] as const;

/** CIE threshold (6/29)^3 between the cube-root and linear parts of f(t). */
const EPSILON = 0.008856;
const KAPPA_SLOPE = 7.787;

/** Converts interleaved sRGB in [0, 1] to interleaved CIELAB. */
export function rgbToLab(rgb: Float32Array): Float32Array {
  checkInterleaved(rgb, 'rgbToLab');
  const out = new Float32Array(rgb.length);
  const m = XYZ_FROM_RGB;

  for (let p = 0; p < rgb.length; p += 3) {
    const r = srgbToLinear(rgb[p]);
    const g = srgbToLinear(rgb[p + 1]);
    const b = srgbToLinear(rgb[p + 2]);

    const fx = labF((m[0][0] * r + m[0][1] * g + m[0][2] * b) / WHITE_D65[0]);
    const fy = labF((m[1][0] * r + m[1][1] * g + m[1][2] * b) / WHITE_D65[1]);
    const fz = labF((m[2][0] * r + m[2][1] * g + m[2][2] * b) / WHITE_D65[2]);

    out[p] = 116 * fy - 16;
    out[p + 1] = 500 * (fx - fy);
    out[p + 2] = 200 * (fy - fz);
  }
  return out;
}

/** Converts interleaved CIELAB to interleaved sRGB, clipped to [0, 1] (out-of-gamut colours are clipped). */
export function labToRgb(lab: Float32Array): Float32Array {
  checkInterleaved(lab, 'labToRgb');
  const out = new Float32Array(lab.length);
  const m = RGB_FROM_XYZ;

  for (let p = 0; p < lab.length; p += 3) {
    const fy = (lab[p] + 16) / 116;
    const fx = fy + lab[p + 1] / 500;
    const fz = fy - lab[p + 2] / 200;

    // scikit-image clamps a negative f(Z) to 0 before inverting it (an out-of-gamut b value).
    const x = labFInverse(fx) * WHITE_D65[0];
    const y = labFInverse(fy) * WHITE_D65[1];
    const z = labFInverse(Math.max(fz, 0)) * WHITE_D65[2];

    for (let c = 0; c < 3; c++) {
      const linear = m[c][0] * x + m[c][1] * y + m[c][2] * z;
      out[p + c] = clamp01(linearToSrgb(linear));
    }
  }
  return out;
}

/** Per-channel mean and population standard deviation of interleaved 3-channel data. */
export function channelStatistics(pixels: Float32Array): { mean: [number, number, number]; std: [number, number, number] } {
  checkInterleaved(pixels, 'channelStatistics');
  const count = pixels.length / 3;
  if (count === 0) throw new Error('channelStatistics: the pixel array is empty.');

  const mean: [number, number, number] = [0, 0, 0];
  for (let p = 0; p < pixels.length; p += 3) {
    for (let c = 0; c < 3; c++) mean[c] += pixels[p + c];
  }
  for (let c = 0; c < 3; c++) mean[c] /= count;

  const std: [number, number, number] = [0, 0, 0];
  for (let p = 0; p < pixels.length; p += 3) {
    for (let c = 0; c < 3; c++) std[c] += (pixels[p + c] - mean[c]) ** 2;
  }
  for (let c = 0; c < 3; c++) std[c] = Math.sqrt(std[c] / count);

  return { mean, std };
}

function srgbToLinear(v: number): number {
  return v > 0.04045 ? ((v + 0.055) / 1.055) ** 2.4 : v / 12.92;
}

function linearToSrgb(v: number): number {
  return v > 0.0031308 ? 1.055 * Math.max(v, 0) ** (1 / 2.4) - 0.055 : 12.92 * v;
}

function labF(t: number): number {
  return t > EPSILON ? Math.cbrt(t) : KAPPA_SLOPE * t + 16 / 116;
}

function labFInverse(f: number): number {
  const cube = f * f * f;
  return cube > EPSILON ? cube : (f - 16 / 116) / KAPPA_SLOPE;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function checkInterleaved(pixels: Float32Array, caller: string): void {
  if (pixels.length % 3 !== 0) {
    throw new Error(`${caller}: pixel array length ${pixels.length} is not a multiple of 3; pass interleaved 3-channel values.`);
  }
}
