/** CLIP model folders and their inputs for the embedding and CLIP-IT paths of `npm run bench`. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { SeededRng } from '../../src/core/rng';
import type { PixelValuesFile } from '../../src/headless/headless-main';
import { listModelFiles } from '../headless/model-folder';
import type { HeadlessRunner } from '../headless/runner';

/** Fallback passages for a model folder without reference.json: pathology report sentences of typical length. */
const SAMPLE_PASSAGES = [
  'Invasive adenocarcinoma, moderately differentiated, with lymphovascular invasion.',
  'Benign colonic mucosa without dysplasia.',
  'Squamous cell carcinoma, keratinizing, invading the visceral pleura; margins free of tumor.',
  'Adipose tissue with fat necrosis.',
];

interface Reference {
  texts: string[];
  pixel_values_file: string;
  pixel_values_shape: number[];
}

function readReference(modelDir: string): Reference | null {
  const file = path.join(modelDir, 'reference.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Reference) : null;
}

/** `count` passages: the folder's reference texts (or sample sentences) repeated. */
export function readPassages(modelDir: string, count: number): string[] {
  const texts = readReference(modelDir)?.texts ?? SAMPLE_PASSAGES;
  return Array.from({ length: count }, (_, i) => texts[i % texts.length]);
}

/**
 * Writes `count` images of float32 NCHW pixel values into `tempDir`: the folder's reference pixel
 * values tiled when it has reference.json, else seeded noise at the config's vision image size.
 */
export function writePixelValues(modelDir: string, tempDir: string, count: number): { file: string; shape: [number, number, number, number] } {
  const reference = readReference(modelDir);
  const file = path.join(tempDir, `pixel-values-${path.basename(modelDir)}-${count}.f32`);

  if (reference) {
    const [images, channels, height, width] = reference.pixel_values_shape;
    const source = readFileSync(path.join(modelDir, reference.pixel_values_file));
    const perImage = channels * height * width * 4;
    const tiled = Buffer.alloc(count * perImage);
    for (let i = 0; i < count; i++) source.copy(tiled, i * perImage, (i % images) * perImage, ((i % images) + 1) * perImage);
    writeFileSync(file, tiled);
    return { file, shape: [count, channels, height, width] };
  }

  const config = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as { vision_config?: { image_size?: number } };
  // 224 px is transformers' CLIPVisionConfig default image_size.
  const size = config.vision_config?.image_size ?? 224;
  const values = new Float32Array(count * 3 * size * size);
  const rng = new SeededRng(0);
  for (let i = 0; i < values.length; i++) values[i] = rng.nextNormal();
  writeFileSync(file, Buffer.from(values.buffer));
  return { file, shape: [count, 3, size, size] };
}

/** A model folder as the headless page loads it, with passages and pixel values to embed. */
export interface ClipInputs {
  modelDir: string;
  modelFiles: { path: string; url: string }[];
  passages: string[];
  pixelValues: PixelValuesFile;
}

/** Registers the folder's files and the inputs with `runner`; call again after the runner is replaced. */
export function clipInputs(runner: HeadlessRunner, modelDir: string, tempDir: string, images: number, passages: number): ClipInputs {
  const pixels = writePixelValues(modelDir, tempDir, images);
  return {
    modelDir,
    modelFiles: listModelFiles(modelDir).map((file) => ({ path: file.path, url: runner.localUrl(file.file) })),
    passages: readPassages(modelDir, passages),
    pixelValues: { path: path.basename(pixels.file), url: runner.localUrl(pixels.file), shape: pixels.shape },
  };
}
