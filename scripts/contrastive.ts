/**
 * npm run contrastive -- --images DIR --clip DIR (--pairs CSV | --class-prompts) --out DIR [options]
 *
 * Fine-tunes a CLIP with the symmetric InfoNCE loss on image-text pairs, headless, with the studio's
 * core. Writes OUT/metrics.json (recall@1/@5 on held-out pairs before and after, the loss per
 * epoch) and the fine-tuned CLIP in OUT/clip/, in the Hugging Face layout of the input folder.
 *
 * NOTE: runs on the tfjs wasm backend (or cpu) in Node, like `npm run clipit`.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadClipTokenizerFromFiles } from '../src/core/clip/bpe-tokenizer';
import { loadClipFromFiles } from '../src/core/clip/clip-model';
import { preprocessImages } from '../src/core/clip/image-preprocess';
import { writeSafetensors } from '../src/core/clipit/safetensors-writer';
import { DEFAULT_CONTRASTIVE_SETTINGS, type ContrastiveRunSettings, runContrastiveFineTuning } from '../src/core/contrastive/contrastive-run';
import { readClipWeights } from '../src/core/contrastive/fine-tuned-clip';
import { type PairingSpec, planPairs, promptTextsByClass } from '../src/core/contrastive/pair-plan';
import { DEFAULT_PROMPT_TEMPLATES } from '../src/core/contrastive/zero-shot';
import { groupsFromTable } from '../src/core/ingest/groups';
import { columnIndex, parseCsv } from '../src/core/reports/csv-parse';
import { RunControl } from '../src/core/train/run-control';
import { useNodeBackend } from './cli/node-backend';
import { decodeAll, listDataset } from './cli/node-dataset';
import { listModelFiles } from './headless/model-folder';

const USAGE = `Usage: npm run contrastive -- --images DIR --clip DIR (--pairs CSV | --class-prompts) --out DIR
  --images DIR        image folder, one subfolder per class
  --clip DIR          Hugging Face CLIP folder (config.json, weights, vocab.json + merges.txt or tokenizer.json)
  --pairs CSV         image,text pairs; image paths relative to --images (columns image|path|filename and text|caption)
  --class-prompts     pair each image with a prompt of its class instead ("an H&E image of {class}." and others)
  --class-names LIST  display names for the prompts, in class-folder order, comma separated (default: folder names)
  --out DIR           output folder for metrics.json and clip/
  [--groups CSV]      group column per image; held-out pairs take whole groups
  [--epochs N] [--batch N] [--lr X] [--lora-rank N] [--lora-alpha X] [--full]
  [--held-out 0.2]    fraction of groups (or images) held out for recall
  [--seed N] [--backend wasm|cpu]`;

/** Files of a Hugging Face CLIP folder copied to the output beside the new weights. */
const CONFIG_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer_config.json', 'tokenizer.json', 'vocab.json', 'merges.txt', 'special_tokens_map.json', 'open_clip_config.json'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      images: { type: 'string' },
      clip: { type: 'string' },
      pairs: { type: 'string' },
      'class-prompts': { type: 'boolean', default: false },
      'class-names': { type: 'string' },
      out: { type: 'string' },
      groups: { type: 'string' },
      epochs: { type: 'string', default: String(DEFAULT_CONTRASTIVE_SETTINGS.epochs) },
      batch: { type: 'string', default: String(DEFAULT_CONTRASTIVE_SETTINGS.batchSize) },
      lr: { type: 'string', default: String(DEFAULT_CONTRASTIVE_SETTINGS.learningRate) },
      'lora-rank': { type: 'string', default: String(DEFAULT_CONTRASTIVE_SETTINGS.loraRank) },
      'lora-alpha': { type: 'string', default: String(DEFAULT_CONTRASTIVE_SETTINGS.loraAlpha) },
      full: { type: 'boolean', default: false },
      'held-out': { type: 'string', default: '0.2' },
      seed: { type: 'string', default: '0' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  for (const required of ['images', 'clip', 'out'] as const) {
    if (!values[required]) throw new Error(`Missing --${required}.\n${USAGE}`);
  }
  if (Boolean(values.pairs) === values['class-prompts']) throw new Error(`Give exactly one of --pairs CSV and --class-prompts.\n${USAGE}`);

  const backend = await useNodeBackend(values.backend!);
  const started = performance.now();
  const log = (message: string) => console.error(`[contrastive ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`);

  const imagesDir = values.images!;
  const dataset = listDataset(imagesDir);
  log(`${dataset.paths.length} images in ${dataset.classNames.length} classes (${dataset.classNames.join(', ')})`);

  const clipDir = values.clip!;
  const modelFileList = listModelFiles(clipDir);
  const modelFiles = new Map(modelFileList.map((f) => [f.path, new Uint8Array(readFileSync(f.file))]));
  const clip = loadClipFromFiles(modelFiles);
  const tokenizer = loadClipTokenizerFromFiles(modelFiles, { contextLength: clip.config.text.maxPositionEmbeddings });

  const spec = values.pairs ? readPairsCsv(values.pairs, dataset.paths) : classPromptSpec(dataset.classNames, dataset.labels, values['class-names']);
  const groups = values.groups ? readGroups(values.groups, dataset.paths) : null;
  const plan = planPairs(spec, groups, Number(values['held-out']), values.seed!);
  log(`${plan.trainRows.length} training pairs, ${plan.heldOut.imageRows.length} held-out pairs (${values.pairs ? `from ${values.pairs}` : 'class prompts'})`);

  // Decode only the images a pair uses, into one table of CLIP pixels.
  const used = [...plan.trainRows, ...plan.heldOut.imageRows];
  const rowOf = new Map(used.map((row, position) => [row, position]));
  const perImage = 3 * clip.preprocess.cropHeight * clip.preprocess.cropWidth;
  const pixelValues = new Float32Array(used.length * perImage);
  const failed = await decodeAll(imagesDir, used.map((row) => dataset.paths[row]), (position, image) => {
    pixelValues.set(preprocessImages([{ data: image.data, width: image.width, height: image.height, channels: 3 }], clip.preprocess).values, position * perImage);
  });
  if (failed.length > 0) throw new Error(`${failed.length} image(s) could not be decoded, first: ${failed[0].path} (${failed[0].reason}).`);
  const pixels = { values: pixelValues, shape: [used.length, 3, clip.preprocess.cropHeight, clip.preprocess.cropWidth] as [number, number, number, number] };
  const remapped = {
    trainRows: plan.trainRows.map((row) => rowOf.get(row)!),
    pairs: plan.pairs,
    heldOut: { ...plan.heldOut, imageRows: plan.heldOut.imageRows.map((row) => rowOf.get(row)!) },
  };
  log(`decoded ${used.length} images at ${clip.preprocess.cropWidth} px`);

  const settings: ContrastiveRunSettings = {
    mode: values.full ? 'full' : 'lora',
    epochs: wholeNumber(values.epochs!, '--epochs'),
    batchSize: wholeNumber(values.batch!, '--batch'),
    learningRate: Number(values.lr),
    loraRank: wholeNumber(values['lora-rank']!, '--lora-rank'),
    loraAlpha: Number(values['lora-alpha']),
    seed: wholeNumber(values.seed!, '--seed', true),
    maxGradNorm: DEFAULT_CONTRASTIVE_SETTINGS.maxGradNorm,
  };
  const epochs: { epoch: number; mean_loss: number | null; recall: unknown }[] = [];
  let lastLog = 0;
  const outcome = await runContrastiveFineTuning(clip, tokenizer, pixels, remapped, settings, new RunControl(), {
    onStep: (event) => {
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`step ${event.step}/${event.totalSteps} loss ${event.loss.toFixed(4)} scale ${event.logitScale.toFixed(2)}`);
      }
    },
    onEpoch: (event) => {
      epochs.push({ epoch: event.epoch, mean_loss: Number.isFinite(event.meanLoss) ? event.meanLoss : null, recall: event.recall });
      log(`epoch ${event.epoch}: image-to-text recall@1 ${event.recall.imageToText1.toFixed(3)}, @5 ${event.recall.imageToText5.toFixed(3)}; text-to-image recall@1 ${event.recall.textToImage1.toFixed(3)}`);
    },
  });

  const out = values.out!;
  const clipOut = path.join(out, 'clip');
  mkdirSync(clipOut, { recursive: true });
  const weightsFile = modelFileList.some((f) => f.path === 'model.safetensors.index.json') ? null : 'model.safetensors';
  writeFileSync(path.join(clipOut, 'model.safetensors'), writeSafetensors(readClipWeights(outcome.model), { format: 'pt', producer: 'npm run contrastive' }));
  for (const file of modelFileList) {
    // Config and tokenizer files travel unchanged; the weights were written above.
    if (CONFIG_FILES.includes(file.path)) copyFileSync(file.file, path.join(clipOut, file.path));
  }
  if (!weightsFile) log('the input weights were sharded; the output holds them in one model.safetensors');

  const metrics = {
    clip: clipDir,
    backend,
    mode: settings.mode,
    settings,
    pairing: values.pairs ? { kind: 'csv', file: values.pairs } : { kind: 'class-prompts' },
    train_pairs: plan.trainRows.length,
    held_out_pairs: plan.heldOut.imageRows.length,
    recall_counts_class_matches: plan.heldOut.classes !== undefined,
    steps: outcome.steps,
    stopped: outcome.stopped,
    recall_before: outcome.before,
    recall_after: outcome.after,
    epochs,
    final_logit_scale: outcome.model.logitScale,
    seconds: (performance.now() - started) / 1000,
  };
  writeFileSync(path.join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  log(`wrote ${out}/metrics.json and ${clipOut}/`);
  outcome.model.dispose();
  clip.dispose();
}

