import * as tf from '@tensorflow/tfjs-core';

import { STAGE_LABELS, type ComparisonCallbacks, type ComparisonRequest, type ComparisonStage, type StageResult } from '../../clipit-protocol';
import type { ClipBpeTokenizer } from '../clip/bpe-tokenizer';
import type { ClipModel } from '../clip/clip-model';
import { embedTextBatches } from '../clip/embed-text-batches';
import { classificationMetrics, summarizeSeeds, type ClassificationMetrics } from '../eval/classification-metrics';
import { indexedPredictions, type IndexedPrediction } from '../eval/test-predictions';
import { DEFAULT_CLIP_LORA_OPTIONS } from '../lora/clip-lora';
import { PixelStore } from '../data/pixel-store';
import { normalizePixelStore } from '../stain/stain-normalize-images';
import type { BatchSource } from '../train/classifier-trainer';
import { RunControl } from '../train/run-control';
import { exportClipItModel } from './clipit-export';
import { createClipItRun } from './clipit-run';
import { comparisonBackbone } from './comparison-backbone';
import type { VitModel } from '../vit/vit-model';
import type { ClipItTrainConfig } from './clipit-train-config';
import { evaluateTextClassifier, trainTextClassifier } from './text-classifier';
import type { ReportPairing } from './text-targets';

export interface LoadedClip {
  model: ClipModel;
  tokenizer: ClipBpeTokenizer;
}

export interface ComparisonOutcome {
  stages: StageResult[];
  /** Vision-only CLIP-IT model of the first seed. */
  exportedModel: { safetensors: Uint8Array; config: unknown } | null;
  stopped: boolean;
}

/**
 * Trains every requested stage for every seed on the same split and
 * summarises the test metrics. The stages are the unimodal baseline, the
 * text classifier on the frozen embedding of each image's paired report, and
 * CLIP-IT fusion training, all on the vision backbone `request.backbone`.
 * The small CNN is trained whole because it has no pretraining, so freezing
 * it would leave nothing to compare. A pretrained backbone stays frozen in
 * the baseline and gets LoRA in CLIP-IT. The studio's worker and the command
 * line share this function.
 */
export async function runComparisonStages(
  request: ComparisonRequest,
  images: BatchSource,
  clip: LoadedClip | null,
  control: RunControl,
  callbacks: ComparisonCallbacks,
  /** The pretrained ViT for `request.backbone === 'vit'`; the caller loads and disposes it. */
  vit: VitModel | null = null,
): Promise<ComparisonOutcome> {
  const needsClip = request.stages.some((stage) => stage !== 'unimodal');
  if (needsClip && !clip) throw new Error('The text classifier and CLIP-IT need a CLIP model with a tokenizer: load one and run the pairing first.');
  images = stainNormalizedImages(request, images, callbacks);

  const pairing = clip && needsClip ? buildPairing(request, clip.tokenizer) : null;
  const reportEmbeddings = clip && pairing ? await frozenReportEmbeddings(request, clip.model, pairing, callbacks) : null;
  const stages: StageResult[] = [];
  let exportedModel: ComparisonOutcome['exportedModel'] = null;

  for (const stage of request.stages) {
    const perSeed: ClassificationMetrics[] = [];
    let firstSeedPredictions: IndexedPrediction[] | undefined;
    for (const seed of request.seeds) {
      if (control.isStopped) break;
      callbacks.onStatus(`${stageName(stage)}, seed ${seed}`);
      const outcome = await runStage(stage, seed, request, images, clip?.model ?? null, pairing, reportEmbeddings, control, callbacks, vit);
      if (outcome.metrics) perSeed.push(outcome.metrics);
      firstSeedPredictions ??= outcome.predictions;
      if (outcome.exported && !exportedModel) exportedModel = outcome.exported;
    }
    if (perSeed.length > 0) stages.push(summarizeStage(stage, request.seeds.slice(0, perSeed.length), perSeed, firstSeedPredictions));
  }

  return { stages, exportedModel, stopped: control.isStopped };
}

