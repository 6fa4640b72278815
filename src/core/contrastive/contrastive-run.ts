import * as tf from '@tensorflow/tfjs-core';

import { type ClipModel } from '../clip/clip-model';
import { ClipLora, DEFAULT_CLIP_LORA_OPTIONS } from '../lora/clip-lora';
import { SeededRng } from '../rng';
import { type RunControl } from '../train/run-control';
import { fullFineTuneSetup, loraFineTuneSetup } from './clip-encoders';
import { ContrastiveTrainer } from './contrastive-trainer';
import { copyClipModel, mergeLoraIntoClip } from './fine-tuned-clip';
import { epochBatches } from './pair-sources';
import { type HeldOutPairs, type PairPlan } from './pair-plan';
import { type RelevanceTest, diagonalRelevance, recallAtK, transposeMatrix } from './retrieval-metrics';
import { cosineSimilarityMatrixAsync } from './zero-shot';
import { LOGIT_SCALE_INIT } from './infonce-loss';

/** Settings of one contrastive fine-tuning run. */
export interface ContrastiveRunSettings {
  /** `lora`: adapters on both towers, CLIP weights frozen. `full`: every weight moves. */
  mode: 'lora' | 'full';
  epochs: number;
  /** Pairs per step, at least 2, because InfoNCE uses the other rows of the batch as negatives. */
  batchSize: number;
  /** Peak Adam learning rate, reached after a linear warm-up over the first 10% of steps and then decayed to zero on a cosine. */
  learningRate: number;
  loraRank: number;
  loraAlpha: number;
  seed: number;
  /** Global gradient-norm limit. 0 turns clipping off. */
  maxGradNorm: number;
}

export const DEFAULT_CONTRASTIVE_SETTINGS: ContrastiveRunSettings = {
  mode: 'lora',
  epochs: 3,
  batchSize: 32,
  learningRate: 1e-4,
  loraRank: 8,
  loraAlpha: 16,
  seed: 0,
  maxGradNorm: 1,
};

/** Preprocessed CLIP pixels of every image a run uses, NCHW, row-major. */
export interface PixelTable {
  values: Float32Array;
  /** [images, channels, height, width]. */
  shape: [number, number, number, number];
}

/** Image-to-text and text-to-image recall@1 and @5 on the held-out pairs. */
export interface RetrievalRecall {
  imageToText1: number;
  imageToText5: number;
  textToImage1: number;
  textToImage5: number;
  pairs: number;
}

export interface ContrastiveStepEvent {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  /** exp(logit_scale): the multiplier of cosine similarities, 1 / temperature. */
  logitScale: number;
  learningRate: number;
}

export interface ContrastiveEpochEvent {
  /** 0 is the model before training. */
  epoch: number;
  meanLoss: number;
  recall: RetrievalRecall;
}

export interface ContrastiveRunCallbacks {
  onStep?(event: ContrastiveStepEvent): void;
  onEpoch?(event: ContrastiveEpochEvent): void;
}

export interface ContrastiveRunOutcome {
  /** The fine-tuned CLIP, a new model that the caller owns and disposes. */
  model: ClipModel;
  stopped: boolean;
  before: RetrievalRecall;
  after: RetrievalRecall;
  steps: number;
}

/**
 * Fine-tunes a copy of `base` with the symmetric InfoNCE loss on the training pairs of `plan`, whose
 * images are rows of `pixels`. Recall on the plan's held-out pairs is measured before training and
 * after each epoch. `base` is never changed. Stops early, keeping the steps done, when `control` is stopped.
 */
