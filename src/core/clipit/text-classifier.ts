import * as tf from '@tensorflow/tfjs-core';
// The full tfjs package registers every gradient (in Node too, where the ESM deep import fails).
import '@tensorflow/tfjs';

import { classificationMetrics } from '../eval/classification-metrics';
import { SeededRng } from '../rng';
import { TorchAdam } from '../train/adam-torch';
import { NonFiniteLossError, type TrainSplit, argmax } from '../train/classifier-trainer';
import { clipByGlobalNorm } from '../train/grad-clip';
import { learningRateAt } from '../train/lr-schedule';
import { RunControl } from '../train/run-control';
import { crossEntropyOnLogits } from './clipit-loss';
import type { ClipItModel } from './clipit-model';
import { type ClipItTrainConfig, validateTrainConfig } from './clipit-train-config';
import { DenseLayer, assignParams } from './dense-layer';

/**
 * Stage 2: predicts an image's label from the frozen CLIP embedding of its paired report,
 * Linear(D -> D) -> LeakyReLU(0.1) -> Linear(D -> C). Its accuracy shows how much label
 * information the pairing carries before stage 3 uses it.
 */
export class TextClassifier {
  readonly hidden: DenseLayer;
  readonly output: DenseLayer;

  constructor(
    readonly dim: number,
    readonly numClasses: number,
    rng: SeededRng,
  ) {
    const initRng = rng.fork('text-classifier');
    this.hidden = new DenseLayer('fc0.0', dim, dim, initRng);
    this.output = new DenseLayer('fc0.2', dim, numClasses, initRng);
  }

  get params(): Map<string, tf.Variable> {
    return new Map([...this.hidden.params, ...this.output.params]);
  }

  logits(textEmbeddings: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.output.apply(tf.leakyRelu(this.hidden.apply(textEmbeddings), 0.1)));
  }

  /** Copies this head into a CLIP-IT model's fc0, which has the same shape (an optional warm start). */
  copyToFc0(model: ClipItModel): void {
    assignParams(model.fc0Hidden.params, this.hidden.params, 'Copying the text classifier into fc0');
    assignParams(model.fc0Output.params, this.output.params, 'Copying the text classifier into fc0');
  }

  dispose(): void {
    this.hidden.dispose();
    this.output.dispose();
  }
}

export interface TextClassifierEpoch {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  valBalancedAccuracy: number;
  isBest: boolean;
}

export interface TextClassifierRun {
  classifier: TextClassifier;
  stopped: boolean;
  bestValLoss: number;
  bestEpoch: number;
}

/**
 * Trains a TextClassifier on per-image text embeddings `embeddings` [images, dim] (row-major,
 * from the frozen text tower) with the same optimizer, clipping, schedule and validation-loss
 * model selection as the CLIP-IT trainer. `lambda` in `config` is unused.
 */