function buildPairing(request: ComparisonRequest, tokenizer: { encodeBatch(texts: string[]): number[][] }): ReportPairing {
  if (request.pairedText.length !== request.labels.length) {
    throw new Error(`The pairing covers ${request.pairedText.length} images but the dataset has ${request.labels.length}; run the pairing again.`);
  }
  return { reportTokenIds: tokenizer.encodeBatch(request.texts), pairedReport: Int32Array.from(request.pairedText) };
}

async function frozenReportEmbeddings(
  request: ComparisonRequest,
  model: ClipModel,
  pairing: ReportPairing,
  callbacks: ComparisonCallbacks,
): Promise<Float32Array> {
  const dim = model.config.projectionDim;
  if (request.textEmbeddings && request.textEmbeddings.rows === request.texts.length && request.textEmbeddings.dims === dim) {
    return request.textEmbeddings.values;
  }
  callbacks.onStatus('Embedding reports with the frozen text encoder');
  return embedTextBatches(model, pairing.reportTokenIds);
}

interface StageOutcome {
  metrics: ClassificationMetrics | null;
  /** Per-tile test predictions, for the evaluation views. */
  predictions?: IndexedPrediction[];
  exported?: { safetensors: Uint8Array; config: unknown };
}

async function runStage(
  stage: ComparisonStage,
  seed: number,
  request: ComparisonRequest,
  images: BatchSource,
  clipModel: ClipModel | null,
  pairing: ReportPairing | null,
  reportEmbeddings: Float32Array | null,
  control: RunControl,
  callbacks: ComparisonCallbacks,
  vit: VitModel | null,
): Promise<StageOutcome> {
  const labels = Int32Array.from(request.labels);
  const numClasses = request.classNames.length;
  const split = { train: request.split.train, val: request.split.val };
  const config: ClipItTrainConfig = {
    epochs: request.epochs,
    batchSize: request.batchSize,
    learningRate: request.learningRate,
    weightDecay: request.weightDecay,
    clipNorm: request.clipNorm,
    schedule: request.schedule,
    seed,
    lambda: request.lambda,
    augment: request.augment ?? null,
    classBalance: request.classBalance ?? 'none',
  };
  const testLabels = request.split.test.map((i) => labels[i]);

  if (stage === 'text') {
    const dim = clipModel!.config.projectionDim;
    const perImage = new Float32Array(labels.length * dim);
    pairing!.pairedReport.forEach((report, image) => perImage.set(reportEmbeddings!.subarray(report * dim, (report + 1) * dim), image * dim));

    const run = await trainTextClassifier(perImage, dim, labels, numClasses, split, config, {
      onEpoch: (p) => callbacks.onEpoch({ runId: request.runId, stage, seed, epoch: p.epoch, trainLoss: p.trainLoss, valLoss: p.valLoss, valBalancedAccuracy: p.valBalancedAccuracy }),
    }, linkedControl(control));

    const table = tf.tensor2d(perImage, [labels.length, dim]);
    try {
      const test = await evaluateTextClassifier(run.classifier, table, labels, request.split.test);
      return {
        metrics: testLabels.length > 0 ? classificationMetrics(testLabels, test.predictions, numClasses) : null,
        predictions: indexedPredictions(request.split.test, labels, test.probabilities, numClasses),
      };
    } finally {
      table.dispose();
      run.classifier.dispose?.();
    }
  }

  const vision = comparisonBackbone(request.backbone ?? 'cnn', request.inputSize, images, clipModel, vit, request.cnnWidth);
  const run = await createClipItRun({
    mode: stage === 'clipit' ? 'clipit' : 'unimodal',
    backbone: vision.backbone,
    numClasses,
    images: vision.images,
    labels,
    split,
    config,
    clip: stage === 'clipit' || vision.usesClip ? clipModel! : undefined,
    pairing: stage === 'clipit' ? pairing! : undefined,
    reportEmbeddings: stage === 'clipit' ? reportEmbeddings! : undefined,
    lora: {
      ...DEFAULT_CLIP_LORA_OPTIONS,
      lora: { rank: request.loraRank, alpha: request.loraAlpha, dropout: 0 },
      text: request.textLora,
      tokenEmbedding: request.textLora,
    },
  });

  const unlink = linkControls(control, run.trainer.control);

  try {
    await run.trainer.run({
      onStep: (p) => {
        callbacks.onStep({ runId: request.runId, stage, seed, step: p.step, epoch: p.epoch, totalSteps: p.totalSteps, loss: p.loss, ce: p.ce, cosine: p.cosine, learningRate: p.learningRate, imagesPerSecond: p.imagesPerSecond });
      },
      onEpoch: (p) => callbacks.onEpoch({ runId: request.runId, stage, seed, epoch: p.epoch, trainLoss: p.trainLoss, valLoss: p.val.loss, valBalancedAccuracy: p.val.balancedAccuracy }),
    });

    const test = await run.trainer.evaluate(request.split.test);
    const metrics = testLabels.length > 0 ? classificationMetrics(testLabels, test.predictions, numClasses) : null;
    const exported = stage === 'clipit' ? await exportClipItModel(run.model, request.classNames, request.stainNormalization?.params) : undefined;
    return { metrics, exported, predictions: indexedPredictions(request.split.test, labels, test.probabilities, numClasses) };
  } finally {
    unlink();
    run.dispose();
  }
}