export async function runContrastiveFineTuning(
  base: ClipModel,
  tokenizer: { encode(text: string): number[] },
  pixels: PixelTable,
  plan: PairPlan,
  settings: ContrastiveRunSettings,
  control: RunControl,
  callbacks: ContrastiveRunCallbacks = {},
): Promise<ContrastiveRunOutcome> {
  const { pairs, heldOut, trainRows } = plan;
  checkSettings(settings, pairs.imageCount);

  const rng = new SeededRng(`contrastive-${settings.seed}`);
  const tokenCache = new Map<string, number[]>();
  const encode = (text: string): number[] => {
    let ids = tokenCache.get(text);
    if (!ids) tokenCache.set(text, (ids = tokenizer.encode(text)));
    return ids;
  };

  const before = await measureRecall(base, pixels, heldOut, encode);
  callbacks.onEpoch?.({ epoch: 0, meanLoss: NaN, recall: before });

  // Full fine-tuning turns the copy's weights into variables; LoRA keeps the base frozen.
  const copy = settings.mode === 'full' ? copyClipModel(base) : null;
  const lora = settings.mode === 'lora' ? new ClipLora(base, { ...DEFAULT_CLIP_LORA_OPTIONS, lora: { ...DEFAULT_CLIP_LORA_OPTIONS.lora, rank: settings.loraRank, alpha: settings.loraAlpha } }, rng.fork('lora')) : null;
  const setup = copy ? fullFineTuneSetup(copy) : loraFineTuneSetup(lora!, rng.fork('dropout'), await readLogitScale(base));
  const trainer = new ContrastiveTrainer(setup.encoders, setup.params, setup.logitScale, {
    adam: { learningRate: settings.learningRate, beta1: 0.9, beta2: 0.98, epsilon: 1e-6, weightDecay: 0 },
    maxGradNorm: settings.maxGradNorm,
    learnLogitScale: true,
  });
  const adapted = lora ? { embedImages: (x: tf.Tensor4D) => lora.embedImages(x), embedText: (ids: number[][]) => lora.embedText(ids) } : copy!;

  const batchRng = rng.fork('batches');
  const pairRng = rng.fork('pairs');
  const stepsPerEpoch = Math.floor(pairs.imageCount / settings.batchSize);
  const totalSteps = stepsPerEpoch * settings.epochs;
  const warmup = Math.max(1, Math.floor(totalSteps / 10));
  const [, channels, height, width] = pixels.shape;
  const perImage = channels * height * width;

  let step = 0;
  let stopped = false;
  let after = before;
  try {
    for (let epoch = 1; epoch <= settings.epochs && !stopped; epoch++) {
      let lossSum = 0;
      let epochSteps = 0;

      for (const indices of epochBatches(pairs.imageCount, settings.batchSize, batchRng)) {
        if (!(await control.checkpoint())) {
          stopped = true;
          break;
        }

        const draws = pairs.pairsFor(indices, pairRng);
        const batch = new Float32Array(draws.length * perImage);
        draws.forEach((draw, row) => {
          const pixelRow = trainRows[draw.imageIndex];
          batch.set(pixels.values.subarray(pixelRow * perImage, (pixelRow + 1) * perImage), row * perImage);
        });
        const pixelValues = tf.tensor4d(batch, [draws.length, channels, height, width]);

        const learningRate = learningRateAt(step, totalSteps, warmup, settings.learningRate);
        const result = await trainer.trainStepAsync({ pixelValues, tokenIds: draws.map((draw) => encode(draw.text)) }, learningRate);
        pixelValues.dispose();

        step += 1;
        epochSteps += 1;
        lossSum += result.loss;
        callbacks.onStep?.({ step, totalSteps, epoch, loss: result.loss, logitScale: result.logitScale, learningRate });
      }

      if (epochSteps > 0) {
        after = await measureRecall(adapted, pixels, heldOut, encode);
        callbacks.onEpoch?.({ epoch, meanLoss: lossSum / epochSteps, recall: after });
      }
    }
  } finally {
    trainer.dispose();
  }

  let model: ClipModel;
  if (lora) {
    model = mergeLoraIntoClip(lora, (await setup.logitScale.data())[0]);
    lora.dispose();
    setup.logitScale.dispose();
  } else {
    model = copy!;
  }
  return { model, stopped, before, after, steps: step };
}

