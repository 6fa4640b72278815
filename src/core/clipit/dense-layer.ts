import * as tf from '@tensorflow/tfjs-core';

import type { SeededRng } from '../rng';

let instanceCount = 0;

/**
 * A trainable linear layer `y = x W + b` with W stored [in, out] (tfjs layout), initialised as
 * torch.nn.Linear is: weight and bias uniform in +-1/sqrt(in).
 */
export class DenseLayer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: SeededRng,
  ) {
    if (!Number.isInteger(inFeatures) || inFeatures < 1 || !Number.isInteger(outFeatures) || outFeatures < 1) {
      throw new Error(`Layer "${name}": invalid size ${inFeatures} -> ${outFeatures}; both must be positive integers.`);
    }

    // tfjs variable names are global, so each instance gets its own prefix.
    const prefix = `dense${instanceCount++}`;
    const bound = 1 / Math.sqrt(inFeatures);
    const initialWeight = tf.tensor2d(rng.uniformArray(inFeatures * outFeatures, -bound, bound), [inFeatures, outFeatures]);
    const initialBias = tf.tensor1d(rng.uniformArray(outFeatures, -bound, bound));
    this.weight = tf.variable(initialWeight, true, `${prefix}/${name}.weight`);
    this.bias = tf.variable(initialBias, true, `${prefix}/${name}.bias`);

    // The variables hold their own reference to the data, so the initial tensors can go.
    tf.dispose([initialWeight, initialBias]);
  }

  get params(): Map<string, tf.Variable> {
    return new Map([
      [`${this.name}.weight`, this.weight],
      [`${this.name}.bias`, this.bias],
    ]);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(x, this.weight), this.bias));
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}

/** Copies `source` values into same-named, same-shaped variables of `target`; throws on a mismatch. */
export function assignParams(target: ReadonlyMap<string, tf.Variable>, source: ReadonlyMap<string, tf.Tensor>, context: string): void {
  for (const [name, variable] of target) {
    const value = source.get(name);
    if (!value) throw new Error(`${context}: tensor "${name}" with shape [${variable.shape.join(', ')}] is missing.`);
    if (value.shape.join(',') !== variable.shape.join(',')) {
      throw new Error(`${context}: tensor "${name}" has shape [${value.shape.join(', ')}], expected [${variable.shape.join(', ')}].`);
    }
    variable.assign(value);
  }
}
