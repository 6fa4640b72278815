/**
 * npm run predict -- --model DIR --images DIR --out FILE.csv [--backend wasm|cpu]
 *
 * Classifies a folder of images with an exported CLIP-IT vision model
 * (`model.safetensors` + `config.json` as `npm run clipit` and the studio
 * write them). Needs no CLIP and no reports: inference is vision only.
 * Writes `path,predicted,confidence,p_<class>...` with paths relative to
 * --images.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { csvField } from '../src/core/ingest/import-report';
import { importClipItModel, type ClipItExportConfig } from '../src/core/clipit/clipit-export';
import { predictProbabilities } from '../src/core/clipit/clipit-predict';
import { decodeAll, pixelStoreSink, walkFolder } from './cli/node-dataset';
import { useNodeBackend } from './cli/node-backend';
import { classifyPath } from '../src/core/ingest/file-filter';

const USAGE = 'Usage: npm run predict -- --model DIR --images DIR --out FILE.csv [--backend wasm|cpu]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      images: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
    },
  });
  for (const required of ['model', 'images', 'out'] as const) {
    if (!values[required]) throw new Error(`Missing --${required}.\n${USAGE}`);
  }

  await useNodeBackend(values.backend!);
  const weightsPath = path.join(values.model!, 'model.safetensors');
  const configPath = path.join(values.model!, 'config.json');
  if (!existsSync(weightsPath)) throw new Error(`${weightsPath} not found: --model must be a folder exported by the studio or npm run clipit.`);
  const config = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as ClipItExportConfig) : undefined;
  const model = importClipItModel(new Uint8Array(readFileSync(weightsPath)), config, weightsPath);

  const backboneConfig = config?.backbone;
  if (!backboneConfig || backboneConfig.kind !== 'small-cnn') {
    throw new Error(`${values.model}: only small-CNN models can be run from the command line for now.`);
  }
  const inputSize = backboneConfig.cnn.inputSize;
  const classNames = config?.classNames ?? Array.from({ length: model.numClasses }, (_, i) => `class_${i}`);

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
  const probabilities = await predictProbabilities(model, sink.store, indices);

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

main().catch((error) => {
  console.error(`predict: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
