import * as tf from '@tensorflow/tfjs-core';
// The full tfjs package registers every gradient (in Node too, where the ESM deep import fails).
import '@tensorflow/tfjs';

import type { AugmentConfig } from '../augment/augment-config';
import { BatchAugmenter, isAugmentActive } from '../augment/batch-augmenter';
import { SeededRng } from '../rng';
import { balancedEpochOrder, type ClassBalance, classCounts, classWeights } from './class-balance';
import { weightedCrossEntropy } from './weighted-cross-entropy';
import { TorchAdam } from './adam-torch';
import { clipByGlobalNorm } from './grad-clip';
import { learningRateAt, type LrScheduleKind } from './lr-schedule';
import { BestWeights } from './best-weights';
import { RunControl } from './run-control';
import type { TrainerCheckpoint, WeightMap } from './trainer-checkpoint';

/** A model the trainer can fit: named trainable variables and a logits function. */
export interface TrainableClassifier {
  params: Map<string, tf.Variable>;
  numClasses: number;
  /** Logits for a batch; `rng` draws dropout masks when the model uses dropout. */
  logits(images: tf.Tensor4D, training: boolean, rng: SeededRng): tf.Tensor2D;
}

/** Produces image batches for indices into the dataset. */
export interface BatchSource {
  batch(indices: readonly number[]): tf.Tensor4D;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** L2 term added to the gradient, as torch.optim.Adam's `weight_decay`. */
  weightDecay: number;
  /** Maximum global gradient norm; 0 turns clipping off. */
  clipNorm: number;
  schedule: LrScheduleKind;
  seed: number;
  /** Save a checkpoint every this many steps (0: only at epoch ends). */
  checkpointEvery?: number;
  /** Augmentation of training batches (never validation or test); null or absent: off. */
  augment?: AugmentConfig | null;
  /** Class-weighted loss or balanced sampling of the training split; absent: none. */
  classBalance?: ClassBalance;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 5,
  batchSize: 32,
  learningRate: 1e-3,
  weightDecay: 1e-4,
  clipNorm: 0.5,
  schedule: 'constant',
  seed: 0,
};

export interface StepProgress {
  /** Global optimizer step, counted from 1. */
  step: number;
  epoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  imagesPerSecond: number;
}

export interface EpochProgress {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  /** Probabilities on the validation split, [n x numClasses] row-major. */
  valProbabilities: Float32Array;
  isBest: boolean;
}

export interface TrainCallbacks {
  onStep?(progress: StepProgress): void;
  onEpoch?(progress: EpochProgress): void;
  /** Receives a checkpoint every `checkpointEvery` steps and after each epoch; the run waits for it. */
  onCheckpoint?(checkpoint: TrainerCheckpoint): Promise<void> | void;
}

export interface TrainSplit {
  train: readonly number[];
  val: readonly number[];
}

export class NonFiniteLossError extends Error {
  readonly code = 'non-finite-loss';

  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `Training stopped at step ${step}: the loss became ${loss}. ` +
        'The learning rate is probably too high for this model or batch size; lower it (for example by 10x) and start again.',
    );
  }
}

/**
 * Fits a classifier with softmax cross-entropy on logits, torch-style Adam,
 * global-norm clipping and model selection on validation loss. The trainer
 * yields to the event loop after each step, so pause, resume and stop
 * requests arrive between steps.
 */
export class ClassifierTrainer {
  readonly control = new RunControl();
  private readonly optimizer: TorchAdam;
  private readonly rng: SeededRng;
  private readonly bestWeights = new BestWeights();
  private readonly augmenter: BatchAugmenter | null;
  private readonly lossWeights: number[] | null;
  private bestValLoss = Infinity;

