/**
 * Embeds texts and images with a CLIP model folder, running the studio's worker code in headless
 * Chromium, and writes the projected (not normalised) embeddings as JSON.
 *
 * Usage:
 *   npm run embed -- --model DIR [--backend auto|webgpu|webgl|wasm|cpu] [--text-file FILE]
 *                    [--image FILE]... [--pixel-values FILE.f32 --pixel-shape N,3,H,W] --out OUT.json [--verbose]
 *
 *   --model         Hugging Face CLIPModel folder (config.json, weights, tokenizer, preprocessor_config.json)
 *                   or an open_clip folder (open_clip_config.json, open_clip_pytorch_model.bin)
 *   --backend       tfjs backend; default auto (webgpu, then webgl, then cpu). A named backend that
 *                   does not start is an error.
 *   --text-file     UTF-8, one text per line (LF or CRLF); empty lines are skipped
 *   --image         image file (PNG, JPEG, TIFF, BMP, WebP, GIF); repeat for more. Preprocessed as
 *                   the model's preprocessor_config.json specifies.
 *   --pixel-values  preprocessed pixels, little-endian float32 NCHW, with --pixel-shape N,C,H,W
 *   --out           output JSON: model, backend, and input_ids / text_embeds / image_embeds for the inputs given
 *
 * Exit status 0 on success; 1 with a one-line message on stderr otherwise.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import type { BackendPreference } from '../src/worker-protocol';
import { listModelFiles } from './headless/model-folder';
import { HeadlessRunner } from './headless/runner';

const BACKENDS: BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

interface EmbedOptions {
  model: string;
  backend: BackendPreference;
  textFile?: string;
  images: string[];
  pixelValues?: { file: string; shape: [number, number, number, number] };
  out: string;
  verbose: boolean;
}

const USAGE = `Usage: npm run embed -- --model DIR [--backend auto|webgpu|webgl|wasm|cpu] [--text-file FILE]
       [--image FILE]... [--pixel-values FILE.f32 --pixel-shape N,C,H,W] --out OUT.json [--verbose]`;

function parseArgsOrThrow(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        backend: { type: 'string', default: 'auto' },
        'text-file': { type: 'string' },
        image: { type: 'string', multiple: true, default: [] },
        'pixel-values': { type: 'string' },
        'pixel-shape': { type: 'string' },
        out: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (error) {
    // node:util parseArgs rejects unknown options and missing values with a TypeError.
    throw new Error(`${(error as Error).message}. Run with --help to list the options.`);
  }
}

function parseOptions(argv: string[]): EmbedOptions {
  const { values } = parseArgsOrThrow(argv);

  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }

  if (!values.model) throw new Error('Missing --model DIR: the CLIP model folder to load.');
  if (!values.out) throw new Error('Missing --out FILE: where to write the JSON result.');
  const backend = values.backend as BackendPreference;
  if (!BACKENDS.includes(backend)) throw new Error(`Invalid --backend ${values.backend}: use one of ${BACKENDS.join(', ')}.`);

  const images = values.image ?? [];
  if (images.length > 0 && values['pixel-values']) {
    throw new Error(`Both --image and --pixel-values were given (${images[0]}, ${values['pixel-values']}): pass only one kind of image input.`);
  }
  if (values['pixel-values'] && !values['pixel-shape']) throw new Error(`--pixel-values ${values['pixel-values']} needs --pixel-shape N,C,H,W.`);
  if (values['pixel-shape'] && !values['pixel-values']) throw new Error('--pixel-shape was given without --pixel-values FILE.');
  if (!values['text-file'] && images.length === 0 && !values['pixel-values']) {
    throw new Error('Nothing to embed: give --text-file, --image or --pixel-values.');
  }

  return {
    model: values.model,
    backend,
    textFile: values['text-file'],
    images,
    pixelValues: values['pixel-values'] ? { file: values['pixel-values'], shape: parseShape(values['pixel-shape']!) } : undefined,
    out: values.out,
    verbose: values.verbose ?? false,
  };
}

function parseShape(text: string): [number, number, number, number] {
  const parts = text.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 4 || parts.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error(`Invalid --pixel-shape ${text}: expected 4 positive integers N,C,H,W such as 5,3,224,224.`);
  }
  return parts as [number, number, number, number];
}

function requireFile(file: string, kind: string): void {
  if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`${kind} not found: ${file}.`);
}

/** Reads one text per line; CRLF and LF both end a line, and empty or blank lines are skipped. */
export function readTextLines(file: string): string[] {
  requireFile(file, 'Text file');
  return readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
}

/** Returns a rejection handler that rethrows with `label` in front, unless the message already contains `name`. */
function prefixError(label: string, name: string): (error: Error) => never {
  return (error) => {
    throw new Error(error.message.includes(name) ? error.message : `${label} ${name}: ${error.message}`);
  };
}

async function embed(options: EmbedOptions): Promise<void> {
  const modelFiles = listModelFiles(options.model);
  const texts = options.textFile ? readTextLines(options.textFile) : undefined;
  if (texts && texts.length === 0) throw new Error(`Text file ${options.textFile} contains no non-empty lines.`);
  options.images.forEach((image) => requireFile(image, 'Image'));
  if (options.pixelValues) requireFile(options.pixelValues.file, 'Pixel values file');

  const runner = await HeadlessRunner.open({ verbose: options.verbose });
  try {
    const info = await runner.call('initBackend', options.backend);
    if (options.backend !== 'auto' && info.active !== options.backend) {
      const reason = info.attempts.find((attempt) => attempt.backend === options.backend)?.error ?? 'unknown reason';
      throw new Error(`Backend ${options.backend} did not start in headless Chromium (${reason}); choose another --backend.`);
    }

    await runner.call('loadClip', modelFiles.map((file) => ({ path: file.path, url: runner.localUrl(file.file) }))).catch(prefixError('Model folder', options.model));

    const output: Record<string, unknown> = { model: options.model, backend: info.active };

    if (texts) {
      const result = await runner.call('embed', { texts }).catch(prefixError('Text file', options.textFile!));
      output.input_ids = result.inputIds;
      output.text_embeds = result.textEmbeds;
    }

    if (options.images.length > 0) {
      const images = options.images.map((image) => ({ path: image, url: runner.localUrl(image) }));
      const result = await runner.call('embed', { images }).catch(prefixError('Images', options.images.join(', ')));
      const failed = result.failedImages ?? [];
      if (failed.length > 0) throw new Error(`Image ${failed[0].path} could not be decoded: ${failed[0].reason} (${failed[0].detail}).`);
      output.image_embeds = result.imageEmbeds;
    }

    if (options.pixelValues) {
      const { file, shape } = options.pixelValues;
      const result = await runner.call('embed', { pixelValues: { path: file, url: runner.localUrl(file), shape } }).catch(prefixError('Pixel values file', file));
      output.image_embeds = result.imageEmbeds;
    }

    mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(output)}\n`);
  } finally {
    await runner.close();
  }
}

async function main(): Promise<void> {
  let verbose = process.argv.includes('--verbose');
  try {
    const options = parseOptions(process.argv.slice(2));
    verbose = options.verbose;
    await embed(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`embed: ${message.split('\n')[0]}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}

await main();
