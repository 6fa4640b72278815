import * as tf from '@tensorflow/tfjs-core';
// The full tfjs package registers every gradient (in Node too, where the ESM deep import fails).
import '@tensorflow/tfjs';

import { BatchAugmenter, isAugmentActive } from '../augment/batch-augmenter';
import { classificationMetrics } from '../eval/classification-metrics';
import { SeededRng } from '../rng';
import { TorchAdam } from '../train/adam-torch';
import { BestWeights } from '../train/best-weights';
import { type BatchSource, NonFiniteLossError, type TrainSplit, argmax } from '../train/classifier-trainer';
import { balancedEpochOrder, classCounts, classWeights } from '../train/class-balance';
import { clipByGlobalNorm } from '../train/grad-clip';
import { learningRateAt } from '../train/lr-schedule';
import { RunControl } from '../train/run-control';
import { clipItLoss, crossEntropyOnLogits } from './clipit-loss';
import type { ClipItModel } from './clipit-model';
import {
  type ClipItCallbacks,
  type ClipItEvaluation,
  type ClipItMode,
  type ClipItRunResult,
  type ClipItTrainConfig,
  validateTrainConfig,
} from './clipit-train-config';
import type { TextTargets } from './text-targets';

export interface ClipItTrainerOptions {
  model: ClipItModel;
  mode: ClipItMode;
  /** Image batches: NHWC [0, 1] for the CNN and MLP backbones, preprocessed NCHW pixels for CLIP. */
  images: BatchSource;
  /** Class index per image. */
  labels: Int32Array;
  split: TrainSplit;
  /** Paired-report embeddings; required in clipit mode, unused in unimodal mode. */
  text?: TextTargets;
  config: ClipItTrainConfig;
}

interface LossValues {
  total: tf.Scalar;
  ce: tf.Scalar;
  cosine: tf.Scalar;
}

/**
 * Trains a ClipItModel. Unimodal mode fits the backbone and the vision head with cross-entropy
 * (the baseline). CLIP-IT mode fits the backbone, all heads and the text adapters with
 * CE(fusion logits) + lambda * mean(1 - cos(t, P(v))). Both use torch-style Adam with weight
 * decay, global-norm clipping, an optional cosine schedule, and keep the weights of the epoch
 * with the lowest validation loss (the same loss as in training). The loop yields between steps,
 * so `control` can pause, resume and stop it.
 */
export class ClipItTrainer {
  readonly control = new RunControl();
  /** Trainable weights by unique name: `backbone/…`, `heads/…`, `text/…`. */
  readonly params = new Map<string, tf.Variable>();
  private readonly optimizer: TorchAdam;
  private readonly shuffleRng: SeededRng;
  private readonly dropoutRng: SeededRng;
  private readonly bestWeights = new BestWeights();
  private readonly augmenter: BatchAugmenter | null;
  /** Class weights of the training loss when `classBalance` is `weighted`; evaluation stays unweighted. */
  private readonly lossWeights: number[] | undefined;
  private bestValLoss = Infinity;
  private bestEpoch = 0;