/**
 * Measures retrieval recall of `encoders` on the held-out pairs, in inference mode. Pair i is
 * image row `imageRows[i]` with `texts[i]`, and every other held-out text or image is a negative,
 * unless `classes` is set: then any candidate of the query's class is a hit.
 */
export async function measureRecall(
  encoders: { embedImages(x: tf.Tensor4D): tf.Tensor2D; embedText(ids: number[][]): tf.Tensor2D },
  pixels: PixelTable,
  heldOut: HeldOutPairs,
  encode: (text: string) => number[],
): Promise<RetrievalRecall> {
  const count = heldOut.imageRows.length;
  if (count === 0 || count !== heldOut.texts.length) {
    throw new Error(`Held-out pairs: ${count} images and ${heldOut.texts.length} texts. Give at least one pair and one text per image.`);
  }

  const [, channels, height, width] = pixels.shape;
  const perImage = channels * height * width;
  const imageChunks: tf.Tensor2D[] = [];
  const textChunks: tf.Tensor2D[] = [];
  for (let start = 0; start < count; start += EVAL_BATCH) {
    const rows = heldOut.imageRows.slice(start, start + EVAL_BATCH);
    const batch = new Float32Array(rows.length * perImage);
    rows.forEach((row, i) => batch.set(pixels.values.subarray(row * perImage, (row + 1) * perImage), i * perImage));
    const input = tf.tensor4d(batch, [rows.length, channels, height, width]);
    imageChunks.push(encoders.embedImages(input));
    input.dispose();
    textChunks.push(encoders.embedText(heldOut.texts.slice(start, start + EVAL_BATCH).map(encode)));
  }

  const images = tf.concat(imageChunks) as tf.Tensor2D;
  const texts = tf.concat(textChunks) as tf.Tensor2D;
  const similarity = await cosineSimilarityMatrixAsync(images, texts);
  tf.dispose([images, texts, ...imageChunks, ...textChunks]);

  const transposed = transposeMatrix(similarity, count, count);
  const classes = heldOut.classes;
  const relevance: RelevanceTest = classes ? (query, candidate) => classes[query] === classes[candidate] : diagonalRelevance;
  const k5 = Math.min(5, count);
  return {
    imageToText1: recallAtK(similarity, count, count, 1, relevance),
    imageToText5: recallAtK(similarity, count, count, k5, relevance),
    textToImage1: recallAtK(transposed, count, count, 1, relevance),
    textToImage5: recallAtK(transposed, count, count, k5, relevance),
    pairs: count,
  };
}

/** Reads a model's `logit_scale` (the log of the multiplier) without a synchronous GPU read. */
async function readLogitScale(model: ClipModel): Promise<number> {
  if (!model.weights.has('logit_scale')) return LOGIT_SCALE_INIT;
  return (await model.weights.get('logit_scale').data())[0];
}

/** Images (and texts) per forward pass when measuring recall. */
const EVAL_BATCH = 32;

/** Linear warm-up to `peak` over `warmup` steps, then cosine decay to zero at `total` steps. */
export function learningRateAt(step: number, total: number, warmup: number, peak: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}

function checkSettings(settings: ContrastiveRunSettings, pairCount: number): void {
  const positive = (value: number) => Number.isInteger(value) && value >= 1;
  if (!positive(settings.epochs)) throw new Error(`Contrastive training: epochs must be a whole number >= 1, got ${settings.epochs}.`);
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 2) {
    throw new Error(`Contrastive training: batch size must be a whole number >= 2 (InfoNCE needs negatives in the batch), got ${settings.batchSize}.`);
  }
  if (pairCount < settings.batchSize) {
    throw new Error(`Contrastive training: ${pairCount} training pairs are fewer than one batch of ${settings.batchSize}. Lower the batch size or add pairs.`);
  }
  if (!(settings.learningRate > 0)) throw new Error(`Contrastive training: the learning rate must be > 0, got ${settings.learningRate}.`);
  if (settings.mode === 'lora' && !positive(settings.loraRank)) throw new Error(`Contrastive training: LoRA rank must be a whole number >= 1, got ${settings.loraRank}.`);
}
