/**
 * Trains the small demo CLIP bundled in public/models/demo-clip/ from weakly paired real data:
 * LC25000 lung tiles of the training groups in demo-clip-groups.json, each paired at every step with a
 * random TCGA report passage of its class. Learns the BPE vocabulary from the report corpus first.
 * Deterministic for a given seed, split file and tfjs-backend-wasm version.
 *
 * Usage: node --import tsx scripts/demo-clip/train-demo-clip.ts [--steps N] [--batch N] [--lr X]
 *   [--seed TEXT] [--max-minutes M] [--out DIR] [--shared DIR]
 *   --steps        training steps (default 400)
 *   --batch        pairs per step (default 64)
 *   --lr           peak Adam learning rate after warm-up (default 1.5e-3)
 *   --seed         seed of the split, initialisation and batches (default demo-clip-v1)
 *   --max-minutes  stop training after this many minutes even if steps remain (default 45)
 *   --out          output model folder (default public/models/demo-clip)
 *   --shared       shared data folder (default ../shared beside the repository)
 *   --log-every    steps between loss lines (default 50)
 */
import fs from 'node:fs';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { registerWasmTrainingKernels } from '../../src/core/backend/wasm-training-kernels';
import { ClipBpeTokenizer } from '../../src/core/clip/bpe-tokenizer';
import { loadClipFromFiles } from '../../src/core/clip/clip-model';
import { fullFineTuneSetup } from '../../src/core/contrastive/clip-encoders';
import { ContrastiveTrainer } from '../../src/core/contrastive/contrastive-trainer';
import { ClassPairSource, epochBatches } from '../../src/core/contrastive/pair-sources';
import { cosineSimilarityMatrix } from '../../src/core/contrastive/zero-shot';
import { preprocessImages } from '../../src/core/clip/image-preprocess';
import { SeededRng } from '../../src/core/rng';
import { formatMergesText, formatVocabJson, trainClipBpe } from '../../src/core/tokenizer-train/bpe-trainer';
import { DEFAULT_SPLIT_FILE, type Passage, TILE_CLASSES, type TileClass, decodeTile, drawSplit, heldOutEvaluationSet, readPassages, readSplit, readTiles } from './demo-data';
import { embedPassages, embedTiles, measurePairRecall, measureTypeMatch } from './evaluate-demo-clip';
import { initialClipWeights } from './init-weights';
import { type TrainingSummary, writeModelCard } from './model-card';
import { writeSafetensors } from './safetensors-writer';
import { DEMO_CLIP_CONFIG, EVALUATION_PASSAGES_PER_CLASS, EVALUATION_SEED, VOCAB_SIZE, demoClipConfigJson, demoPreprocessorConfig, demoTokenizerConfig } from './demo-clip-config';