/** Reads image,text pairs; rows naming an image outside the folder are reported, not silently dropped. */
function readPairsCsv(file: string, paths: string[]): PairingSpec {
  const table = parseCsv(readFileSync(file, 'utf8'));
  const imageColumn = ['image', 'path', 'filename', 'file'].find((name) => table.header.includes(name));
  const textColumn = ['text', 'caption', 'report'].find((name) => table.header.includes(name));
  if (!imageColumn || !textColumn) throw new Error(`${file}: expected an image column (image, path or filename) and a text column (text or caption); found ${table.header.join(', ')}.`);

  const rowByPath = new Map(paths.map((p, row) => [p, row]));
  const rowByName = new Map(paths.map((p, row) => [path.basename(p), row]));
  const texts: (string | null)[] = paths.map(() => null);
  const imageIndex = columnIndex(table, imageColumn);
  const textIndex = columnIndex(table, textColumn);
  const missing: string[] = [];
  for (const row of table.rows) {
    const image = row.cells[imageIndex]?.trim() ?? '';
    const target = rowByPath.get(image) ?? rowByName.get(path.basename(image));
    if (target === undefined) missing.push(image);
    else texts[target] = row.cells[textIndex] ?? '';
  }
  if (missing.length > 0) console.error(`[contrastive] ${file}: ${missing.length} row(s) name an image not in the folder, first "${missing[0]}"; they are skipped.`);
  return { kind: 'list', texts };
}

