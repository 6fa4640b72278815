import * as tf from '@tensorflow/tfjs-core';

import type { SeededRng } from '../rng';

/** Shape of the small convolutional classifier trained from scratch. */
export interface SmallCnnConfig {
  /** Side of the square input in pixels (images are resized to it). */
  inputSize: number;
  /** Output channels of each 3x3 convolution block (each block halves the resolution). */
  channels: number[];
  numClasses: number;
  /** Dropout rate on the pooled features during training (0 = off). */
  dropout: number;
}

export const DEFAULT_SMALL_CNN: Omit<SmallCnnConfig, 'numClasses'> = {
  inputSize: 64,
  channels: [16, 32, 64],
  dropout: 0,
};

/**
 * A small CNN: blocks of conv3x3 -> ReLU -> maxPool2x2, global average
 * pooling, then a linear head. Every weight is a named tf.Variable in one
 * map, so the optimizer, checkpoints and exports see the same names.
 *
 * Input: NHWC float32 in [0, 1]; the model subtracts 0.5 itself so callers
 * need no normalisation constants.
 */
let instanceCount = 0;

export class SmallCnn {
  /** tfjs variable names are global, so each model instance gets its own prefix. */
  private readonly variablePrefix = `cnn${instanceCount++}`;
  readonly params = new Map<string, tf.Variable>();
  readonly featureDim: number;

  constructor(
    readonly config: SmallCnnConfig,
    rng: SeededRng,
  ) {
    validateConfig(config);

    let inChannels = 3;
    config.channels.forEach((outChannels, i) => {
      // He-normal initialisation suits ReLU networks (He et al. 2015).
      const fanIn = 3 * 3 * inChannels;
      const kernel = rng.normalArray(3 * 3 * inChannels * outChannels, Math.sqrt(2 / fanIn));
      this.addParam(`conv${i}.weight`, tf.tensor4d(kernel, [3, 3, inChannels, outChannels]));
      this.addParam(`conv${i}.bias`, tf.zeros([outChannels]));
      inChannels = outChannels;
    });

    this.featureDim = inChannels;

    // torch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    const bound = 1 / Math.sqrt(inChannels);
    this.addParam('head.weight', tf.tensor2d(rng.uniformArray(inChannels * config.numClasses, -bound, bound), [inChannels, config.numClasses]));
    this.addParam('head.bias', tf.tensor1d(rng.uniformArray(config.numClasses, -bound, bound)));
  }

  private addParam(name: string, value: tf.Tensor): void {
    this.params.set(name, tf.variable(value, true, `${this.variablePrefix}/${name}`));
    value.dispose();
  }

  /** Output of the last convolution block, [batch, h, w, featureDim]; Grad-CAM explains this map. */
  featureMap(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let x = tf.sub(images, 0.5) as tf.Tensor4D;

      this.config.channels.forEach((_, i) => {
        const weight = this.params.get(`conv${i}.weight`) as tf.Tensor4D;
        const bias = this.params.get(`conv${i}.bias`) as tf.Tensor1D;
        x = tf.relu(tf.add(tf.conv2d(x, weight, 1, 'same'), bias)) as tf.Tensor4D;
        x = tf.maxPool(x, 2, 2, 'valid');
      });

      return x;
    });
  }

  /** Pooled feature vector per image, [batch, featureDim]. */
  features(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.mean(this.featureMap(images), [1, 2]) as tf.Tensor2D);
  }

  /** Class logits from pooled features, [batch, numClasses]. */
  head(features: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const weight = this.params.get('head.weight') as tf.Tensor2D;
      const bias = this.params.get('head.bias') as tf.Tensor1D;
      return tf.add(tf.matMul(features, weight), bias);
    });
  }

  /**
   * Logits for a batch. `dropoutMask`, when given, multiplies the pooled
   * features during training; it is drawn by the caller from the project's
   * seeded generator so runs stay reproducible.
   */
  logits(images: tf.Tensor4D, dropoutMask?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let features = this.features(images);
      if (dropoutMask) features = tf.mul(features, dropoutMask);
      return this.head(features);
    });
  }

  /** Inverted-dropout mask for one batch, or undefined when dropout is off. */
  dropoutMask(batchSize: number, rng: SeededRng): tf.Tensor2D | undefined {
    const rate = this.config.dropout;
    if (rate <= 0) return undefined;

    const values = new Float32Array(batchSize * this.featureDim);
    for (let i = 0; i < values.length; i++) values[i] = rng.nextFloat() < rate ? 0 : 1 / (1 - rate);
    return tf.tensor2d(values, [batchSize, this.featureDim]);
  }

  /** Copies of all weights as plain arrays, for checkpoints and export. */
  async exportWeights(): Promise<Record<string, { shape: number[]; values: Float32Array }>> {
    const out: Record<string, { shape: number[]; values: Float32Array }> = {};
    for (const [name, param] of this.params) {
      out[name] = { shape: [...param.shape], values: (await param.data()) as Float32Array };
    }
    return out;
  }

  importWeights(weights: Record<string, { shape: number[]; values: Float32Array }>): void {
    for (const [name, param] of this.params) {
      const entry = weights[name];
      if (!entry) throw new Error(`Weights are missing tensor "${name}" with shape [${param.shape.join(', ')}].`);
      if (entry.shape.join(',') !== param.shape.join(',')) {
        throw new Error(`Tensor "${name}" has shape [${entry.shape.join(', ')}], expected [${param.shape.join(', ')}].`);
      }
      param.assign(tf.tensor(entry.values, param.shape));
    }
  }

  dispose(): void {
    for (const param of this.params.values()) param.dispose();
    this.params.clear();
  }
}

function validateConfig(config: SmallCnnConfig): void {
  if (!Number.isInteger(config.inputSize) || config.inputSize < 8) {
    throw new Error(`Invalid input size ${config.inputSize}: expected an integer of at least 8 pixels.`);
  }
  if (config.inputSize >> config.channels.length < 1) {
    throw new Error(`Input size ${config.inputSize} is too small for ${config.channels.length} pooling blocks.`);
  }
  if (!Number.isInteger(config.numClasses) || config.numClasses < 2) {
    throw new Error(`A classifier needs at least 2 classes, got ${config.numClasses}.`);
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw new Error(`Invalid dropout ${config.dropout}: expected a rate in [0, 1).`);
  }
}
