import type * as tf from '@tensorflow/tfjs-core';

import type { ClipConfig } from '../clip/clip-config';
import type { ClipPreprocessConfig } from '../clip/preprocess-config';
import type { SeededRng } from '../rng';
import type { SmallCnnConfig } from '../train/small-cnn';
import type { VitConfig } from '../vit/vit-config';

/**
 * The vision model CLIP-IT trains: images in, one feature vector per image out.
 * `params` are the weights the optimizer updates: the whole network for a randomly initialised
 * backbone, only the LoRA adapters for a frozen pretrained one.
 */
export interface VisionBackbone {
  readonly featureDim: number;
  readonly params: Map<string, tf.Variable>;

  /** Features [batch, featureDim]; `rng` is given only in training, for dropout. */
  features(images: tf.Tensor4D, rng?: SeededRng): tf.Tensor2D;

  /** Inference weights with any adapter merged in, and the description needed to rebuild the backbone. The caller disposes the tensors. */
  exportWeights(): { config: BackboneExportConfig; tensors: Map<string, tf.Tensor> };

  dispose(): void;
}

/** JSON description of an exported backbone. */
export type BackboneExportConfig =
  | { kind: 'small-cnn'; cnn: SmallCnnConfig }
  | { kind: 'mlp'; inputShape: [number, number, number]; hiddenSizes: number[] }
  | { kind: 'clip-vision'; clip: ClipConfig; preprocess: ClipPreprocessConfig }
  | { kind: 'vit'; vit: VitConfig; inputSize: number };
