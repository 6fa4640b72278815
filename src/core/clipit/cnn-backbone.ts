import * as tf from '@tensorflow/tfjs-core';

import { SeededRng } from '../rng';
import { SmallCnn, type SmallCnnConfig } from '../train/small-cnn';
import { assignParams } from './dense-layer';
import type { BackboneExportConfig, VisionBackbone } from './vision-backbone';

/**
 * The small CNN (NHWC input in [0, 1]) as a CLIP-IT backbone. It starts from random weights, so
 * it is trained whole, in the baseline and in CLIP-IT alike. Its own linear head is not used:
 * CLIP-IT adds its heads on the pooled features.
 */
export class CnnBackbone implements VisionBackbone {
  readonly cnn: SmallCnn;
  readonly params: Map<string, tf.Variable>;

  constructor(config: SmallCnnConfig, rng: SeededRng) {
    this.cnn = new SmallCnn(config, rng);
    this.params = new Map([...this.cnn.params].filter(([name]) => !name.startsWith('head.')));
  }

  get featureDim(): number {
    return this.cnn.featureDim;
  }

  features(images: tf.Tensor4D, rng?: SeededRng): tf.Tensor2D {
    return tf.tidy(() => {
      const features = this.cnn.features(images);
      const mask = rng ? this.cnn.dropoutMask(images.shape[0], rng) : undefined;
      return mask ? tf.mul(features, mask) : features;
    });
  }

  exportWeights(): { config: BackboneExportConfig; tensors: Map<string, tf.Tensor> } {
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, param] of this.params) tensors.set(name, tf.clone(param));
    return { config: { kind: 'small-cnn', cnn: { ...this.cnn.config, channels: [...this.cnn.config.channels] } }, tensors };
  }

  /** Rebuilds an exported CNN backbone. */
  static fromExport(config: SmallCnnConfig, tensors: ReadonlyMap<string, tf.Tensor>): CnnBackbone {
    // The seed only fills weights that are overwritten at once.
    const backbone = new CnnBackbone(config, new SeededRng(0));
    assignParams(backbone.params, tensors, 'CNN backbone import');
    return backbone;
  }

  dispose(): void {
    this.cnn.dispose();
  }
}
