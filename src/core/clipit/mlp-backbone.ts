import * as tf from '@tensorflow/tfjs-core';

import { SeededRng } from '../rng';
import { DenseLayer, assignParams } from './dense-layer';
import type { BackboneExportConfig, VisionBackbone } from './vision-backbone';

/**
 * A multilayer perceptron over flattened NHWC images in [0, 1] (centred by subtracting 0.5):
 * Linear -> ReLU per hidden size. The features are the last hidden layer. Meant for small
 * inputs and for precomputed feature vectors stored as [N, 1, 1, dim] images.
 */
export class MlpBackbone implements VisionBackbone {
  readonly layers: DenseLayer[] = [];
  readonly params = new Map<string, tf.Variable>();
  readonly featureDim: number;

  constructor(
    readonly inputShape: [number, number, number],
    readonly hiddenSizes: number[],
    rng: SeededRng,
  ) {
    if (hiddenSizes.length === 0) throw new Error('MLP backbone: hiddenSizes is empty; give at least one hidden layer size.');

    let inFeatures = inputShape[0] * inputShape[1] * inputShape[2];
    hiddenSizes.forEach((size, i) => {
      const layer = new DenseLayer(`mlp.${i}`, inFeatures, size, rng);
      this.layers.push(layer);
      for (const [name, param] of layer.params) this.params.set(name, param);
      inFeatures = size;
    });
    this.featureDim = inFeatures;
  }

  features(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const [, height, width, channels] = images.shape;
      const [expectedHeight, expectedWidth, expectedChannels] = this.inputShape;
      if (height !== expectedHeight || width !== expectedWidth || channels !== expectedChannels) {
        throw new Error(`MLP backbone expects images [batch, ${this.inputShape.join(', ')}] (NHWC), got [${images.shape.join(', ')}].`);
      }

      let x = tf.sub(tf.reshape(images, [images.shape[0], -1]), 0.5) as tf.Tensor2D;
      for (const layer of this.layers) x = tf.relu(layer.apply(x));
      return x;
    });
  }

  exportWeights(): { config: BackboneExportConfig; tensors: Map<string, tf.Tensor> } {
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, param] of this.params) tensors.set(name, tf.clone(param));
    return { config: { kind: 'mlp', inputShape: [...this.inputShape], hiddenSizes: [...this.hiddenSizes] }, tensors };
  }

  static fromExport(inputShape: [number, number, number], hiddenSizes: number[], tensors: ReadonlyMap<string, tf.Tensor>): MlpBackbone {
    // The seed only fills weights that are overwritten at once.
    const backbone = new MlpBackbone(inputShape, hiddenSizes, new SeededRng(0));
    assignParams(backbone.params, tensors, 'MLP backbone import');
    return backbone;
  }

  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }
}