function classPromptSpec(classNames: string[], labels: Int32Array, namesText: string | undefined): PairingSpec {
  const displayNames = namesText ? namesText.split(',').map((name) => name.trim()) : classNames;
  if (displayNames.length !== classNames.length) throw new Error(`--class-names has ${displayNames.length} names but the folder has ${classNames.length} classes (${classNames.join(', ')}).`);
  return { kind: 'class', labels: Array.from(labels), textsByClass: promptTextsByClass(displayNames, DEFAULT_PROMPT_TEMPLATES) };
}

function readGroups(file: string, paths: string[]): (string | undefined)[] {
  const table = parseCsv(readFileSync(file, 'utf8'));
  const pathColumn = ['path', 'filename', 'file'].find((c) => table.header.includes(c));
  const groupColumn = ['group_id', 'group', 'patient_id', 'slide_id'].find((c) => table.header.includes(c));
  if (!pathColumn || !groupColumn) throw new Error(`${file}: expected a path column (path or filename) and a group column (group_id, group, patient_id or slide_id).`);
  const assignment = groupsFromTable(paths, table, { pathColumn, groupColumn });
  return paths.map((p) => assignment.groupByPath.get(p));
}

function wholeNumber(text: string, flag: string, allowZero = false): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) throw new Error(`Invalid ${flag} "${text}": expected a whole number${allowZero ? ' >= 0' : ' >= 1'}.`);
  return value;
}

main().catch((error) => {
  console.error(`contrastive: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