/**
 * Normalises every image once before any stage trains, so the three stages,
 * their validation and test splits and the exported model see the same pixels.
 */
function stainNormalizedImages(request: ComparisonRequest, images: BatchSource, callbacks: ComparisonCallbacks): BatchSource {
  const setting = request.stainNormalization;
  if (!setting) return images;
  if (!(images instanceof PixelStore)) {
    throw new Error('Stain normalisation needs the decoded RGB tiles (a PixelStore); switch it off for this image source.');
  }

  callbacks.onStatus(`Stain normalisation (${setting.method}, reference ${setting.referencePath})`);
  const { store, unchanged } = normalizePixelStore(images, setting.params);
  if (unchanged.length > 0) {
    callbacks.onStatus(`Stain normalisation left ${unchanged.length} tile(s) with too little tissue unchanged`);
  }
  return store;
}

/** Forwards pause, resume and stop of the comparison to one stage's own trainer. */
function linkControls(outer: RunControl, inner: RunControl): () => void {
  const original = { pause: outer.pause.bind(outer), resume: outer.resume.bind(outer), stop: outer.stop.bind(outer) };
  outer.pause = () => {
    original.pause();
    inner.pause();
  };
  outer.resume = () => {
    original.resume();
    inner.resume();
  };
  outer.stop = () => {
    original.stop();
    inner.stop();
  };
  return () => Object.assign(outer, original);
}

/** Creates a control for the text classifier that follows the comparison's control. */
function linkedControl(outer: RunControl): RunControl {
  const inner = new RunControl();
  linkControls(outer, inner);
  return inner;
}

function summarizeStage(stage: ComparisonStage, seeds: number[], perSeed: ClassificationMetrics[], testPredictions: IndexedPrediction[] | undefined): StageResult {
  const size = perSeed[0].confusionMatrix.length;
  const confusionMatrix = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (const metrics of perSeed) {
    metrics.confusionMatrix.forEach((row, i) => row.forEach((count, j) => (confusionMatrix[i][j] += count)));
  }
  return {
    stage,
    seeds,
    perSeed,
    accuracy: summarizeSeeds(perSeed.map((m) => m.accuracy)),
    balancedAccuracy: summarizeSeeds(perSeed.map((m) => m.balancedAccuracy)),
    macroF1: summarizeSeeds(perSeed.map((m) => m.macroF1)),
    confusionMatrix,
    testPredictions: testPredictions ?? [],
  };
}

function stageName(stage: ComparisonStage): string {
  return STAGE_LABELS[stage];
}
