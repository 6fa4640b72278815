import * as tf from '@tensorflow/tfjs-core';

import type { SeededRng } from '../rng';

/**
 * Inverted dropout on `x`. The mask comes from tfjs's seeded uniform generator with a seed drawn
 * from `rng`, so a run stays reproducible without building the mask on the CPU.
 * Returns `x` itself when `rate` is 0 or no generator is given (evaluation).
 */
export function inputDropout(x: tf.Tensor, rate: number, rng: SeededRng | undefined): tf.Tensor {
  if (rate <= 0 || !rng) return x;

  const seed = rng.nextUint32();
  const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), rate), 'float32');
  return tf.mul(x, tf.mul(keep, 1 / (1 - rate)));
}
