import * as tf from '@tensorflow/tfjs-core';

import type { SeededRng } from '../rng';
import { DenseLayer, assignParams } from './dense-layer';
import type { VisionBackbone } from './vision-backbone';

/** Head whose logits a model predicts with: the vision head alone (baseline) or the fusion head (CLIP-IT). */
export type OutputHead = 'vision' | 'fusion';

/** Every output of one forward pass; all [batch, numClasses] except `projected` [batch, projectionDim]. */
export interface ClipItOutputs {
  visionLogits: tf.Tensor2D;
  /** P(v): the vision features mapped into the CLIP text embedding space. */
  projected: tf.Tensor2D;
  fc0Logits: tf.Tensor2D;
  fusionLogits: tf.Tensor2D;
}

export interface ClipItHeadsConfig {
  numClasses: number;
  /** D, the CLIP embedding width (the checkpoint's projection_dim). */
  projectionDim: number;
}

/** Slope of the LeakyReLU inside fc0, as in the CLIP-IT reference code. */
const LEAKY_RELU_SLOPE = 0.1;

/**
 * The CLIP-IT vision model: a backbone and four heads.
 * vision head Linear(d_v -> C); projection P Linear(d_v -> D);
 * fc0 = Linear(D -> D) -> LeakyReLU(0.1) -> Linear(D -> C) on P(v);
 * fusion head Linear(2C -> C) on concat[vision logits, fc0 logits].
 * Inference needs no text: the fusion logits come from the image alone.
 */
export class ClipItModel {
  readonly visionHead: DenseLayer;
  readonly projection: DenseLayer;
  readonly fc0Hidden: DenseLayer;
  readonly fc0Output: DenseLayer;
  readonly fusionHead: DenseLayer;
  /** Head used by `logits`; the trainer sets it from its mode, and export records it. */
  outputHead: OutputHead = 'fusion';

  constructor(
    readonly backbone: VisionBackbone,
    readonly heads: ClipItHeadsConfig,
    rng: SeededRng,
  ) {
    const { numClasses, projectionDim } = heads;
    if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`CLIP-IT model: a classifier needs at least 2 classes, got ${numClasses}.`);

    const initRng = rng.fork('clipit-heads');
    const featureDim = backbone.featureDim;
    this.visionHead = new DenseLayer('vision_head', featureDim, numClasses, initRng);
    this.projection = new DenseLayer('projection', featureDim, projectionDim, initRng);
    this.fc0Hidden = new DenseLayer('fc0.0', projectionDim, projectionDim, initRng);
    this.fc0Output = new DenseLayer('fc0.2', projectionDim, numClasses, initRng);
    this.fusionHead = new DenseLayer('fusion', 2 * numClasses, numClasses, initRng);
  }

  get numClasses(): number {
    return this.heads.numClasses;
  }

  /** Weights of the vision head alone (the baseline's head). */
  get visionHeadParams(): Map<string, tf.Variable> {
    return this.visionHead.params;
  }

  /** Weights of all four heads. */
  get headParams(): Map<string, tf.Variable> {
    const params = new Map<string, tf.Variable>();
    for (const layer of [this.visionHead, this.projection, this.fc0Hidden, this.fc0Output, this.fusionHead]) {
      for (const [name, param] of layer.params) params.set(name, param);
    }
    return params;
  }

  /** Runs every head; `rng` is given only in training (backbone dropout). */
  forward(images: tf.Tensor4D, rng?: SeededRng): ClipItOutputs {
    return tf.tidy(() => {
      const features = this.backbone.features(images, rng);
      const visionLogits = this.visionHead.apply(features);
      const projected = this.projection.apply(features);
      const fc0Logits = this.fc0Output.apply(tf.leakyRelu(this.fc0Hidden.apply(projected), LEAKY_RELU_SLOPE));
      const fusionLogits = this.fusionHead.apply(tf.concat([visionLogits, fc0Logits], 1));
      return { visionLogits, projected, fc0Logits, fusionLogits };
    });
  }

  /** Vision-head logits only, skipping P, fc0 and fusion (baseline training and inference). */
  visionLogits(images: tf.Tensor4D, rng?: SeededRng): tf.Tensor2D {
    return tf.tidy(() => this.visionHead.apply(this.backbone.features(images, rng)));
  }

  /** Inference logits [batch, numClasses] from the head named by `outputHead`. */
  logits(images: tf.Tensor4D): tf.Tensor2D {
    if (this.outputHead === 'vision') return this.visionLogits(images);
    return tf.tidy(() => this.forward(images).fusionLogits);
  }

  /**
   * Copies the trained backbone and vision head of `baseline` (a stage-1 model of the same
   * shape) into this model, so stage 3 starts from the unimodal model as the method does.
   * A baseline with a frozen backbone (no trainable backbone weights) contributes its head only.
   */
  initialiseFromBaseline(baseline: ClipItModel): void {
    if (baseline.backbone.params.size > 0) {
      assignParams(this.backbone.params, baseline.backbone.params, 'Initialising CLIP-IT from the baseline backbone');
    }
    assignParams(this.visionHead.params, baseline.visionHead.params, 'Initialising CLIP-IT from the baseline vision head');
  }

  /** Disposes the heads and the backbone (a CLIP backbone leaves a passed-in CLIP model alone). */
  dispose(): void {
    for (const layer of [this.visionHead, this.projection, this.fc0Hidden, this.fc0Output, this.fusionHead]) layer.dispose();
    this.backbone.dispose();
  }
}
