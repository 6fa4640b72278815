/**
 * Per-image brightness, contrast, saturation and hue changes as tfjs ops on
 * NHWC float32 images in [0, 1]. Each step clips to [0, 1], as torchvision's
 * ColorJitter does for float images; the order is fixed (brightness,
 * contrast, saturation, hue) where torchvision shuffles it.
 */

import * as tf from '@tensorflow/tfjs';

import { invert3x3 } from '../stain/matrix3';

/** ITU-R BT.601 luma weights, as torchvision's rgb_to_grayscale uses. */
const LUMA = [0.299, 0.587, 0.114] as const;

/** RGB -> YIQ (NTSC); hue rotation turns the (I, Q) chroma plane around the Y axis. */
const YIQ_FROM_RGB = [
  [0.299, 0.587, 0.114],
  [0.596, -0.274, -0.322],
  [0.211, -0.523, 0.312],
];
const RGB_FROM_YIQ = invert3x3(YIQ_FROM_RGB);

export interface ColorJitterFactors {
  brightness: number[];
  contrast: number[];
  saturation: number[];

  /** Hue shift per image, in turns. */
  hue: number[];
}

/** Applies the per-image factors; skips a step whose factors are all neutral. */
export function colorJitter(images: tf.Tensor4D, factors: ColorJitterFactors): tf.Tensor4D {
  return tf.tidy(() => {
    const batch = images.shape[0];
    let x: tf.Tensor4D = images;

    if (factors.brightness.some((f) => f !== 1)) {
      x = tf.clipByValue(tf.mul(x, perImage(factors.brightness)), 0, 1) as tf.Tensor4D;
    }

    if (factors.contrast.some((f) => f !== 1)) {
      const meanGrey = tf.mean(greyscale(x), [1, 2, 3], true);
      const blended = tf.add(tf.mul(tf.sub(x, meanGrey), perImage(factors.contrast)), meanGrey);
      x = tf.clipByValue(blended, 0, 1) as tf.Tensor4D;
    }

    if (factors.saturation.some((f) => f !== 1)) {
      const grey = greyscale(x);
      const blended = tf.add(tf.mul(tf.sub(x, grey), perImage(factors.saturation)), grey);
      x = tf.clipByValue(blended, 0, 1) as tf.Tensor4D;
    }

    if (factors.hue.some((h) => h !== 0)) {
      const matrices = factors.hue.map((h) => hueRotationTransposed(h)).flat(2);
      const flat = tf.reshape(x, [batch, -1, 3]);
      const rotated = tf.matMul(flat, tf.tensor3d(matrices, [batch, 3, 3]));
      x = tf.clipByValue(tf.reshape(rotated, images.shape), 0, 1);
    }

    return x === images ? tf.clone(images) : x;
  });
}

/**
 * Transposed 3x3 matrix (for row-vector pixels) that rotates hue by `turns`
 * in YIQ space. NOTE: this approximates an HSV hue shift; colours of equal
 * luma keep their luma, but the result differs slightly from torchvision's
 * HSV-based adjust_hue.
 */
export function hueRotationTransposed(turns: number): number[][] {
  const angle = 2 * Math.PI * turns;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const rotation = [
    [1, 0, 0],
    [0, cos, -sin],
    [0, sin, cos],
  ];
  const m = multiply3(RGB_FROM_YIQ, multiply3(rotation, YIQ_FROM_RGB));
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => m[j][i]));
}

function greyscale(x: tf.Tensor4D): tf.Tensor4D {
  return tf.sum(tf.mul(x, tf.tensor1d(LUMA as unknown as number[])), 3, true);
}

function perImage(values: number[]): tf.Tensor4D {
  return tf.tensor4d(values, [values.length, 1, 1, 1]);
}

function multiply3(a: number[][], b: number[][]): number[][] {
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j]));
}
