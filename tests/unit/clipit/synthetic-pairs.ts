import * as tf from '@tensorflow/tfjs-core';

import { SeededRng } from '../../../src/core/rng';
import type { BatchSource } from '../../../src/core/train/classifier-trainer';

/**
 * Synthetic images paired with text embeddings. Each sample has a latent z ~ N(0, I) and a label
 * that is a function of z (see `rule`). The image (NHWC, about [0, 1]) shows z only faintly:
 * 0.5 + signal * sum_i z_i pattern_i + noise. The informative text embedding is M z, so it carries
 * the whole latent; the uninformative one is drawn independently of z.
 */
export interface SyntheticPairs {
  images: Float32Array;
  imageShape: [number, number, number];
  labels: Int32Array;
  informativeText: Float32Array;
  uninformativeText: Float32Array;
  textDim: number;
  numClasses: number;
}

export interface SyntheticOptions {
  count: number;
  numClasses: number;
  side: number;
  textDim: number;
  signal: number;
  noise: number;
  seed: number;
  /** `argmax`: label = argmax(z), one latent per class. `xor`: two classes, label = [z0 * z1 > 0], two latents. */
  rule: 'argmax' | 'xor';
}

export function makeSyntheticPairs(options: SyntheticOptions): SyntheticPairs {
  const { count, numClasses, side, textDim, signal, noise, seed, rule } = options;
  if (rule === 'xor' && numClasses !== 2) throw new Error('The xor rule has two classes.');
  const latentDim = rule === 'xor' ? 2 : numClasses;
  const rng = new SeededRng(seed);
  const pixels = side * side * 3;

  // The task (patterns and text map) is fixed per task seed; samples vary with `seed`.
  const taskRng = new SeededRng('synthetic-task');
  const patterns = Array.from({ length: latentDim }, () => taskRng.normalArray(pixels));
  const textMap = taskRng.normalArray(textDim * latentDim);

  const images = new Float32Array(count * pixels);
  const labels = new Int32Array(count);
  const informativeText = new Float32Array(count * textDim);
  const uninformativeText = rng.normalArray(count * textDim);

  for (let n = 0; n < count; n++) {
    const z = rng.normalArray(latentDim);
    labels[n] = rule === 'xor' ? Number(z[0] * z[1] > 0) : argmaxOf(z);

    for (let p = 0; p < pixels; p++) {
      let value = 0.5 + noise * rng.nextNormal();
      for (let c = 0; c < latentDim; c++) value += signal * z[c] * patterns[c][p];
      images[n * pixels + p] = value;
    }
    for (let d = 0; d < textDim; d++) {
      let value = 0;
      for (let c = 0; c < latentDim; c++) value += textMap[d * latentDim + c] * z[c];
      informativeText[n * textDim + d] = value;
    }
  }
  return { images, imageShape: [side, side, 3], labels, informativeText, uninformativeText, textDim, numClasses };
}

function argmaxOf(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Serves rows of a flat NHWC array as image batches. */
export class ArrayBatchSource implements BatchSource {
  constructor(
    private readonly values: Float32Array,
    private readonly shape: [number, number, number],
  ) {}

  batch(indices: readonly number[]): tf.Tensor4D {
    const size = this.shape[0] * this.shape[1] * this.shape[2];
    const out = new Float32Array(indices.length * size);
    indices.forEach((index, row) => out.set(this.values.subarray(index * size, (index + 1) * size), row * size));
    return tf.tensor4d(out, [indices.length, ...this.shape]);
  }
}
