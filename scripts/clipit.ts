/**
 * npm run clipit -- --images DIR --reports FILE --clip DIR --out DIR [options]
 *
 * Runs the whole CLIP-IT pipeline headless with the studio's core: pairs
 * every image with its most similar report, then trains the unimodal
 * baseline, the text classifier and CLIP-IT on one group-aware split for
 * each seed. Writes OUT/metrics.json, OUT/pairs.csv and the vision-only
 * model of the first seed in OUT/model/.
 *
 * NOTE: this command runs the core in Node on the tfjs WASM backend (or CPU),
 * not in the headless Chromium runner that `npm run embed` uses, so
 * `--backend webgpu|webgl` is rejected.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { csvField } from '../src/core/ingest/import-report';
import type { ComparisonRequest, StageResult } from '../src/clipit-protocol';
import { loadClipTokenizerFromFiles } from '../src/core/clip/bpe-tokenizer';
import { loadClipFromFiles } from '../src/core/clip/clip-model';
import { embedTextBatches } from '../src/core/clip/embed-text-batches';
import { preprocessImages, type DecodedImage as ClipImage } from '../src/core/clip/image-preprocess';
import { retrieveTopK } from '../src/core/clip/retrieval';
import { runComparisonStages } from '../src/core/clipit/comparison';
import type { ClipItExportConfig } from '../src/core/clipit/clipit-export';
import { DEFAULT_CNN_WIDTH, type ComparisonBackbone } from '../src/core/clipit/comparison-backbone';
import { modelFolderFiles } from '../src/core/clipit/model-folder';
import { type VitModel, loadVitFromFiles } from '../src/core/vit/vit-model';
import { groupsFromTable } from '../src/core/ingest/groups';
import { parseCsv } from '../src/core/reports/csv-parse';
import { loadReportFile } from '../src/core/reports/report-file';
import { splitReportsIntoPassages } from '../src/core/reports/passages';
import { parseSplitRatios, splitDataset } from '../src/core/split';
import { RunControl } from '../src/core/train/run-control';
import { listModelFiles } from './headless/model-folder';
import { decodeAll, listDataset, pixelStoreSink } from './cli/node-dataset';
import { useNodeBackend } from './cli/node-backend';
import { fitStainSetting, parseStages, parseTrainingOptions } from './cli/training-options';
import * as tf from '@tensorflow/tfjs-core';

const USAGE = `Usage: npm run clipit -- --images DIR --reports FILE --clip DIR --out DIR
  [--groups CSV] [--report-field NAME] [--backend wasm|cpu]
  [--backbone cnn|clip|DIR]  (small CNN, the --clip vision tower, or a ViT folder in the
                              transformers ViTModel or timm layout; default cnn)
  [--image-size N]  (tile side in px; default 64 for cnn, the model's own size otherwise)
  [--cnn-width N]  (channels of the small CNN's first block, doubled per block; default 16)
  [--epochs N] [--batch N] [--lr X] [--lambda X] [--lora-rank N]
  [--lora-alpha X] [--split 0.7,0.15,0.15] [--passages] [--seeds 0,1,2] [--no-text-lora]
  [--exclude-groups FILE.json]  (groups left out of every split, e.g. a demo CLIP's trainGroups)
  [--stages unimodal,text,clipit]  (--reports and --clip are needed only for text and clipit)
  [--augment | --no-augment]  (H&E default augmentation of training batches; default off)
  [--stain-norm macenko|reinhard --stain-reference FILE]  (fitted on FILE at --image-size)
  [--class-balance none|weighted|sampling]  (default none)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string' },
      reports: { type: 'string' },
      clip: { type: 'string' },
      out: { type: 'string' },
      groups: { type: 'string' },
      'exclude-groups': { type: 'string' },
      'report-field': { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      backbone: { type: 'string', default: 'cnn' },
      'image-size': { type: 'string' },
      'cnn-width': { type: 'string', default: String(DEFAULT_CNN_WIDTH) },
      epochs: { type: 'string', default: '5' },
      batch: { type: 'string', default: '64' },
      lr: { type: 'string', default: '0.001' },
      lambda: { type: 'string', default: '1' },
      'lora-rank': { type: 'string', default: '16' },
      'lora-alpha': { type: 'string', default: '8' },
      split: { type: 'string', default: '0.7,0.15,0.15' },
      passages: { type: 'boolean', default: false },
      seeds: { type: 'string', default: '0,1,2' },
      'no-text-lora': { type: 'boolean', default: false },
      stages: { type: 'string', default: 'unimodal,text,clipit' },
      augment: { type: 'boolean', default: false },
      'no-augment': { type: 'boolean', default: false },
      'stain-norm': { type: 'string' },
      'stain-reference': { type: 'string' },
      'class-balance': { type: 'string', default: 'none' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const stages = parseStages(values.stages!);
  const needsClip = stages.some((stage) => stage !== 'unimodal');
  for (const required of needsClip ? (['images', 'reports', 'clip', 'out'] as const) : (['images', 'out'] as const)) {
    if (!values[required]) throw new Error(`Missing --${required}.\n${USAGE}`);
  }
  const training = parseTrainingOptions(values);
  const backboneKind: ComparisonBackbone = values.backbone === 'cnn' || values.backbone === 'clip' ? values.backbone : 'vit';
  if (backboneKind === 'clip' && !values.clip) throw new Error(`--backbone clip uses the vision tower of --clip DIR; give --clip.\n${USAGE}`);

  const backend = await useNodeBackend(values.backend!);
  const vit = backboneKind === 'vit' ? loadVitFromFolder(values.backbone!) : null;
  const started = performance.now();
  const log = (message: string) => console.error(`[clipit ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`);

  // Images and groups.
  const imagesDir = values.images!;
  const dataset = listDataset(imagesDir);
  let inputSize = values['image-size'] ? positiveInt(values['image-size'], '--image-size') : (vit?.config.imageSize ?? 64);
  log(`${dataset.paths.length} images in ${dataset.classNames.length} classes (${dataset.classNames.join(', ')})`);

  const groupOf = new Map<string, string>();
  if (values.groups) {
    const table = parseCsv(readFileSync(values.groups, 'utf8'));
    const pathColumn = ['path', 'filename', 'file'].find((c) => table.header.includes(c));
    const groupColumn = ['group_id', 'group', 'patient_id', 'slide_id'].find((c) => table.header.includes(c));
    if (!pathColumn || !groupColumn) throw new Error(`${values.groups}: expected a path column (path or filename) and a group column (group_id, group, patient_id or slide_id).`);
    const assignment = groupsFromTable(dataset.paths, table, { pathColumn, groupColumn });
    for (const [p, g] of assignment.groupByPath) groupOf.set(p, g);
    log(`groups: ${assignment.groupCount} from ${values.groups}; ${assignment.imagesWithoutGroup.length} image(s) without a group`);
  }

  // CLIP, only for the text and CLIP-IT stages and the clip backbone.
  const modelFiles = needsClip || backboneKind === 'clip' ? new Map(listModelFiles(values.clip!).map((f) => [f.path, new Uint8Array(readFileSync(f.file))])) : null;
  const clip = modelFiles ? loadClipFromFiles(modelFiles) : null;
  const tokenizer = clip && modelFiles ? loadClipTokenizerFromFiles(modelFiles, { contextLength: clip.config.text.maxPositionEmbeddings }) : null;

  if (backboneKind === 'clip' && clip && !values['image-size']) inputSize = clip.config.vision.imageSize;
  log(`backbone: ${backboneKind === 'vit' ? `${values.backbone} (${vit!.config.layout} ViT)` : backboneKind}, tiles at ${inputSize} px`);

  // Decode once: CLIP pixels for retrieval and the backbone's pixel store.
  const sink = pixelStoreSink(dataset.paths.length, inputSize);
  const clipPixels: Float32Array[] = [];
  let clipShape: [number, number, number, number] = [0, 3, 0, 0];
  const failed = await decodeAll(imagesDir, dataset.paths, (index, image) => {
    sink.add(index, image);
    if (!clip) return;
    const clipImage: ClipImage = { data: image.data, width: image.width, height: image.height, channels: 3 };
    const { values: pixels, shape } = preprocessImages([clipImage], clip.preprocess);
    clipPixels[index] = pixels;
    clipShape = shape;
  });
  if (failed.length > 0) throw new Error(`${failed.length} image(s) could not be decoded, first: ${failed[0].path} (${failed[0].reason}).`);
  log(`decoded ${dataset.paths.length} images`);

  const stainNormalization = training.stainReference ? await fitStainSetting(training.stainMethod!, training.stainReference, inputSize) : null;
  if (stainNormalization) log(`${stainNormalization.method} stain normalisation fitted on ${stainNormalization.referencePath} at ${inputSize}px`);

  // Reports (or passages), then retrieval: top-5 per image, top-1 is the pairing.
  let texts: { reportId: string; text: string }[] = [];
  let textEmbeddings: Float32Array | null = null;
  let ranked: Awaited<ReturnType<typeof retrieveTopK>> | null = null;
  const dim = clip?.config.projectionDim ?? 0;
  if (clip && tokenizer) {
    const reportFile = loadReportFile(new Uint8Array(readFileSync(values.reports!)), path.basename(values.reports!), { textField: values['report-field'] });
    if (reportFile.corpus.reports.length === 0) throw new Error(`${values.reports}: no reports could be read (${reportFile.corpus.problems[0]?.reason ?? 'empty file'}).`);
    texts = values.passages
      ? splitReportsIntoPassages(reportFile.corpus.reports, { mode: 'sentence', maxTokens: 60 }).map((p) => ({ reportId: p.reportId, text: p.text }))
      : reportFile.corpus.reports.map((r) => ({ reportId: r.id, text: r.text }));
    log(`${texts.length} ${values.passages ? 'passages' : 'reports'} from ${values.reports}`);

    const textIds = tokenizer.encodeBatch(texts.map((t) => t.text));
    textEmbeddings = await embedTextBatches(clip, textIds);
    const imageEmbeddings = await embedImagesInBatches(clip, clipPixels, clipShape);
    const imageTensor = tf.tensor2d(imageEmbeddings, [dataset.paths.length, dim]);
    const textTensor = tf.tensor2d(textEmbeddings, [texts.length, dim]);
    ranked = await retrieveTopK(imageTensor, textTensor, { k: 5 });
    tf.dispose([imageTensor, textTensor]);
    log(`paired ${dataset.paths.length} images with ${texts.length} texts`);
  }

  // Split and comparison.
  const ratios = parseSplitRatios(values.split!);
  const excludeGroups = values['exclude-groups'] ? readExcludedGroups(values['exclude-groups']) : undefined;
  const split = splitDataset(
    dataset.paths.map((p, i) => ({ label: dataset.labels[i], group: groupOf.get(p) })),
    { ratios, seed: 0, excludeGroups },
  );
  if (excludeGroups) log(`${split.excluded} images of ${excludeGroups.size} excluded groups left out of every split`);
  const seeds = values.seeds!.split(',').map((s) => positiveInt(s.trim(), '--seeds', true));
  const request: ComparisonRequest = {
    runId: 'cli',
    classNames: dataset.classNames,
    labels: Array.from(dataset.labels),
    split: split.indices,
    stages,
    seeds,
    inputSize,
    backbone: backboneKind,
    cnnWidth: positiveInt(values['cnn-width']!, '--cnn-width'),
    texts: texts.map((t) => t.text),
    pairedText: ranked ? Array.from(ranked.top1Indices) : [],
    textEmbeddings: textEmbeddings ? { values: textEmbeddings, rows: texts.length, dims: dim } : null,
    epochs: positiveInt(values.epochs!, '--epochs'),
    batchSize: positiveInt(values.batch!, '--batch'),
    learningRate: Number(values.lr),
    weightDecay: 1e-4,
    clipNorm: 0.5,
    schedule: 'constant',
    lambda: Number(values.lambda),
    loraRank: positiveInt(values['lora-rank']!, '--lora-rank'),
    loraAlpha: Number(values['lora-alpha']),
    textLora: !values['no-text-lora'],
    augment: training.augment,
    classBalance: training.classBalance,
    stainNormalization,
  };

  let lastLog = 0;
  const outcome = await runComparisonStages(request, sink.store, clip && tokenizer ? { model: clip, tokenizer } : null, new RunControl(), {
    onStep: (event) => {
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`${event.stage} seed ${event.seed}: step ${event.step}/${event.totalSteps} loss ${event.loss.toFixed(4)} (${event.imagesPerSecond.toFixed(0)} images/s)`);
      }
    },
    onEpoch: (event) => log(`${event.stage} seed ${event.seed} epoch ${event.epoch}: val loss ${event.valLoss.toFixed(4)}, val balanced accuracy ${event.valBalancedAccuracy.toFixed(3)}`),
    onStatus: (message) => log(message),
  }, vit);

  // Outputs.
  const out = values.out!;
  mkdirSync(path.join(out, 'model'), { recursive: true });
  const stageMetrics = (stage: StageResult | undefined) =>
    stage && {
      accuracy: stage.accuracy.mean,
      balanced_accuracy: stage.balancedAccuracy.mean,
      macro_f1: stage.macroF1.mean,
      accuracy_std: stage.accuracy.std,
      balanced_accuracy_std: stage.balancedAccuracy.std,
      macro_f1_std: stage.macroF1.std,
      per_seed_balanced_accuracy: stage.perSeed.map((m) => m.balancedAccuracy),
      confusion_matrix: stage.confusionMatrix,
    };
  const top1 = ranked ? Array.from(ranked.top1Scores) : [];
  const metrics = {
    classes: dataset.classNames,
    split: { train: split.indices.train.length, val: split.indices.val.length, test: split.indices.test.length, excluded: split.excluded },
    clip: values.clip,
    backend,
    seeds,
    image_size: inputSize,
    backbone: values.backbone,
    cnn_width: request.cnnWidth,
    retrieval: ranked ? { pairs: dataset.paths.length, texts: texts.length, mean_top1_score: top1.reduce((a, b) => a + b, 0) / top1.length } : null,
    augment: request.augment,
    class_balance: request.classBalance,
    stain_normalization: stainNormalization,
    unimodal: stageMetrics(outcome.stages.find((s) => s.stage === 'unimodal')),
    text_classifier: stageMetrics(outcome.stages.find((s) => s.stage === 'text')),
    clipit: stageMetrics(outcome.stages.find((s) => s.stage === 'clipit')),
    seconds: (performance.now() - started) / 1000,
  };
  writeFileSync(path.join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  if (ranked) writeFileSync(path.join(out, 'pairs.csv'), pairsCsv(dataset.paths, texts, ranked.topIndices, ranked.topScores, ranked.k));
  if (outcome.exportedModel) {
    // Both formats: model.safetensors + config.json, and model.json + weight shards.
    const files = await modelFolderFiles(outcome.exportedModel as { safetensors: Uint8Array; config: ClipItExportConfig });
    for (const [name, bytes] of files) writeFileSync(path.join(out, 'model', name), bytes);
  }
  log(`wrote ${out}/metrics.json${ranked ? ", pairs.csv" : ""}${outcome.exportedModel ? " and model/" : ""}`);
  clip?.dispose();
  vit?.dispose();
}

/** Loads a ViT backbone folder from disk; the error names the folder when it is not one. */
function loadVitFromFolder(dir: string): VitModel {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`--backbone ${dir}: not "cnn", "clip" or a folder. Give a ViT folder with config.json and model.safetensors.`);
  }
  const files = new Map(listModelFiles(dir).map((f) => [f.path, new Uint8Array(readFileSync(f.file))]));
  try {
    return loadVitFromFiles(files);
  } catch (error) {
    throw new Error(`--backbone ${dir}: ${(error as Error).message}`);
  }
}

