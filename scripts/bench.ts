/**
 * Measures, on every tfjs backend that starts in headless Chromium, the studio's training
 * throughput and CLIP embedding throughput, running the studio's own worker code.
 *
 * Usage: npm run bench -- [--runs N] [--steps N] [--backends webgpu,webgl,wasm,cpu] [--model DIR] [--out FILE] [--verbose]
 *   --runs      repetitions of the whole measurement; the table shows medians and min-max (default 1)
 *   --steps     timed training steps per run after 2 warm-up steps (default 5)
 *   --backends  backends to try, in order (default webgpu,webgl,wasm,cpu)
 *   --model     CLIP model folder for the embedding figures (default: the shared tiny-clip fixture)
 *   --out       JSON result (default bench-results/bench.json)
 *
 * Training: SmallCnn at 64 px, channels [16, 32, 64], batch 32, torch-style Adam, random pixels.
 * CLIP: 64 passages and 32 preprocessed images, each set embedded 3 times after one untimed call.
 * A folder with reference.json (the fixture) supplies its texts and pixel values, repeated.
 * Other folders get sample report sentences and seeded noise at the model's image size.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import type { BenchTrainResult } from '../src/bench-protocol';
import { SeededRng } from '../src/core/rng';
import type { HeadlessClipBenchResult } from '../src/headless/headless-main';
import type { BackendInfo, BackendName } from '../src/worker-protocol';
import { listModelFiles } from './headless/model-folder';
import { HeadlessRunner, REPO_ROOT } from './headless/runner';

const TRAIN = { inputSize: 64, channels: [16, 32, 64], batchSize: 32, warmupSteps: 2, seed: 0 };
const CLIP_PASSAGES = 64;
const CLIP_IMAGES = 32;
const CLIP_REPEATS = 3;

interface BackendRun {
  train: BenchTrainResult | { error: string };
  clip: HeadlessClipBenchResult | { error: string };
}

interface BackendReport {
  backend: BackendName;
  available: boolean;
  /** Error message of a backend that did not start. */
  error?: string;
  info?: BackendInfo;
  runs: BackendRun[];
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '1' },
      steps: { type: 'string', default: '5' },
      backends: { type: 'string', default: 'webgpu,webgl,wasm,cpu' },
      model: { type: 'string', default: path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'tiny-clip') },
      out: { type: 'string', default: path.join(REPO_ROOT, 'bench-results', 'bench.json') },
      verbose: { type: 'boolean', default: false },
    },
  });

  const runs = Number(values.runs);
  const steps = Number(values.steps);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`Invalid --runs ${values.runs}: expected a positive integer.`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`Invalid --steps ${values.steps}: expected a positive integer.`);
  const backends = values.backends.split(',').map((name) => name.trim()) as BackendName[];
  const unknown = backends.find((name) => !['webgpu', 'webgl', 'wasm', 'cpu'].includes(name));
  if (unknown) throw new Error(`Invalid --backends entry ${unknown}: use webgpu, webgl, wasm or cpu.`);

  return { runs, steps, backends, model: values.model, out: values.out, verbose: values.verbose };
}

/** Fallback passages for a model folder without reference.json: pathology report sentences of typical length. */
const SAMPLE_PASSAGES = [
  'Invasive adenocarcinoma, moderately differentiated, with lymphovascular invasion.',
  'Benign colonic mucosa without dysplasia.',
  'Squamous cell carcinoma, keratinizing, invading the visceral pleura; margins free of tumor.',
  'Adipose tissue with fat necrosis.',
];