  constructor(readonly options: ClipItTrainerOptions) {
    const { model, mode, split, config, text, labels } = options;
    validateTrainConfig(config);
    if (split.train.length === 0) throw new Error('The training split is empty: add images or change the split ratios.');
    if (labels.some((label) => label < 0 || label >= model.numClasses)) {
      throw new Error(`A label is outside [0, ${model.numClasses}). Check the label table against the model's class count.`);
    }
    if (mode === 'clipit' && !text) throw new Error('CLIP-IT mode needs the paired report embeddings: pass `text` (PrecomputedTextTargets or ClipLoraTextTargets).');
    if (mode === 'clipit' && text!.dim !== model.heads.projectionDim) {
      throw new Error(`Text embeddings have ${text!.dim} values but the model projects to ${model.heads.projectionDim}. Build the model with the CLIP projection_dim.`);
    }

    model.outputHead = mode === 'unimodal' ? 'vision' : 'fusion';

    for (const [name, param] of model.backbone.params) this.params.set(`backbone/${name}`, param);
    const heads = mode === 'unimodal' ? model.visionHeadParams : model.headParams;
    for (const [name, param] of heads) this.params.set(`heads/${name}`, param);
    if (mode === 'clipit') for (const [name, param] of text!.params) this.params.set(`text/${name}`, param);
    if (this.params.size === 0) throw new Error('Nothing to train: the model and text targets have no trainable weights.');

    this.optimizer = new TorchAdam(this.params, {
      learningRate: config.learningRate,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: config.weightDecay,
    });
    const root = new SeededRng(config.seed);
    this.shuffleRng = root.fork('clipit-shuffle');
    this.dropoutRng = root.fork('clipit-dropout');
    this.augmenter = isAugmentActive(config.augment) ? new BatchAugmenter(config.augment, config.seed) : null;
    this.lossWeights = config.classBalance === 'weighted' ? classWeights(classCounts(labels, split.train, model.numClasses)) : undefined;
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.options.split.train.length / this.options.config.batchSize);
  }

  async run(callbacks: ClipItCallbacks = {}): Promise<ClipItRunResult> {
    const { epochs, batchSize, schedule, learningRate: baseLr } = this.options.config;
    const stepsPerEpoch = this.stepsPerEpoch;
    const totalSteps = epochs * stepsPerEpoch;

    for (let epoch = 1; epoch <= epochs; epoch++) {
      const train = this.options.split.train;
      const order =
        this.options.config.classBalance === 'sampling'
          ? balancedEpochOrder(train, this.options.labels, this.shuffleRng)
          : this.shuffleRng.shuffle([...train]);
      const sums = { loss: 0, ce: 0, cosine: 0 };

      for (let epochStep = 0; epochStep < stepsPerEpoch; epochStep++) {
        if (!(await this.control.checkpoint())) return this.finish(true);

        const started = performance.now();
        const batchIndices = order.slice(epochStep * batchSize, (epochStep + 1) * batchSize);
        const step = this.optimizer.step + 1;
        const learningRate = learningRateAt(schedule, baseLr, step - 1, totalSteps);

        const values = await this.trainStep(batchIndices, learningRate);
        if (!Number.isFinite(values.loss)) throw new NonFiniteLossError(step, values.loss);

        sums.loss += values.loss;
        sums.ce += values.ce;
        sums.cosine += values.cosine;
        const seconds = (performance.now() - started) / 1000;
        callbacks.onStep?.({
          step,
          epoch,
          stepsPerEpoch,
          totalSteps,
          ...values,
          learningRate,
          imagesPerSecond: batchIndices.length / Math.max(seconds, 1e-6),
        });
      }

      const val = await this.evaluate(this.options.split.val);
      const isBest = this.options.split.val.length > 0 && val.loss < this.bestValLoss;
      if (isBest) {
        this.bestValLoss = val.loss;
        this.bestEpoch = epoch;
        this.bestWeights.keep(this.params);
      }

      callbacks.onEpoch?.({
        epoch,
        trainLoss: sums.loss / stepsPerEpoch,
        trainCe: sums.ce / stepsPerEpoch,
        trainCosine: sums.cosine / stepsPerEpoch,
        val,
        isBest,
      });
    }

    return this.finish(false);
  }

  /**
   * Loss terms, accuracy, balanced accuracy and class probabilities of the model's output head
   * over `indices`, without dropout. In CLIP-IT mode the loss includes the cosine term, so it is
   * the quantity model selection compares.
   */
  async evaluate(indices: readonly number[]): Promise<ClipItEvaluation> {
    const numClasses = this.options.model.numClasses;
    const probabilities = new Float32Array(indices.length * numClasses);
    const predictions = new Int32Array(indices.length);
    if (indices.length === 0) return { loss: NaN, ce: NaN, cosine: NaN, accuracy: NaN, balancedAccuracy: NaN, probabilities, predictions };

    const sums = { loss: 0, ce: 0, cosine: 0 };
    const batchSize = Math.max(this.options.config.batchSize, 64);

    for (let start = 0; start < indices.length; start += batchSize) {
      const batchIndices = indices.slice(start, start + batchSize);
      const images = this.options.images.batch(batchIndices);
      const { terms, probs } = tf.tidy(() => {
        const batchTerms = this.lossTerms(images, batchIndices, undefined);
        // Per-image sums, so batches of unequal size average correctly.
        const scale = batchIndices.length;
        return {
          terms: { total: tf.mul(batchTerms.total, scale), ce: tf.mul(batchTerms.ce, scale), cosine: tf.mul(batchTerms.cosine, scale) },
          probs: tf.softmax(batchTerms.logits),
        };
      });

      const [probValues, total, ce, cosine] = await Promise.all([probs.data(), terms.total.data(), terms.ce.data(), terms.cosine.data()]);
      tf.dispose([images, probs, terms.total, terms.ce, terms.cosine]);

      probabilities.set(probValues as Float32Array, start * numClasses);
      sums.loss += total[0];
      sums.ce += ce[0];
      sums.cosine += cosine[0];
      batchIndices.forEach((_, row) => {
        predictions[start + row] = argmax(probValues, row * numClasses, numClasses);
      });
    }

    const trueLabels = Int32Array.from(indices, (i) => this.options.labels[i]);
    const metrics = classificationMetrics(trueLabels, predictions, numClasses);
    const count = indices.length;
    return {
      loss: sums.loss / count,
      ce: sums.ce / count,
      cosine: sums.cosine / count,
      accuracy: metrics.accuracy,
      balancedAccuracy: metrics.balancedAccuracy,
      probabilities,
      predictions,
    };
  }

  private async trainStep(batchIndices: number[], learningRate: number): Promise<{ loss: number; ce: number; cosine: number; gradNorm: number }> {
    const decoded = this.options.images.batch(batchIndices);
    const images = this.augmenter ? this.augmenter.augment(decoded, this.optimizer.step + 1) : decoded;
    if (images !== decoded) decoded.dispose();
    const names = [...this.params.keys()];
    const variables = [...this.params.values()];
    let lossParts: LossValues | null = null;

    const { value, grads } = tf.variableGrads(() => {
      const terms = this.lossTerms(images, batchIndices, this.dropoutRng, this.lossWeights);
      // Kept past the gradient scope so the step can report each term.
      lossParts = { total: terms.total, ce: tf.keep(terms.ce), cosine: tf.keep(terms.cosine) };
      return terms.total;
    }, variables);

    // variableGrads keys gradients by the variable's global name; map them back to parameter names.
    const byParam: Record<string, tf.Tensor> = {};
    variables.forEach((variable, i) => {
      const grad = grads[variable.name];
      if (grad) byParam[names[i]] = grad;
    });

    const clipped = clipByGlobalNorm(byParam, this.options.config.clipNorm);
    this.optimizer.applyGradients(clipped.grads, learningRate);

    const terms = lossParts as LossValues | null;
    const [loss, ce, cosine, gradNorm] = await Promise.all([value.data(), terms!.ce.data(), terms!.cosine.data(), clipped.norm.data()]);

    tf.dispose([images, value, clipped.norm, terms!.ce, terms!.cosine]);
    tf.dispose(Object.values(grads));
    tf.dispose(Object.values(clipped.grads));

    return { loss: loss[0], ce: ce[0], cosine: cosine[0], gradNorm: gradNorm[0] };
  }

  /** Loss terms and output logits of one batch; `rng` and `weights` are given only in training. */
  private lossTerms(
    images: tf.Tensor4D,
    batchIndices: readonly number[],
    rng: SeededRng | undefined,
    weights?: readonly number[],
  ): LossValues & { logits: tf.Tensor2D } {
    const { model, mode, text, labels, config } = this.options;
    const batchLabels = tf.tensor1d(batchIndices.map((i) => labels[i]), 'int32');

    if (mode === 'unimodal') {
      const logits = model.visionLogits(images, rng);
      const ce = crossEntropyOnLogits(logits, batchLabels, weights);
      return { total: ce, ce, cosine: tf.scalar(0), logits };
    }

    const outputs = model.forward(images, rng);
    const textEmbeddings = text!.embed(batchIndices, rng);
    const terms = clipItLoss(outputs.fusionLogits, batchLabels, textEmbeddings, outputs.projected, config.lambda, weights);
    return { ...terms, logits: outputs.fusionLogits };
  }

  private finish(stopped: boolean): ClipItRunResult {
    this.bestWeights.restoreInto(this.params);
    return { stopped, bestValLoss: this.bestValLoss, bestEpoch: this.bestEpoch };
  }

  /** Frees the optimizer state and kept weights; the model and text targets belong to the caller. */
  dispose(): void {
    this.optimizer.dispose();
    this.bestWeights.dispose();
  }
}