async function embedImagesInBatches(clip: NonNullable<ReturnType<typeof loadClipFromFiles>>, pixels: Float32Array[], shape: [number, number, number, number]): Promise<Float32Array> {
  const perImage = shape[1] * shape[2] * shape[3];
  const dim = clip.config.projectionDim;
  const out = new Float32Array(pixels.length * dim);
  const batch = 32;
  for (let start = 0; start < pixels.length; start += batch) {
    const rows = pixels.slice(start, start + batch);
    const data = new Float32Array(rows.length * perImage);
    rows.forEach((row, i) => data.set(row, i * perImage));
    const input = tf.tensor4d(data, [rows.length, shape[1], shape[2], shape[3]]);
    const embeds = clip.embedImages(input);
    out.set(await embeds.data(), start * dim);
    tf.dispose([input, embeds]);
  }
  return out;
}

function pairsCsv(paths: string[], texts: { reportId: string; text: string }[], indices: Int32Array, scores: Float32Array, k: number): string {
  const lines = ['image,report_id,passage,score,rank'];
  paths.forEach((p, row) => {
    for (let rank = 0; rank < k; rank++) {
      const text = texts[indices[row * k + rank]];
      lines.push([csvField(p), csvField(text.reportId), csvField(text.text), scores[row * k + rank].toFixed(6), String(rank + 1)].join(','));
    }
  });
  return `${lines.join('\n')}\n`;
}

/** Reads group ids from JSON: a list, or an object with `trainGroups` (the demo CLIP's split file). */
function readExcludedGroups(file: string): Set<string> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as string[] | { trainGroups?: string[] };
  const groups = Array.isArray(parsed) ? parsed : parsed.trainGroups;
  if (!Array.isArray(groups)) throw new Error(`${file}: expected a JSON list of group ids or an object with "trainGroups".`);
  return new Set(groups);
}

function positiveInt(text: string, flag: string, allowZero = false): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) throw new Error(`Invalid ${flag} "${text}": expected a whole number${allowZero ? ' >= 0' : ' >= 1'}.`);
  return value;
}

main().catch((error) => {
  const message = error instanceof Error ? error.message : String(error);
  // tfjs-backend-wasm 4.22 aborts without a message when its heap reaches its 4 GB maximum (getHeapMax in wasm-out).
  // LoRA training of a ViT-S/16 at 224 px peaks near 0.9 GB per image there, so --batch 4 trains and --batch 8 aborts.
  const hint = message.startsWith('Aborted(') ? ' The WASM backend most likely ran out of memory: lower --batch or use --backend cpu.' : '';
  console.error(`clipit: ${message}${hint}`);
  process.exit(1);
});
