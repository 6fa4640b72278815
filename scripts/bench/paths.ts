/**
 * The measured paths of `npm run bench`. Each one runs the studio's worker code on the active
 * backend of the headless page and returns its figures by metric id.
 */
import type { BenchTrainResult } from '../../src/bench-protocol';
import type { HeadlessRunner } from '../headless/runner';
import type { ClipInputs } from './model-inputs';
import type { MetricSpec } from './summary';

/** Sizes of one bench invocation; `--quick` picks smaller ones. */
export interface BenchSizes {
  trainBatch: number;
  clipitBatch: number;
  /** Optimizer steps per training path at most, warm-up included. */
  maxSteps: number;
  largeInputSize: number;
  clipImages: number;
  clipPassages: number;
  vitImages: number;
  vitPassages: number;
  retrievalImages: number;
  retrievalTexts: number;
  memoryBatch: number;
  memoryTrainImages: number;
  memoryValImages: number;
}

/**
 * Batch 16 (the studio's own backend measurement uses it) rather than the training defaults of
 * 32 and 64, so that SwiftShader and the cpu backend finish a warm-up and a timed step within a budget.
 */
export const FULL_SIZES: BenchSizes = {
  trainBatch: 16,
  clipitBatch: 16,
  maxSteps: 5,
  largeInputSize: 96,
  clipImages: 32,
  clipPassages: 64,
  vitImages: 2,
  vitPassages: 4,
  retrievalImages: 10_000,
  retrievalTexts: 5_000,
  memoryBatch: 16,
  memoryTrainImages: 32,
  memoryValImages: 16,
};

export const QUICK_SIZES: BenchSizes = {
  trainBatch: 8,
  clipitBatch: 8,
  maxSteps: 3,
  largeInputSize: 96,
  clipImages: 8,
  clipPassages: 16,
  vitImages: 1,
  vitPassages: 2,
  retrievalImages: 2_000,
  retrievalTexts: 1_000,
  memoryBatch: 8,
  memoryTrainImages: 16,
  memoryValImages: 8,
};

/** The studio's defaults: 64 px input, conv channels 16-32-64 (SmallCnn and the comparison's CNN backbone). */
const DEFAULT_CHANNELS = [16, 32, 64];
const DEFAULT_INPUT_SIZE = 64;

/** The comparison's default LoRA: rank 16, alpha 8, on the text tower too. */
const LORA = { textLora: true, loraRank: 16, loraAlpha: 8 };

/** CLIP embedding width of the retrieval path: ViT-B/32's projection_dim. */
const RETRIEVAL_DIM = 512;

export interface PathContext {
  runner: HeadlessRunner;
  sizes: BenchSizes;
  /** Time after which a path starts no further step, block or repetition, in ms. */
  budgetMs: number;
  /** Inputs of the tiny-clip fixture, registered with the runner on first use. */
  fixture: () => ClipInputs;
  /** Inputs of the ViT-B/32-sized folder, written (about 600 MB) on first use. */
  vitb32: () => ClipInputs;
}

export interface PathOutcome {
  values: Record<string, number>;
  /** Notes per metric id, e.g. that a figure is an estimate. */
  notes?: Record<string, string>;
  raw: unknown;
}

export interface BenchPath {
  id: string;
  description: string;
  metrics: MetricSpec[];
  measure(context: PathContext): Promise<PathOutcome>;
}

function trainingOutcome(id: string, result: BenchTrainResult): PathOutcome {
  const notes: Record<string, string> = {};
  if (result.timedSteps === 0) notes[`${id}.rate`] = 'warm-up step only';
  return { values: { [`${id}.rate`]: result.imagesPerSecond, [`${id}.first`]: result.firstStepMs }, notes, raw: result };
}

function trainingMetrics(id: string, label: string): MetricSpec[] {
  return [
    { id: `${id}.rate`, label: `${label} img/s`, kind: 'rate', digits: 1 },
    { id: `${id}.first`, label: `${label} first step ms`, kind: 'time', digits: 0 },
  ];
}

function classifierPath(id: string, label: string, large: boolean): BenchPath {
  return {
    id,
    description: `${label}: SmallCnn, studio trainer, Adam, random pixels`,
    metrics: trainingMetrics(id, label),
    async measure({ runner, sizes, budgetMs }) {
      const inputSize = large ? sizes.largeInputSize : DEFAULT_INPUT_SIZE;
      const request = { inputSize, channels: DEFAULT_CHANNELS, batchSize: sizes.trainBatch, steps: sizes.maxSteps, warmupSteps: 1, seed: 0, budgetMs };
      return trainingOutcome(id, await runner.call('benchTrain', request));
    },
  };
}

function clipItPath(id: string, label: string, mode: 'unimodal' | 'clipit', large: boolean): BenchPath {
  return {
    id,
    description: `${label}: CLIP-IT trainer, ${mode} mode, comparison defaults`,
    metrics: trainingMetrics(id, label),
    async measure({ runner, sizes, budgetMs, fixture }) {
      const inputSize = large ? sizes.largeInputSize : DEFAULT_INPUT_SIZE;
      const inputs = mode === 'clipit' ? fixture() : null;
      if (inputs) await runner.call('loadClip', inputs.modelFiles);
      try {
        const request = {
          mode,
          inputSize,
          channels: DEFAULT_CHANNELS,
          batchSize: sizes.clipitBatch,
          steps: sizes.maxSteps,
          warmupSteps: 1,
          seed: 0,
          budgetMs,
          reports: inputs?.passages ?? [],
          ...LORA,
        };
        return trainingOutcome(id, await runner.call('benchClipIt', request));
      } finally {
        if (inputs) await runner.call('unloadClip');
      }
    },
  };
}