function readReference(modelDir: string): { texts: string[]; pixel_values_file: string; pixel_values_shape: number[] } | null {
  const file = path.join(modelDir, 'reference.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

/**
 * Writes `count` images of float32 NCHW pixel values: the folder's reference pixel values tiled
 * when it has reference.json, else seeded noise at the config's vision image size.
 */
function writePixelValues(modelDir: string, tempDir: string, count: number): { file: string; shape: [number, number, number, number] } {
  const reference = readReference(modelDir);
  const file = path.join(tempDir, 'pixel-values.f32');

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

function readPassages(modelDir: string, count: number): string[] {
  const texts = readReference(modelDir)?.texts ?? SAMPLE_PASSAGES;
  return Array.from({ length: count }, (_, i) => texts[i % texts.length]);
}

async function measureBackend(runner: HeadlessRunner, backend: BackendName, options: ReturnType<typeof parseOptions>, clipInputs: ClipInputs): Promise<BackendReport> {
  const info = await runner.call('initBackend', backend);
  if (info.active !== backend) {
    const error = info.attempts.find((attempt) => attempt.backend === backend)?.error ?? 'did not activate';
    return { backend, available: false, error, info, runs: [] };
  }

  const runs: BackendRun[] = [];
  for (let run = 0; run < options.runs; run++) {
    process.stderr.write(`[bench] ${backend}: run ${run + 1}/${options.runs}\n`);
    const train = await runner
      .call('benchTrain', { ...TRAIN, steps: TRAIN.warmupSteps + options.steps })
      .catch((error: Error) => ({ error: error.message }));

    let clip: BackendRun['clip'];
    try {
      await runner.call('loadClip', clipInputs.modelFiles);
      clip = await runner.call('benchClip', { texts: clipInputs.passages, pixelValues: clipInputs.pixelValues, repeats: CLIP_REPEATS });
    } catch (error) {
      clip = { error: (error as Error).message };
    } finally {
      await runner.call('unloadClip');
    }
    runs.push({ train, clip });
  }
  return { backend, available: true, info, runs };
}

interface ClipInputs {
  modelFiles: { path: string; url: string }[];
  passages: string[];
  pixelValues: { path: string; url: string; shape: [number, number, number, number] };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, with min-max when there is more than one value; "n/a" when there is none. */
function summarise(values: number[], digits: number): string {
  if (values.length === 0) return 'n/a';
  const text = median(values).toFixed(digits);
  if (values.length === 1) return text;
  return `${text} (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;
}

function values<T>(runs: BackendRun[], pick: (run: BackendRun) => T | undefined): T[] {
  return runs.map(pick).filter((value): value is T => value !== undefined);
}

function formatTable(reports: BackendReport[]): string {
  const header = ['backend', 'train img/s', 'first step ms', 'CLIP img/s', 'CLIP passages/s', 'tensors train before/after', 'tensors CLIP before/after'];
  const rows = reports.map((report) => {
    if (!report.available) return [report.backend, `unavailable: ${report.error}`, '', '', '', '', ''];
    const trains = values(report.runs, (run) => ('error' in run.train ? undefined : run.train));
    const clips = values(report.runs, (run) => ('error' in run.clip ? undefined : run.clip));
    const firstError = report.runs.map((run) => ('error' in run.train ? run.train.error : 'error' in run.clip ? run.clip.error : '')).find(Boolean);
    return [
      report.backend,
      trains.length ? summarise(trains.map((t) => t.imagesPerSecond), 1) : `failed: ${firstError}`,
      summarise(trains.map((t) => t.firstStepMs), 0),
      clips.length ? summarise(clips.map((c) => c.imagesPerSecond), 1) : `failed: ${firstError}`,
      summarise(clips.map((c) => c.textsPerSecond), 1),
      trains.length ? `${trains[0].memoryBefore.numTensors}/${trains[trains.length - 1].memoryAfter.numTensors}` : 'n/a',
      clips.length ? `${clips[0].memoryBefore.numTensors}/${clips[clips.length - 1].memoryAfter.numTensors}` : 'n/a',
    ];
  });

  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'clipit-bench-'));
  const runner = await HeadlessRunner.open({ verbose: options.verbose });

  try {
    const pixels = writePixelValues(options.model, tempDir, CLIP_IMAGES);
    const clipInputs: ClipInputs = {
      modelFiles: listModelFiles(options.model).map((file) => ({ path: file.path, url: runner.localUrl(file.file) })),
      passages: readPassages(options.model, CLIP_PASSAGES),
      pixelValues: { path: pixels.file, url: runner.localUrl(pixels.file), shape: pixels.shape },
    };

    const started = new Date();
    const reports: BackendReport[] = [];
    for (const backend of options.backends) reports.push(await measureBackend(runner, backend, options, clipInputs));

    const cpus = os.cpus();
    const result = {
      date: started.toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: {
        cpu: cpus[0]?.model ?? 'unknown',
        logicalCores: cpus.length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()}`,
        node: process.version,
        chromium: runner.browserVersion(),
      },
      settings: { train: { ...TRAIN, timedSteps: options.steps }, clip: { model: options.model, passages: CLIP_PASSAGES, images: CLIP_IMAGES, repeats: CLIP_REPEATS }, runs: options.runs },
      backends: reports,
    };

    mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${formatTable(reports)}\n\nWrote ${path.relative(process.cwd(), path.resolve(options.out))}\n`);
  } finally {
    await runner.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