interface Options {
  steps: number;
  batch: number;
  lr: number;
  seed: string;
  maxMinutes: number;
  out: string;
  shared: string;
  logEvery: number;
}

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function parseOptions(argv: string[]): Options {
  const options: Options = {
    steps: 400,
    batch: 64,
    lr: 1.5e-3,
    seed: 'demo-clip-v1',
    maxMinutes: 45,
    out: path.join(REPO_ROOT, 'public/models/demo-clip'),
    shared: path.resolve(REPO_ROOT, '..', 'shared'),
    logEvery: 50,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`Option ${flag} needs a value. Run with no options for the defaults.`);
    if (flag === '--steps') options.steps = Number(value);
    else if (flag === '--batch') options.batch = Number(value);
    else if (flag === '--lr') options.lr = Number(value);
    else if (flag === '--seed') options.seed = value;
    else if (flag === '--max-minutes') options.maxMinutes = Number(value);
    else if (flag === '--out') options.out = path.resolve(value);
    else if (flag === '--shared') options.shared = path.resolve(value);
    else if (flag === '--log-every') options.logEvery = Number(value);
    else throw new Error(`Unknown option ${flag}. Options: --steps --batch --lr --seed --max-minutes --out --shared --log-every.`);
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(0)} s`;

  if (!(await tf.setBackend('wasm'))) throw new Error('The tfjs wasm backend failed to start; check that @tensorflow/tfjs-backend-wasm is installed.');
  registerWasmTrainingKernels({ replaceConv2DBackpropInput: true });

  const lungFolder = path.join(options.shared, 'data/lc25000-lung');
  const reportFolder = path.join(options.shared, 'data/tcga-reports');
  const tiles = readTiles(lungFolder);
  const corpus = readPassages(reportFolder);

  if (!fs.existsSync(DEFAULT_SPLIT_FILE)) {
    fs.writeFileSync(DEFAULT_SPLIT_FILE, `${JSON.stringify(drawSplit(tiles, corpus.patients, options.seed), null, 2)}\n`);
    console.log(`Wrote a new split to ${DEFAULT_SPLIT_FILE}.`);
  }
  const split = readSplit(DEFAULT_SPLIT_FILE);
  const trainGroups = new Set(split.trainGroups);
  const heldOutPatients = new Set(split.heldOutPatients);
  const trainTiles = tiles.filter((tile) => trainGroups.has(tile.groupId));
  const trainPassages = corpus.passages.filter((passage) => !heldOutPatients.has(passage.patientId));
  console.log(`${trainTiles.length} training tiles from ${split.trainGroups.length} groups; ${trainPassages.length} training passages.`);

  // The vocabulary comes from report text only: training passages plus the other organs' reports.
  const tokenizerCorpus = [...trainPassages.map((passage) => passage.text), ...readOtherOrganReports(reportFolder)];
  const bpe = trainClipBpe(tokenizerCorpus, { vocabSize: VOCAB_SIZE });
  const vocabJson = formatVocabJson(bpe.vocab);
  const mergesText = formatMergesText(bpe.merges);
  const tokenizer = ClipBpeTokenizer.fromVocabAndMerges(vocabJson, mergesText);
  console.log(`BPE: ${Object.keys(bpe.vocab).length} symbols learned from ${tokenizerCorpus.length} texts (${elapsed()}).`);

  const config = DEMO_CLIP_CONFIG;
  const rng = new SeededRng(options.seed);
  const files = new Map<string, Uint8Array>([
    ['config.json', encodeJson(demoClipConfigJson())],
    ['preprocessor_config.json', encodeJson(demoPreprocessorConfig())],
    ['model.safetensors', writeSafetensors(initialClipWeights(config, rng.fork('init')))],
  ]);
  const model = loadClipFromFiles(files);

  const pixels = preprocessTiles(lungFolder, trainTiles, model.preprocess);
  const pixelsPerTile = 3 * config.vision.imageSize * config.vision.imageSize;
  console.log(`Preprocessed ${trainTiles.length} tiles to ${config.vision.imageSize} px (${elapsed()}).`);

  const passagesByClass = new Map<string, string[]>(TILE_CLASSES.map((name) => [name, trainPassages.filter((passage) => passage.className === name).map((passage) => passage.text)]));
  const pairs = new ClassPairSource(trainTiles.map((tile) => tile.className), passagesByClass);
  const setup = fullFineTuneSetup(model);
  const trainer = new ContrastiveTrainer(setup.encoders, setup.params, setup.logitScale, {
    adam: { learningRate: options.lr, beta1: 0.9, beta2: 0.98, epsilon: 1e-6, weightDecay: 0 },
    maxGradNorm: 1,
    learnLogitScale: true,
  });

  const tokenCache = new Map<string, number[]>();
  const encode = (text: string): number[] => {
    let ids = tokenCache.get(text);
    if (!ids) tokenCache.set(text, (ids = tokenizer.encode(text)));
    return ids;
  };

  const batchRng = rng.fork('batches');
  const pairRng = rng.fork('pairs');
  const warmupSteps = Math.min(100, Math.floor(options.steps / 10));
  let batches: number[][] = [];
  let lossSum = 0;
  let trainedSteps = 0;
  const trainStart = Date.now();
  for (let step = 0; step < options.steps; step++) {
    if ((Date.now() - trainStart) / 60000 > options.maxMinutes) {
      console.log(`Stopped at step ${step}: the ${options.maxMinutes}-minute limit was reached.`);
      break;
    }
    if (batches.length === 0) batches = epochBatches(pairs.imageCount, options.batch, batchRng);
    const indices = batches.shift()!;

    const draws = pairs.pairsFor(indices, pairRng);
    const batchPixels = new Float32Array(indices.length * pixelsPerTile);
    draws.forEach((draw, row) => batchPixels.set(pixels.subarray(draw.imageIndex * pixelsPerTile, (draw.imageIndex + 1) * pixelsPerTile), row * pixelsPerTile));
    const pixelValues = tf.tensor4d(batchPixels, [indices.length, 3, config.vision.imageSize, config.vision.imageSize]);

    const learningRate = learningRateAt(step, options.steps, warmupSteps, options.lr);
    const result = trainer.trainStep({ pixelValues, tokenIds: draws.map((draw) => encode(draw.text)) }, learningRate);
    pixelValues.dispose();
    lossSum += result.loss;
    trainedSteps = step + 1;

    if ((step + 1) % options.logEvery === 0) {
      console.log(`step ${step + 1}/${options.steps} loss ${(lossSum / options.logEvery).toFixed(4)} scale ${result.logitScale.toFixed(2)} lr ${learningRate.toExponential(2)} (${elapsed()})`);
      lossSum = 0;
    }
  }
  const trainingSeconds = (Date.now() - trainStart) / 1000;
  trainer.dispose();

  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const name of model.weights.names()) {
    const tensor = model.weights.get(name);
    weights.set(name, { shape: tensor.shape, values: Float32Array.from(tensor.dataSync() as Float32Array) });
  }
  const safetensors = writeSafetensors(weights, { format: 'pt', producer: 'scripts/demo-clip/train-demo-clip.ts', seed: options.seed });

  console.log(`Trained ${trainedSteps} steps in ${trainingSeconds.toFixed(0)} s.`);
  const evaluation = evaluate(model, tokenizer, lungFolder, tiles, corpus.passages, split);
  console.log(`Held-out type match ${evaluation.sample.typeMatch.toFixed(3)} on ${evaluation.sample.tiles} tiles x ${evaluation.sample.passages} passages; all held-out tiles ${evaluation.full.typeMatch.toFixed(3)}.`);

  fs.mkdirSync(options.out, { recursive: true });
  fs.writeFileSync(path.join(options.out, 'config.json'), `${JSON.stringify(demoClipConfigJson(), null, 2)}\n`);
  fs.writeFileSync(path.join(options.out, 'preprocessor_config.json'), `${JSON.stringify(demoPreprocessorConfig(), null, 2)}\n`);
  fs.writeFileSync(path.join(options.out, 'tokenizer_config.json'), `${JSON.stringify(demoTokenizerConfig(), null, 2)}\n`);
  fs.writeFileSync(path.join(options.out, 'vocab.json'), vocabJson);
  fs.writeFileSync(path.join(options.out, 'merges.txt'), mergesText);
  fs.writeFileSync(path.join(options.out, 'model.safetensors'), safetensors);
  const summary: TrainingSummary = {
    options,
    split,
    trainTiles: trainTiles.length,
    trainPassages: trainPassages.length,
    trainPassagesByClass: Object.fromEntries(TILE_CLASSES.map((name) => [name, passagesByClass.get(name)!.length])) as Record<TileClass, number>,
    vocabSize: Object.keys(bpe.vocab).length,
    steps: trainedSteps,
    trainingSeconds,
    parameterCount: [...weights.values()].reduce((sum, tensor) => sum + tensor.values.length, 0),
    weightBytes: safetensors.byteLength,
    finalLogitScale: model.logitScale,
    ...evaluation,
  };
  fs.writeFileSync(path.join(options.out, 'training-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeModelCard(path.join(options.out, 'MODEL_CARD.md'), summary);
  console.log(`Wrote ${options.out} (${(safetensors.byteLength / 1e6).toFixed(2)} MB of weights) in ${elapsed()}.`);
}

/** Linear warm-up to `peak`, then cosine decay to zero at `total` steps. */
function learningRateAt(step: number, total: number, warmup: number, peak: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}

function preprocessTiles(lungFolder: string, tiles: readonly { className: TileClass; fileName: string; groupId: string }[], preprocess: Parameters<typeof preprocessImages>[1]): Float32Array {
  const perTile = 3 * preprocess.cropHeight * preprocess.cropWidth;
  const out = new Float32Array(tiles.length * perTile);
  tiles.forEach((tile, index) => out.set(preprocessImages([decodeTile(lungFolder, tile)], preprocess).values, index * perTile));
  return out;
}

function evaluate(model: ReturnType<typeof loadClipFromFiles>, tokenizer: ClipBpeTokenizer, lungFolder: string, tiles: ReturnType<typeof readTiles>, passages: Passage[], split: ReturnType<typeof readSplit>) {
  const sampleSet = heldOutEvaluationSet(tiles, passages, split, EVALUATION_SEED, EVALUATION_PASSAGES_PER_CLASS);
  const heldOutGroups = new Set(split.heldOutGroups);
  const allHeldOutTiles = tiles.filter((tile) => heldOutGroups.has(tile.groupId));

  const textEmbeds = embedPassages(model, tokenizer, sampleSet.passages.map((passage) => passage.text));
  const sampleEmbeds = embedTiles(model, lungFolder, sampleSet.tiles);
  const sample = measureTypeMatch(cosineSimilarityMatrix(sampleEmbeds, textEmbeds), sampleSet.tiles, sampleSet.passages);
  const allEmbeds = embedTiles(model, lungFolder, allHeldOutTiles);
  const full = measureTypeMatch(cosineSimilarityMatrix(allEmbeds, textEmbeds), allHeldOutTiles, sampleSet.passages);

  // Fixed pairs for recall: each sample tile gets a distinct held-out passage of its own type, drawn
  // with the evaluation seed. A class with fewer passages than tiles pairs only that many tiles.
  const pairRng = new SeededRng(`${EVALUATION_SEED}-pairs`);
  const heldOutPatients = new Set(split.heldOutPatients);
  const pairTiles: typeof sampleSet.tiles = [];
  const pairedTexts: string[] = [];
  for (const name of TILE_CLASSES) {
    const classTiles = sampleSet.tiles.filter((tile) => tile.className === name);
    const classPassages = pairRng.shuffle(passages.filter((passage) => passage.className === name && heldOutPatients.has(passage.patientId)));
    const count = Math.min(classTiles.length, classPassages.length);
    pairTiles.push(...classTiles.slice(0, count));
    pairedTexts.push(...classPassages.slice(0, count).map((passage) => passage.text));
  }
  const pairImageEmbeds = embedTiles(model, lungFolder, pairTiles);
  const pairedEmbeds = embedPassages(model, tokenizer, pairedTexts);
  const recall = measurePairRecall(pairImageEmbeds, pairedEmbeds);

  tf.dispose([textEmbeds, sampleEmbeds, allEmbeds, pairImageEmbeds, pairedEmbeds]);
  return { sample, full, recall };
}

function readOtherOrganReports(reportFolder: string): string[] {
  const file = path.join(reportFolder, 'tcga_reports_10organs.jsonl');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { text: string }).text);
}

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