export async function trainTextClassifier(
  embeddings: Float32Array,
  dim: number,
  labels: Int32Array,
  numClasses: number,
  split: TrainSplit,
  config: ClipItTrainConfig,
  callbacks: { onEpoch?(progress: TextClassifierEpoch): void } = {},
  control = new RunControl(),
): Promise<TextClassifierRun> {
  validateTrainConfig(config);
  if (embeddings.length !== labels.length * dim) {
    throw new Error(`Text embeddings have ${embeddings.length} values, expected ${labels.length} images x ${dim}. Pass one embedding per image.`);
  }
  if (split.train.length === 0) throw new Error('The training split is empty: add images or change the split ratios.');

  const rng = new SeededRng(config.seed);
  const classifier = new TextClassifier(dim, numClasses, rng);
  const optimizer = new TorchAdam(classifier.params, { learningRate: config.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: config.weightDecay });
  const table = tf.tensor2d(embeddings, [labels.length, dim]);
  const shuffleRng = rng.fork('text-classifier-shuffle');
  const stepsPerEpoch = Math.ceil(split.train.length / config.batchSize);
  const totalSteps = config.epochs * stepsPerEpoch;
  let best: { loss: number; epoch: number; weights: Map<string, tf.Tensor> } | null = null;
  let stopped = false;

  try {
    for (let epoch = 1; epoch <= config.epochs && !stopped; epoch++) {
      const order = shuffleRng.shuffle([...split.train]);
      let lossSum = 0;

      for (let epochStep = 0; epochStep < stepsPerEpoch; epochStep++) {
        if (!(await control.checkpoint())) {
          stopped = true;
          break;
        }
        const indices = order.slice(epochStep * config.batchSize, (epochStep + 1) * config.batchSize);
        const learningRate = learningRateAt(config.schedule, config.learningRate, optimizer.step, totalSteps);
        const loss = await textStep(classifier, optimizer, table, labels, indices, config.clipNorm, learningRate);
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(optimizer.step, loss);
        lossSum += loss;
      }
      if (stopped) break;

      const val = await evaluateTextClassifier(classifier, table, labels, split.val);
      const isBest = split.val.length > 0 && val.loss < (best?.loss ?? Infinity);
      if (isBest) {
        if (best) tf.dispose([...best.weights.values()]);
        best = { loss: val.loss, epoch, weights: new Map([...classifier.params].map(([name, p]) => [name, tf.clone(p)])) };
      }
      callbacks.onEpoch?.({ epoch, trainLoss: lossSum / stepsPerEpoch, valLoss: val.loss, valAccuracy: val.accuracy, valBalancedAccuracy: val.balancedAccuracy, isBest });
    }

    if (best) assignParams(classifier.params, best.weights, 'Restoring the best text classifier');
    return { classifier, stopped, bestValLoss: best?.loss ?? Infinity, bestEpoch: best?.epoch ?? 0 };
  } finally {
    if (best) tf.dispose([...best.weights.values()]);
    optimizer.dispose();
    table.dispose();
  }
}

async function textStep(
  classifier: TextClassifier,
  optimizer: TorchAdam,
  table: tf.Tensor2D,
  labels: Int32Array,
  indices: number[],
  clipNorm: number,
  learningRate: number,
): Promise<number> {
  const params = classifier.params;
  const names = [...params.keys()];
  const variables = [...params.values()];

  const { value, grads } = tf.variableGrads(() => {
    const batch = tf.gather(table, tf.tensor1d(indices, 'int32'));
    return crossEntropyOnLogits(classifier.logits(batch), tf.tensor1d(indices.map((i) => labels[i]), 'int32'));
  }, variables);

  const byParam: Record<string, tf.Tensor> = {};
  variables.forEach((variable, i) => {
    byParam[names[i]] = grads[variable.name];
  });
  const clipped = clipByGlobalNorm(byParam, clipNorm);
  optimizer.applyGradients(clipped.grads, learningRate);

  const [loss] = await value.data();
  tf.dispose([value, clipped.norm, ...Object.values(grads), ...Object.values(clipped.grads)]);
  return loss;
}

/** Mean cross-entropy, accuracy, balanced accuracy and class probabilities of `classifier` over the images `indices`. */
export async function evaluateTextClassifier(
  classifier: TextClassifier,
  table: tf.Tensor2D,
  labels: Int32Array,
  indices: readonly number[],
): Promise<{ loss: number; accuracy: number; balancedAccuracy: number; predictions: Int32Array; probabilities: Float32Array }> {
  const predictions = new Int32Array(indices.length);
  if (indices.length === 0) return { loss: NaN, accuracy: NaN, balancedAccuracy: NaN, predictions, probabilities: new Float32Array(0) };

  const { logits, probs, loss } = tf.tidy(() => {
    const batchLogits = classifier.logits(tf.gather(table, tf.tensor1d([...indices], 'int32')));
    return { logits: batchLogits, probs: tf.softmax(batchLogits), loss: crossEntropyOnLogits(batchLogits, tf.tensor1d(indices.map((i) => labels[i]), 'int32')) };
  });
  const [logitValues, probabilities, lossValue] = await Promise.all([logits.data(), probs.data() as Promise<Float32Array>, loss.data()]);
  tf.dispose([logits, probs, loss]);

  const numClasses = classifier.numClasses;
  indices.forEach((_, row) => {
    predictions[row] = argmax(logitValues, row * numClasses, numClasses);
  });
  const metrics = classificationMetrics(Int32Array.from(indices, (i) => labels[i]), predictions, numClasses);
  return { loss: lossValue[0], accuracy: metrics.accuracy, balancedAccuracy: metrics.balancedAccuracy, predictions, probabilities };
}
