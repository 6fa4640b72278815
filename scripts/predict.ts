/**
 * npm run predict -- --model DIR --images DIR --out FILE.csv [--backend wasm|cpu] [--format safetensors|tfjs]
 *
 * Classifies a folder of images with an exported CLIP-IT vision model
 * (`model.safetensors` + `config.json`, or `model.json` + weight shards, as
 * `npm run clipit` and the studio write them), with any backbone: small CNN,
 * CLIP vision tower or ViT. Needs no CLIP and no reports: inference is vision only.
 * Writes `path,predicted,confidence,p_<class>...` with paths relative to
 * --images.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { csvField } from '../src/core/ingest/import-report';
import { backboneBatchSource, backboneInputSize } from '../src/core/clipit/backbone-input';
import { exportedStainNormalization } from '../src/core/clipit/clipit-export';
import { loadModelFolder } from '../src/core/clipit/model-folder';
import { normalizePixelStore } from '../src/core/stain/stain-normalize-images';
import { predictProbabilities } from '../src/core/clipit/clipit-predict';
import { decodeAll, pixelStoreSink, walkFolder } from './cli/node-dataset';
import { useNodeBackend } from './cli/node-backend';
import { classifyPath } from '../src/core/ingest/file-filter';

const USAGE = 'Usage: npm run predict -- --model DIR --images DIR --out FILE.csv [--backend wasm|cpu] [--format safetensors|tfjs]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      images: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      format: { type: 'string' },
    },
  });
  for (const required of ['model', 'images', 'out'] as const) {
    if (!values[required]) throw new Error(`Missing --${required}.\n${USAGE}`);
  }

  await useNodeBackend(values.backend!);
  const format = values.format;
  if (format !== undefined && format !== 'safetensors' && format !== 'tfjs') throw new Error(`Invalid --format "${format}": expected safetensors or tfjs.`);
  const { model, config } = loadModelFolder(readModelFolder(values.model!), values.model!, format);
  const configPath = path.join(values.model!, 'config.json');
  const inputSize = backboneInputSize(config.backbone);
  const classNames = config.classNames ?? Array.from({ length: model.numClasses }, (_, i) => `class_${i}`);

  // Paths relative to --images, so they start with the class folder when there is one.
  const root = path.basename(path.resolve(values.images!));
  const paths = walkFolder(values.images!)
    .filter((p) => classifyPath(p) === 'image')
    .map((p) => p.slice(root.length + 1));
  if (paths.length === 0) throw new Error(`${values.images}: no image files found.`);

  const sink = pixelStoreSink(paths.length, inputSize);
  const decoded = new Set<number>();
  const failed = await decodeAll(values.images!, paths, (index, image) => {
    sink.add(index, image);
    decoded.add(index);
  });
  const indices = [...decoded].sort((a, b) => a - b);

  // A model trained on stain-normalised tiles expects the same normalisation at inference.
  const stain = exportedStainNormalization(config, configPath);
  let store = sink.store;
  if (stain) {
    const normalized = normalizePixelStore(store, stain);
    store = normalized.store;
    console.error(`predict: ${stain.method} stain normalisation from the model config; ${normalized.unchanged.length} tile(s) with too little tissue left unchanged`);
  }
  const probabilities = await predictProbabilities(model, backboneBatchSource(config.backbone, store), indices);

  const lines = [['path', 'predicted', 'confidence', ...classNames.map((c) => `p_${c}`)].map(csvField).join(',')];
  indices.forEach((index, row) => {
    const probs = Array.from(probabilities.subarray(row * classNames.length, (row + 1) * classNames.length));
    const best = probs.indexOf(Math.max(...probs));
    lines.push([csvField(paths[index]), csvField(classNames[best]), probs[best].toFixed(6), ...probs.map((p) => p.toFixed(6))].join(','));
  });
  writeFileSync(values.out!, `${lines.join('\n')}\n`);

  for (const problem of failed) console.error(`predict: skipped ${problem.path}: ${problem.reason}`);
  console.error(`predict: wrote ${indices.length} predictions to ${values.out}`);
  model.dispose();
}

/** Reads the files of an exported model folder (JSON, safetensors and weight shards) by name. */
function readModelFolder(dir: string): Map<string, Uint8Array> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--model ${dir}: folder not found. Give the model/ folder exported by the studio or npm run clipit.`);
  const names = readdirSync(dir).filter((name) => /\.(json|safetensors|bin)$/.test(name));
  return new Map(names.map((name) => [name, new Uint8Array(readFileSync(path.join(dir, name)))]));
}

main().catch((error) => {
  console.error(`predict: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
