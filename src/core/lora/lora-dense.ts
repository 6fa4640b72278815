import * as tf from '@tensorflow/tfjs-core';

import type { SeededRng } from '../rng';
import { type LoraConfig, loraScale, uniqueVariableName, validateLoraConfig } from './lora-config';
import { inputDropout } from './lora-dropout';

/**
 * LoRA adapter for a linear layer stored in PyTorch layout, weight [out, in]:
 * `y = x W^T + b + (alpha / rank) * dropout(x) A^T B^T`.
 * A [rank, in] starts Kaiming-uniform as peft does (bound 1/sqrt(in)), B [out, rank] starts at
 * zero, so an untrained adapter leaves the layer's output unchanged. The base weight and bias are
 * frozen: only A and B are tf.Variables, and the adapter never disposes the base tensors.
 */
export class LoraDense {
  readonly a: tf.Variable;
  readonly b: tf.Variable;
  readonly scale: number;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(
    readonly name: string,
    /** Frozen base weight [out, in]; the caller keeps ownership. */
    readonly weight: tf.Tensor2D,
    readonly bias: tf.Tensor1D | undefined,
    readonly config: LoraConfig,
    rng: SeededRng,
  ) {
    validateLoraConfig(config, name);
    if (weight.rank !== 2) throw new Error(`LoRA for "${name}": base weight has shape [${weight.shape.join(', ')}]; expected [out, in].`);

    [this.outFeatures, this.inFeatures] = weight.shape;
    this.scale = loraScale(config);

    const bound = 1 / Math.sqrt(this.inFeatures);
    const aValues = rng.uniformArray(config.rank * this.inFeatures, -bound, bound);
    const initialA = tf.tensor2d(aValues, [config.rank, this.inFeatures]);
    const initialB = tf.zeros([this.outFeatures, config.rank]);
    this.a = tf.variable(initialA, true, uniqueVariableName(`${name}.lora_A`));
    this.b = tf.variable(initialB, true, uniqueVariableName(`${name}.lora_B`));

    // The variables hold their own reference to the data, so the initial tensors can go.
    tf.dispose([initialA, initialB]);
  }

  /** Trainable adapter weights, keyed `${name}.lora_A` and `${name}.lora_B`. */
  get params(): Map<string, tf.Variable> {
    return new Map([
      [`${this.name}.lora_A`, this.a],
      [`${this.name}.lora_B`, this.b],
    ]);
  }

  /**
   * Applies the adapted layer over the last axis of `x` (any rank). `weight` and `bias` default to
   * the adapter's own base tensors; a LinearHook passes the ones it receives. `rng` is given only
   * in training, where it draws the dropout mask.
   */
  apply(x: tf.Tensor, rng?: SeededRng, weight: tf.Tensor = this.weight, bias: tf.Tensor | undefined = this.bias): tf.Tensor {
    return tf.tidy(() => {
      this.checkInput(x, weight);
      const flat = tf.reshape(x, [-1, this.inFeatures]);

      let y = tf.matMul(flat, weight, false, true);
      if (bias) y = tf.add(y, bias);

      const adapterInput = inputDropout(flat, this.config.dropout, rng);
      const low = tf.matMul(adapterInput, this.a, false, true);
      y = tf.add(y, tf.mul(tf.matMul(low, this.b, false, true), this.scale));

      return tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  /** Computes the weight change `(alpha / rank) * B A`, [out, in]. */
  delta(): tf.Tensor2D {
    return tf.tidy(() => tf.mul(tf.matMul(this.b, this.a), this.scale));
  }

  /** Base weight plus the delta, [out, in], for export and inference without the adapter. */
  merge(weight: tf.Tensor = this.weight): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.reshape(weight, [this.outFeatures, this.inFeatures]), this.delta()));
  }

  dispose(): void {
    this.a.dispose();
    this.b.dispose();
  }

  private checkInput(x: tf.Tensor, weight: tf.Tensor): void {
    const inFeatures = x.shape[x.shape.length - 1];
    if (inFeatures !== this.inFeatures || weight.shape[0] !== this.outFeatures || weight.shape[1] !== this.inFeatures) {
      throw new Error(
        `LoRA for "${this.name}" expects inputs with ${this.inFeatures} features and a weight [${this.outFeatures}, ${this.inFeatures}], ` +
          `got input [${x.shape.join(', ')}] and weight [${weight.shape.join(', ')}]. The adapter was built for a different layer.`,
      );
    }
  }
}