  constructor(
    private readonly model: TrainableClassifier,
    private readonly source: BatchSource,
    private readonly labels: Int32Array,
    private readonly split: TrainSplit,
    readonly config: TrainConfig,
    private readonly resumeFrom: TrainerCheckpoint | null = null,
  ) {
    if (split.train.length === 0) throw new Error('The training split is empty: add images or change the split ratios.');
    this.optimizer = new TorchAdam(model.params, {
      learningRate: config.learningRate,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: config.weightDecay,
    });
    this.rng = new SeededRng(config.seed).fork('train');
    this.augmenter = isAugmentActive(config.augment) ? new BatchAugmenter(config.augment, config.seed) : null;
    this.lossWeights = config.classBalance === 'weighted' ? classWeights(classCounts(labels, split.train, model.numClasses)) : null;
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.split.train.length / this.config.batchSize);
  }

  async run(callbacks: TrainCallbacks = {}): Promise<{ stopped: boolean; bestValLoss: number }> {
    const { epochs, batchSize } = this.config;
    const stepsPerEpoch = this.stepsPerEpoch;
    const totalSteps = epochs * stepsPerEpoch;

    let startEpoch = 1;
    let startStep = 0;
    let resumedOrder: number[] | null = null;
    let resumedLossSum = 0;
    if (this.resumeFrom) {
      this.restore(this.resumeFrom);
      startEpoch = this.resumeFrom.epoch;
      startStep = this.resumeFrom.epochStep;
      resumedOrder = this.resumeFrom.order;
      resumedLossSum = this.resumeFrom.epochLossSum;
    }

    for (let epoch = startEpoch; epoch <= epochs; epoch++) {
      // A checkpoint from an epoch end has no order yet: that epoch starts with a fresh shuffle.
      const resuming = epoch === startEpoch && resumedOrder !== null && resumedOrder.length > 0;
      const order = resuming ? resumedOrder! : this.epochOrder();
      let lossSum = resuming ? resumedLossSum : 0;

      for (let epochStep = resuming ? startStep : 0; epochStep < stepsPerEpoch; epochStep++) {
        if (!(await this.control.checkpoint())) return this.finish(true);

        const started = performance.now();
        const batchIndices = order.slice(epochStep * batchSize, (epochStep + 1) * batchSize);
        const step = this.optimizer.step + 1;
        const learningRate = learningRateAt(this.config.schedule, this.config.learningRate, step - 1, totalSteps);

        const { loss, gradNorm } = await this.trainStep(batchIndices, learningRate);
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(step, loss);

        lossSum += loss;
        this.position = { epoch, epochStep: epochStep + 1, order, epochLossSum: lossSum };
        const seconds = (performance.now() - started) / 1000;
        callbacks.onStep?.({
          step,
          epoch,
          stepsPerEpoch,
          totalSteps,
          loss,
          gradNorm,
          learningRate,
          imagesPerSecond: batchIndices.length / Math.max(seconds, 1e-6),
        });

        const every = this.config.checkpointEvery ?? 0;
        if (callbacks.onCheckpoint && every > 0 && step % every === 0 && epochStep + 1 < stepsPerEpoch) {
          await callbacks.onCheckpoint(await this.checkpoint());
        }
      }

      const evaluation = await this.evaluate(this.split.val);
      const isBest = this.split.val.length > 0 && evaluation.loss < this.bestValLoss;
      if (isBest) {
        this.bestValLoss = evaluation.loss;
        this.bestWeights.keep(this.model.params);
      }

      callbacks.onEpoch?.({
        epoch,
        trainLoss: lossSum / stepsPerEpoch,
        valLoss: evaluation.loss,
        valAccuracy: evaluation.accuracy,
        valProbabilities: evaluation.probabilities,
        isBest,
      });

      this.position = { epoch: epoch + 1, epochStep: 0, order: [], epochLossSum: 0 };
      if (callbacks.onCheckpoint) await callbacks.onCheckpoint(await this.checkpoint());
    }

    return this.finish(false);
  }

  /** Position of the run after the last completed step; see `checkpoint()`. */
  private position: { epoch: number; epochStep: number; order: number[]; epochLossSum: number } = {
    epoch: 1,
    epochStep: 0,
    order: [],
    epochLossSum: 0,
  };

  /** Captures weights, optimizer moments, RNG state and data-order position after the last completed step. */
  async checkpoint(): Promise<TrainerCheckpoint> {
    const weights = await readWeights(this.model.params);
    const shapes: Record<string, number[]> = {};
    for (const [name, param] of this.model.params) shapes[name] = [...param.shape];

    return {
      step: this.optimizer.step,
      epoch: this.position.epoch,
      epochStep: this.position.epochStep,
      order: [...this.position.order],
      epochLossSum: this.position.epochLossSum,
      rngState: this.rng.getState(),
      optimizer: await this.optimizer.getState(),
      weights,
      bestValLoss: this.bestValLoss,
      bestWeights: this.bestWeights.tensors ? await readWeights(this.bestWeights.tensors) : null,
    };
  }

  private restore(checkpoint: TrainerCheckpoint): void {
    for (const [name, param] of this.model.params) {
      const entry = checkpoint.weights[name];
      if (!entry) throw new Error(`The checkpoint has no tensor "${name}"; it belongs to a different model.`);
      param.assign(tf.tensor(entry.values, param.shape));
    }
    this.optimizer.setState(checkpoint.optimizer);
    this.rng.setState(checkpoint.rngState);
    this.bestValLoss = checkpoint.bestValLoss;
    if (checkpoint.bestWeights) {
      const copies = new Map<string, tf.Tensor>();
      for (const [name, param] of this.model.params) copies.set(name, tf.tensor(checkpoint.bestWeights[name].values, param.shape));
      this.bestWeights.adopt(copies);
    }
    this.position = {
      epoch: checkpoint.epoch,
      epochStep: checkpoint.epochStep,
      order: checkpoint.order,
      epochLossSum: checkpoint.epochLossSum,
    };
  }

  private finish(stopped: boolean): { stopped: boolean; bestValLoss: number } {
    this.bestWeights.restoreInto(this.model.params);
    return { stopped, bestValLoss: this.bestValLoss };
  }

  /** Training order of one epoch: a shuffle of the split, or a class-balanced draw with replacement. */
  private epochOrder(): number[] {
    if (this.config.classBalance === 'sampling') return balancedEpochOrder(this.split.train, this.labels, this.rng);
    return this.rng.shuffle([...this.split.train]);
  }

  private async trainStep(batchIndices: number[], learningRate: number): Promise<{ loss: number; gradNorm: number }> {
    const decoded = this.source.batch(batchIndices);
    const images = this.augmenter ? this.augmenter.augment(decoded, this.optimizer.step + 1) : decoded;
    if (images !== decoded) decoded.dispose();
    const classIndices = tf.tensor1d(batchIndices.map((i) => this.labels[i]), 'int32');
    const targets = tf.oneHot(classIndices, this.model.numClasses);
    const variables = [...this.model.params.values()];
    const names = [...this.model.params.keys()];

    const { value, grads } = tf.variableGrads(() => {
      const logits = this.model.logits(images, true, this.rng);
      if (this.lossWeights) return weightedCrossEntropy(logits, classIndices, this.lossWeights);
      return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
    }, variables);

    // variableGrads keys gradients by the variable's own name; map back to parameter names.
    const byParam: Record<string, tf.Tensor> = {};
    variables.forEach((variable, i) => {
      byParam[names[i]] = grads[variable.name];
    });

    const clipped = clipByGlobalNorm(byParam, this.config.clipNorm);
    this.optimizer.applyGradients(clipped.grads, learningRate);

    const [loss] = await value.data();
    const [gradNorm] = await clipped.norm.data();

    tf.dispose([images, classIndices, targets, value, clipped.norm]);
    tf.dispose(Object.values(grads));
    tf.dispose(Object.values(clipped.grads));

    return { loss, gradNorm };
  }

  /** Mean cross-entropy, accuracy and class probabilities over `indices`. */
  async evaluate(indices: readonly number[]): Promise<{ loss: number; accuracy: number; probabilities: Float32Array }> {
    const numClasses = this.model.numClasses;
    const probabilities = new Float32Array(indices.length * numClasses);
    if (indices.length === 0) return { loss: NaN, accuracy: NaN, probabilities };

    let lossSum = 0;
    let correct = 0;
    const batchSize = Math.max(this.config.batchSize, 64);

    for (let start = 0; start < indices.length; start += batchSize) {
      const batchIndices = indices.slice(start, start + batchSize);
      const images = this.source.batch(batchIndices);
      const { probs, loss } = tf.tidy(() => {
        const logits = this.model.logits(images, false, this.rng);
        const targets = tf.oneHot(tf.tensor1d(batchIndices.map((i) => this.labels[i]), 'int32'), numClasses);
        const perImage = tf.losses.softmaxCrossEntropy(targets, logits, undefined, undefined, tf.Reduction.NONE);
        return { probs: tf.softmax(logits), loss: tf.sum(perImage) };
      });

      const probValues = (await probs.data()) as Float32Array;
      const [lossValue] = await loss.data();
      tf.dispose([images, probs, loss]);

      probabilities.set(probValues, start * numClasses);
      lossSum += lossValue;
      batchIndices.forEach((index, row) => {
        if (argmax(probValues, row * numClasses, numClasses) === this.labels[index]) correct += 1;
      });
    }

    return { loss: lossSum / indices.length, accuracy: correct / indices.length, probabilities };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.bestWeights.dispose();
  }
}

async function readWeights(tensors: ReadonlyMap<string, tf.Tensor>): Promise<WeightMap> {
  const out: WeightMap = {};
  for (const [name, tensor] of tensors) {
    out[name] = { shape: [...tensor.shape], values: (await tensor.data()) as Float32Array };
  }
  return out;
}

export function argmax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) {
    if (values[offset + i] > values[offset + best]) best = i;
  }
  return best;
}
