/**
 * RGB <-> HED colour deconvolution (Ruifrok & Johnston 2001, "Quantification
 * of histochemical staining by color deconvolution"), with the stain matrix
 * and optical-density scaling of scikit-image's `rgb2hed`/`hed2rgb`
 * (skimage/color/colorconv.py).
 *
 * Pixels are interleaved RGB floats in [0, 1] (length 3 * pixelCount), or a
 * tfjs tensor whose last axis has size 3.
 *
 * Clipping: RGB is raised to at least 1e-6 before the log, as scikit-image
 * does. scikit-image also clips negative concentrations to 0 in `rgb2hed`;
 * here that is opt-in (`clipNegative`), because clipping makes the round trip
 * lossy for pixels outside the stain cone. `hedToRgb` clips its output to [0, 1].
 */

import * as tf from '@tensorflow/tfjs';

import { invert3x3 } from './matrix3';

/** Rows are the RGB optical-density vectors of haematoxylin, eosin and DAB. */
export const RGB_FROM_HED: readonly (readonly number[])[] = [
  [0.65, 0.7, 0.29],
  [0.07, 0.99, 0.11],
  [0.27, 0.57, 0.78],
];

export const HED_FROM_RGB: readonly (readonly number[])[] = invert3x3(RGB_FROM_HED);

/** Smallest RGB value passed to the log, so black pixels give a finite optical density. */
export const MIN_RGB = 1e-6;

/**
 * scikit-image divides optical density (natural log) by -ln(1e-6) ~ 13.82, so
 * a pixel at MIN_RGB has OD 1. Concentrations below are on that scale;
 * multiply by this constant to get natural-log optical density.
 */
export const OD_SCALE = -Math.log(MIN_RGB);

export interface HedOptions {
  /** Clip negative concentrations to 0, as scikit-image's rgb2hed does. Default false. */
  clipNegative?: boolean;
}

/** Converts interleaved RGB in [0, 1] to interleaved H, E, D concentrations (scikit-image scale). */
export function rgbToHed(rgb: Float32Array, options: HedOptions = {}): Float32Array {
  checkInterleaved(rgb, 'rgbToHed');
  const m = HED_FROM_RGB;
  const out = new Float32Array(rgb.length);

  for (let p = 0; p < rgb.length; p += 3) {
    const r = Math.log(Math.max(rgb[p], MIN_RGB)) / -OD_SCALE;
    const g = Math.log(Math.max(rgb[p + 1], MIN_RGB)) / -OD_SCALE;
    const b = Math.log(Math.max(rgb[p + 2], MIN_RGB)) / -OD_SCALE;

    // Row vector [r g b] times HED_FROM_RGB, as in scikit-image.
    for (let s = 0; s < 3; s++) {
      const value = r * m[0][s] + g * m[1][s] + b * m[2][s];
      out[p + s] = options.clipNegative && value < 0 ? 0 : value;
    }
  }
  return out;
}

/** Converts interleaved H, E, D concentrations (scikit-image scale) back to RGB in [0, 1]. */
export function hedToRgb(hed: Float32Array): Float32Array {
  checkInterleaved(hed, 'hedToRgb');
  const m = RGB_FROM_HED;
  const out = new Float32Array(hed.length);

  for (let p = 0; p < hed.length; p += 3) {
    const h = hed[p];
    const e = hed[p + 1];
    const d = hed[p + 2];
    for (let c = 0; c < 3; c++) {
      const od = h * m[0][c] + e * m[1][c] + d * m[2][c];
      out[p + c] = clamp01(Math.exp(-od * OD_SCALE));
    }
  }
  return out;
}

/** tfjs version of `rgbToHed` for a tensor of any rank whose last axis is RGB. */
export function rgbToHedTensor<T extends tf.Tensor>(rgb: T, options: HedOptions = {}): T {
  checkLastAxis(rgb, 'rgbToHedTensor');
  return tf.tidy(() => {
    const od = tf.div(tf.log(tf.maximum(rgb, MIN_RGB)), -OD_SCALE);
    const hed = tf.matMul(tf.reshape(od, [-1, 3]), tf.tensor2d(HED_FROM_RGB as number[][]));
    const shaped = tf.reshape(hed, rgb.shape);
    return (options.clipNegative ? tf.relu(shaped) : shaped) as T;
  });
}

/** tfjs version of `hedToRgb`; output clipped to [0, 1]. */
export function hedToRgbTensor<T extends tf.Tensor>(hed: T): T {
  checkLastAxis(hed, 'hedToRgbTensor');
  return tf.tidy(() => {
    const od = tf.matMul(tf.reshape(hed, [-1, 3]), tf.tensor2d(RGB_FROM_HED as number[][]));
    const rgb = tf.exp(tf.mul(od, -OD_SCALE));
    return tf.clipByValue(tf.reshape(rgb, hed.shape), 0, 1) as T;
  });
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function checkInterleaved(pixels: Float32Array, caller: string): void {
  if (pixels.length % 3 !== 0) {
    throw new Error(`${caller}: pixel array length ${pixels.length} is not a multiple of 3; pass interleaved RGB or HED values.`);
  }
}

function checkLastAxis(x: tf.Tensor, caller: string): void {
  if (x.shape[x.shape.length - 1] !== 3) {
    throw new Error(`${caller}: expected a last axis of size 3, got shape [${x.shape.join(', ')}].`);
  }
}