function embeddingPath(id: string, label: string, inputsOf: (context: PathContext) => ClipInputs, repeats: number): BenchPath {
  return {
    id,
    description: `${label}: CLIP image and text embedding`,
    metrics: [
      { id: `${id}.images`, label: `${label} img/s`, kind: 'rate', digits: 2 },
      { id: `${id}.passages`, label: `${label} passages/s`, kind: 'rate', digits: 2 },
      { id: `${id}.first`, label: `${label} first image call ms`, kind: 'time', digits: 0 },
    ],
    async measure(context) {
      const inputs = inputsOf(context);
      await context.runner.call('loadClip', inputs.modelFiles);
      try {
        const result = await context.runner.call('benchClip', { texts: inputs.passages, pixelValues: inputs.pixelValues, repeats, budgetMs: context.budgetMs });
        return {
          values: { [`${id}.images`]: result.imagesPerSecond, [`${id}.passages`]: result.textsPerSecond, [`${id}.first`]: result.firstImageCallMs },
          raw: { ...result, images: inputs.pixelValues.shape[0], passages: inputs.passages.length },
        };
      } finally {
        await context.runner.call('unloadClip');
      }
    },
  };
}

const retrievalPath: BenchPath = {
  id: 'retrieval',
  description: 'top-5 cosine retrieval of random text embeddings for random image embeddings, blocks of 1024 x 4096',
  metrics: [{ id: 'retrieval.ms', label: 'top-k images x texts ms', kind: 'time', digits: 0 }],
  async measure({ runner, sizes, budgetMs }) {
    const result = await runner.call('benchRetrieval', {
      images: sizes.retrievalImages,
      texts: sizes.retrievalTexts,
      dim: RETRIEVAL_DIM,
      k: 5,
      imageBlockSize: 1024,
      textBlockSize: 4096,
      budgetMs,
      seed: 0,
    });
    const notes: Record<string, string> = {};
    if (!result.complete) notes['retrieval.ms'] = `estimate from ${result.blockMs.length} of ${result.imageBlocks} image blocks`;
    return { values: { 'retrieval.ms': result.totalMs }, notes, raw: { ...result, images: sizes.retrievalImages, texts: sizes.retrievalTexts } };
  },
};

const MIB = 2 ** 20;

const memoryPath: BenchPath = {
  id: 'memory',
  description: 'SmallCnn trained for 3 epochs with a validation split; tf.memory() around each epoch',
  metrics: [
    { id: 'memory.tensorsBefore', label: 'tensors before training', kind: 'count', digits: 0 },
    { id: 'memory.tensorsEpoch1', label: 'tensors after epoch 1', kind: 'count', digits: 0 },
    { id: 'memory.tensorsEpoch3', label: 'tensors after epoch 3', kind: 'count', digits: 0 },
    { id: 'memory.tensorsAfter', label: 'tensors after disposal', kind: 'count', digits: 0 },
    { id: 'memory.bytesEpoch1', label: 'tensor MiB after epoch 1', kind: 'count', digits: 2 },
    { id: 'memory.bytesEpoch3', label: 'tensor MiB after epoch 3', kind: 'count', digits: 2 },
    { id: 'memory.peakMiB', label: 'peak tensor MiB (tf.profile)', kind: 'count', digits: 2 },
    { id: 'memory.peakGpuMiB', label: 'peak GPU MiB in use after a step', kind: 'count', digits: 2 },
    { id: 'memory.gpuAllocatedMiB', label: 'GPU pool growth MiB over 3 epochs', kind: 'count', digits: 2 },
  ],
  async measure({ runner, sizes }) {
    const result = await runner.call('benchEpochMemory', {
      inputSize: DEFAULT_INPUT_SIZE,
      channels: DEFAULT_CHANNELS,
      batchSize: sizes.memoryBatch,
      epochs: 3,
      trainImages: sizes.memoryTrainImages,
      valImages: sizes.memoryValImages,
      seed: 0,
    });
    const [first, , third] = result.afterEpoch;
    const values: Record<string, number> = {
      'memory.tensorsBefore': result.before.numTensors,
      'memory.tensorsEpoch1': first.numTensors,
      'memory.tensorsEpoch3': third.numTensors,
      'memory.tensorsAfter': result.after.numTensors,
      'memory.bytesEpoch1': first.numBytes / MIB,
      'memory.bytesEpoch3': third.numBytes / MIB,
      'memory.peakMiB': result.peakBytes / MIB,
    };
    if (result.peakBytesInGPU !== undefined) values['memory.peakGpuMiB'] = result.peakBytesInGPU / MIB;
    // The backend's buffer pool outlives each path, so only its growth during this run belongs to it.
    const allocatedBefore = result.before.numBytesAllocatedInGPU;
    const allocatedAfter = result.after.numBytesAllocatedInGPU;
    if (allocatedBefore !== undefined && allocatedAfter !== undefined) values['memory.gpuAllocatedMiB'] = (allocatedAfter - allocatedBefore) / MIB;
    return { values, raw: result };
  },
};

/** Every path in the order one backend runs them; the studio page path is separate (studio-page.ts). */
export const BENCH_PATHS: BenchPath[] = [
  classifierPath('train', 'CNN training', false),
  classifierPath('train-large', 'CNN training large', true),
  clipItPath('baseline', 'baseline step', 'unimodal', false),
  clipItPath('baseline-large', 'baseline step large', 'unimodal', true),
  clipItPath('clipit', 'CLIP-IT step', 'clipit', false),
  clipItPath('clipit-large', 'CLIP-IT step large', 'clipit', true),
  embeddingPath('clip', 'CLIP fixture', (context) => context.fixture(), 3),
  embeddingPath('vitb32', 'ViT-B/32', (context) => context.vitb32(), 2),
  retrievalPath,
  memoryPath,
];
