import * as tf from '@tensorflow/tfjs-core';

import type { SeededRng } from '../rng';
import { type LoraConfig, loraScale, uniqueVariableName, validateLoraConfig } from './lora-config';
import { inputDropout } from './lora-dropout';

/**
 * LoRA adapter for a 2-D convolution in tfjs layout (NHWC input, kernel [kh, kw, in, out]),
 * built as peft builds it. A is a convolution with the base kernel size, stride and padding into
 * `rank` channels, and B is a 1x1 convolution from `rank` to `out` channels. Both are linear, so the adapted
 * layer equals one convolution with kernel `W + (alpha / rank) * A B` (see `merge`).
 * A starts Kaiming-uniform (bound 1/sqrt(kh * kw * in)), B at zero.
 */
export class LoraConv2d {
  readonly a: tf.Variable;
  readonly b: tf.Variable;
  readonly scale: number;

  constructor(
    readonly name: string,
    /** Frozen base kernel [kh, kw, in, out]; the caller keeps ownership. */
    readonly kernel: tf.Tensor4D,
    readonly bias: tf.Tensor1D | undefined,
    readonly strides: number,
    readonly pad: 'same' | 'valid',
    readonly config: LoraConfig,
    rng: SeededRng,
  ) {
    validateLoraConfig(config, name);
    const [kernelHeight, kernelWidth, inChannels, outChannels] = kernel.shape;
    this.scale = loraScale(config);

    const bound = 1 / Math.sqrt(kernelHeight * kernelWidth * inChannels);
    const aValues = rng.uniformArray(kernelHeight * kernelWidth * inChannels * config.rank, -bound, bound);
    const initialA = tf.tensor4d(aValues, [kernelHeight, kernelWidth, inChannels, config.rank]);
    const initialB = tf.zeros([1, 1, config.rank, outChannels]);
    this.a = tf.variable(initialA, true, uniqueVariableName(`${name}.lora_A`));
    this.b = tf.variable(initialB, true, uniqueVariableName(`${name}.lora_B`));

    // The variables hold their own reference to the data, so the initial tensors can go.
    tf.dispose([initialA, initialB]);
  }

  get params(): Map<string, tf.Variable> {
    return new Map([
      [`${this.name}.lora_A`, this.a],
      [`${this.name}.lora_B`, this.b],
    ]);
  }

  /** Adapted convolution of `x` [batch, height, width, in]; `rng` is given only in training (dropout). */
  apply(x: tf.Tensor4D, rng?: SeededRng): tf.Tensor4D {
    return tf.tidy(() => {
      let y: tf.Tensor4D = tf.conv2d(x, this.kernel, this.strides, this.pad);
      if (this.bias) y = tf.add(y, this.bias);

      const adapterInput = inputDropout(x, this.config.dropout, rng) as tf.Tensor4D;
      const low = tf.conv2d(adapterInput, this.a as tf.Tensor4D, this.strides, this.pad);
      const delta = tf.conv2d(low, this.b as tf.Tensor4D, 1, 'valid');
      return tf.add(y, tf.mul(delta, this.scale));
    });
  }

  /** Base kernel plus `(alpha / rank) * A B`, [kh, kw, in, out]. */
  merge(): tf.Tensor4D {
    return tf.tidy(() => {
      const [kernelHeight, kernelWidth, inChannels, outChannels] = this.kernel.shape;
      const rank = this.config.rank;
      const flatA = tf.reshape(this.a, [kernelHeight * kernelWidth * inChannels, rank]);
      const flatB = tf.reshape(this.b, [rank, outChannels]);
      const delta = tf.reshape(tf.matMul(flatA, flatB), this.kernel.shape);
      return tf.add(this.kernel, tf.mul(delta, this.scale));
    });
  }

  dispose(): void {
    this.a.dispose();
    this.b.dispose();
  }
}
