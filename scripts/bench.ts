/**
 * Measures every heavy path of the studio on each tfjs backend in one run, so the ratios between
 * backends are fair. It runs the studio's own worker code in headless Chromium. Paths: CNN
 * training, CLIP-IT baseline and CLIP-IT steps at the default and a larger input, CLIP embedding
 * with the fixture and a ViT-B/32-sized model, blocked top-k retrieval, and tensor memory over 3
 * epochs. On the studio page itself it measures the import of a tile folder and the main-thread
 * long tasks during training.
 *
 * Usage: npm run bench -- [--paths LIST] [--backends LIST] [--runs N] [--quick] [--budget S] [--deadline S]
 *                         [--tiles DIR] [--model DIR] [--out FILE] [--verbose]
 *   --paths     comma-separated path ids (default: all): train, train-large, baseline, baseline-large,
 *               clipit, clipit-large, clip, vitb32, retrieval, memory, studio
 *   --backends  backends in the order each run measures them (default webgpu,webgl,cpu,wasm)
 *   --runs      repetitions of the whole measurement; the table shows medians with min-max (default 1)
 *   --quick     small batches and inputs, a 72-tile LC25000 subset, budget 15 s: checks that every path works
 *   --budget    seconds after which a path starts no further step, block or repetition once one has
 *               finished (default 60)
 *   --deadline  seconds after which a path that is still running is abandoned and Chromium restarted
 *               (default 4 x budget + 120)
 *   --tiles     folder of class subfolders the studio path imports (default: the shared LC25000 lung tiles)
 *   --model     CLIP folder for the fixture paths (default: the shared tiny-clip fixture)
 *   --out       JSON result (default bench-results/bench.json)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { makeLc25000Subset, LC25000 } from '../e2e/shared-data';
import type { BackendInfo, BackendName } from '../src/worker-protocol';
import { clipInputs, type ClipInputs } from './bench/model-inputs';
import { BENCH_PATHS, type BenchPath, type BenchSizes, FULL_SIZES, type PathOutcome, QUICK_SIZES } from './bench/paths';
import { measureImport, measureTraining, openStudio, type StudioImportMeasurement, type StudioTrainingMeasurement } from './bench/studio-page';
import { formatCell, formatTable, type MetricCell, type MetricSpec } from './bench/summary';
import { writeVitB32Folder } from './bench/vitb32-folder';
import { HeadlessRunner, REPO_ROOT } from './headless/runner';

const ALL_BACKENDS: BackendName[] = ['webgpu', 'webgl', 'cpu', 'wasm'];
const STUDIO_PATH = 'studio';

const STUDIO_METRICS: MetricSpec[] = [
  { id: 'studio.longest', label: 'studio longest task ms while training', kind: 'time', digits: 0 },
  { id: 'studio.count', label: 'studio tasks > 50 ms while training', kind: 'count', digits: 0 },
  { id: 'studio.perMinute', label: 'studio tasks > 50 ms per minute', kind: 'count', digits: 1 },
];

interface Options {
  paths: string[];
  backends: BackendName[];
  runs: number;
  quick: boolean;
  budgetMs: number;
  deadlineMs: number;
  tiles: string | null;
  model: string;
  out: string;
  verbose: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      paths: { type: 'string', default: [...BENCH_PATHS.map((p) => p.id), STUDIO_PATH].join(',') },
      backends: { type: 'string', default: ALL_BACKENDS.join(',') },
      runs: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false },
      budget: { type: 'string' },
      deadline: { type: 'string' },
      tiles: { type: 'string' },
      model: { type: 'string', default: path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'tiny-clip') },
      out: { type: 'string', default: path.join(REPO_ROOT, 'bench-results', 'bench.json') },
      verbose: { type: 'boolean', default: false },
    },
  });

  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`Invalid --runs ${values.runs}: expected a positive integer.`);
  const budget = Number(values.budget ?? (values.quick ? 15 : 60));
  if (!(budget > 0)) throw new Error(`Invalid --budget ${values.budget}: expected a positive number of seconds.`);
  const deadline = Number(values.deadline ?? 4 * budget + 120);
  if (!(deadline > budget)) throw new Error(`Invalid --deadline ${values.deadline}: expected more seconds than --budget (${budget}).`);

  const known = [...BENCH_PATHS.map((p) => p.id), STUDIO_PATH];
  const paths = values.paths.split(',').map((name) => name.trim());
  const unknownPath = paths.find((name) => !known.includes(name));
  if (unknownPath) throw new Error(`Invalid --paths entry ${unknownPath}: use ${known.join(', ')}.`);
  const backends = values.backends.split(',').map((name) => name.trim()) as BackendName[];
  const unknownBackend = backends.find((name) => !ALL_BACKENDS.includes(name));
  if (unknownBackend) throw new Error(`Invalid --backends entry ${unknownBackend}: use webgpu, webgl, wasm or cpu.`);

  return { paths, backends, runs, quick: values.quick, budgetMs: budget * 1000, deadlineMs: deadline * 1000, tiles: values.tiles ?? null, model: values.model, out: values.out, verbose: values.verbose };
}

/** One measurement of one path on one backend, as written to the JSON result. */
interface Measurement {
  run: number;
  backend: BackendName;
  path: string;
  startedAt: string;
  seconds: number;
  /** 1-minute load average of the machine when the measurement started and ended. */
  loadAverage: [number, number];
  outcome?: PathOutcome;
  error?: string;
}

class TimedOut extends Error {}

/**
 * The headless runner with its active backend. After a path overruns its deadline the page may
 * still be busy in the worker, so the whole browser is replaced and the backend started again.
 */
class BenchSession {
  runner!: HeadlessRunner;
  private fixtureInputs: ClipInputs | null = null;
  private vitInputs: ClipInputs | null = null;
  private vitDir: string | null = null;

  constructor(
    private readonly options: Options,
    private readonly sizes: BenchSizes,
    private readonly tempDir: string,
  ) {}

  async open(): Promise<void> {
    this.runner = await HeadlessRunner.open({ verbose: this.options.verbose });
    this.fixtureInputs = null;
    this.vitInputs = null;
  }

  async restart(backend: BackendName): Promise<void> {
    process.stderr.write(`[bench] restarting Chromium\n`);
    await this.runner.close().catch(() => undefined);
    await this.open();
    await this.runner.call('initBackend', backend);
  }

  fixture = (): ClipInputs => {
    this.fixtureInputs ??= clipInputs(this.runner, this.options.model, this.tempDir, this.sizes.clipImages, this.sizes.clipPassages);
    return this.fixtureInputs;
  };

  vitb32 = (): ClipInputs => {
    if (!this.vitDir) {
      process.stderr.write('[bench] writing the ViT-B/32-sized CLIP folder (about 600 MB)\n');
      this.vitDir = writeVitB32Folder(path.join(this.tempDir, 'vitb32'), this.options.model);
    }
    this.vitInputs ??= clipInputs(this.runner, this.vitDir, this.tempDir, this.sizes.vitImages, this.sizes.vitPassages);
    return this.vitInputs;
  };

  async measure(benchPath: BenchPath, backend: BackendName, run: number): Promise<Measurement> {
    const startedAt = new Date().toISOString();
    const loadStart = os.loadavg()[0];
    const started = performance.now();
    const base = { run, backend, path: benchPath.id, startedAt };
    process.stderr.write(`[bench] run ${run} ${backend} ${benchPath.id} (load ${loadStart.toFixed(1)})\n`);

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimedOut()), this.options.deadlineMs);
    });
    const context = { runner: this.runner, sizes: this.sizes, budgetMs: this.options.budgetMs, fixture: this.fixture, vitb32: this.vitb32 };

    try {
      const outcome = await Promise.race([benchPath.measure(context), deadline]);
      return { ...base, seconds: (performance.now() - started) / 1000, loadAverage: [loadStart, os.loadavg()[0]], outcome };
    } catch (error) {
      const timedOut = error instanceof TimedOut;
      const message = timedOut ? `did not finish in ${Math.round(this.options.deadlineMs / 1000)} s` : (error as Error).message;
      process.stderr.write(`[bench] ${backend} ${benchPath.id}: ${message}\n`);
      const measurement = { ...base, seconds: (performance.now() - started) / 1000, loadAverage: [loadStart, os.loadavg()[0]] as [number, number], error: message };
      if (timedOut) await this.restart(backend);
      return measurement;
    } finally {
      clearTimeout(timer);
    }
  }
}

interface StudioRun {
  run: number;
  loadAverage: [number, number];
  import?: StudioImportMeasurement;
  training: StudioTrainingMeasurement[];
  error?: string;
}

async function measureStudio(session: BenchSession, options: Options, backends: BackendName[], tiles: string, run: number): Promise<StudioRun> {
  const loadStart = os.loadavg()[0];
  const result: StudioRun = { run, loadAverage: [loadStart, loadStart], training: [] };
  process.stderr.write(`[bench] run ${run} studio: importing ${tiles} (load ${loadStart.toFixed(1)})\n`);
  const studio = await openStudio(session.runner, options.verbose);
  try {
    result.import = await measureImport(studio.page, tiles);
    for (const backend of backends) {
      process.stderr.write(`[bench] run ${run} studio: training on ${backend} (load ${os.loadavg()[0].toFixed(1)})\n`);
      result.training.push(await measureTraining(studio.page, backend, options.budgetMs, options.deadlineMs));
    }
  } catch (error) {
    result.error = (error as Error).message.split('\n')[0];
    process.stderr.write(`[bench] studio: ${result.error}\n`);
  } finally {
    await studio.close();
    result.loadAverage[1] = os.loadavg()[0];
  }
  return result;
}

function collectCells(measurements: Measurement[], studioRuns: StudioRun[]): Map<string, Map<string, MetricCell>> {
  const cells = new Map<string, Map<string, MetricCell>>();
  const cell = (metric: string, backend: string): MetricCell => {
    const byBackend = cells.get(metric) ?? new Map<string, MetricCell>();
    cells.set(metric, byBackend);
    const existing = byBackend.get(backend) ?? { values: [], notes: [] };
    byBackend.set(backend, existing);
    return existing;
  };

  for (const measurement of measurements) {
    const benchPath = BENCH_PATHS.find((p) => p.id === measurement.path)!;
    if (measurement.error) {
      for (const metric of benchPath.metrics) cell(metric.id, measurement.backend).notes.push(measurement.error);
      continue;
    }
    for (const [metric, value] of Object.entries(measurement.outcome!.values)) cell(metric, measurement.backend).values.push(value);
    for (const [metric, note] of Object.entries(measurement.outcome!.notes ?? {})) cell(metric, measurement.backend).notes.push(note);
  }

  for (const studioRun of studioRuns) {
    for (const training of studioRun.training) {
      const tasks = training.longTasks;
      if (!tasks) {
        for (const metric of STUDIO_METRICS) cell(metric.id, training.backend).notes.push(training.error ?? 'no training window');
        continue;
      }
      cell('studio.longest', training.backend).values.push(tasks.longestMs);
      cell('studio.count', training.backend).values.push(tasks.count);
      if (tasks.windowSeconds > 0) cell('studio.perMinute', training.backend).values.push((60 * tasks.count) / tasks.windowSeconds);
    }
  }
  return cells;
}

function formatImportTable(studioRuns: StudioRun[]): string {
  const imports = studioRuns.map((run) => run.import).filter((value): value is StudioImportMeasurement => value !== undefined);
  if (imports.length === 0) return '';
  const rows: [string, number[], number][] = [
    ['import tiles/s', imports.map((i) => i.tilesPerSecond), 1],
    ['import seconds', imports.map((i) => i.seconds), 1],
    ['peak main-thread JS heap MiB', imports.map((i) => i.peakMainHeapMiB), 0],
    ['peak Chromium RSS MiB (all processes)', imports.map((i) => i.peakChromiumRssMiB), 0],
    ['page memory after import MiB', imports.flatMap((i) => (i.pageMemoryAfterMiB === null ? [] : [i.pageMemoryAfterMiB])), 0],
    ['longest task ms during import', imports.map((i) => i.longTasks.longestMs), 0],
    ['tasks > 50 ms during import', imports.map((i) => i.longTasks.count), 0],
  ];
  const lines = rows.map(([label, values, digits]) => `| ${label} | ${formatCell({ values, notes: [] }, digits)} |`);
  return [`Import of ${imports[0].files} tiles on the studio page:`, '', '| figure | value |', '|--------|-------|', ...lines].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  const sizes = options.quick ? QUICK_SIZES : FULL_SIZES;
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'clipit-bench-'));
  const paths = BENCH_PATHS.filter((p) => options.paths.includes(p.id));
  const withStudio = options.paths.includes(STUDIO_PATH);
  const tiles = options.tiles ?? (options.quick ? makeLc25000Subset(6, 4).dir : LC25000);

  const session = new BenchSession(options, sizes, tempDir);
  await session.open();
  const started = new Date();
  const measurements: Measurement[] = [];
  const studioRuns: StudioRun[] = [];
  const backendInfo = new Map<BackendName, BackendInfo>();
  const unavailable = new Map<BackendName, string>();

  // Written after every measurement too, so a run cut short still leaves its figures.
  const writeResult = (final: boolean): void => {
    const backends = options.backends.filter((backend) => !unavailable.has(backend));
    const metrics = [...paths.flatMap((p) => p.metrics), ...(withStudio ? STUDIO_METRICS : [])];
    const table = formatTable(metrics, backends, collectCells(measurements, studioRuns));
    const importTable = formatImportTable(studioRuns);
    const loads = [...measurements.flatMap((m) => m.loadAverage), ...studioRuns.flatMap((r) => r.loadAverage)];

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
        chromium: session.runner.browserVersion(),
      },
      settings: { sizes, budgetMs: options.budgetMs, deadlineMs: options.deadlineMs, runs: options.runs, model: options.model, tiles },
      backends: Object.fromEntries(options.backends.map((backend) => [backend, unavailable.has(backend) ? { available: false, error: unavailable.get(backend) } : { available: true, info: backendInfo.get(backend) }])),
      loadAverageRange: loads.length > 0 ? [Math.min(...loads), Math.max(...loads)] : null,
      measurements,
      studio: studioRuns,
      table,
      importTable,
    };

    mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    writeFileSync(final ? options.out : `${options.out}.partial`, `${JSON.stringify(result, null, 2)}\n`);
    if (!final) return;

    const unavailableLines = [...unavailable].map(([backend, error]) => `${backend}: unavailable (${error})`);
    const loadLine = result.loadAverageRange ? `1-minute load average during the run: ${result.loadAverageRange.map((l) => l.toFixed(1)).join('-')}` : '';
    process.stdout.write(
      [table, '', importTable, ...unavailableLines, loadLine, `Wrote ${path.relative(process.cwd(), path.resolve(options.out))}`].filter((line, i) => line !== '' || i === 1).join('\n') + '\n',
    );
  };

  try {
    for (let run = 1; run <= options.runs; run++) {
      for (const backend of options.backends) {
        if (unavailable.has(backend)) continue;
        const info = await session.runner.call('initBackend', backend);
        if (info.active !== backend) {
          unavailable.set(backend, info.attempts.find((attempt) => attempt.backend === backend)?.error ?? 'did not activate');
          continue;
        }
        backendInfo.set(backend, info);
        for (const benchPath of paths) {
          measurements.push(await session.measure(benchPath, backend, run));
          writeResult(false);
        }
      }
      const available = options.backends.filter((backend) => !unavailable.has(backend));
      if (withStudio) studioRuns.push(await measureStudio(session, options, available, tiles, run));
      writeResult(false);
    }

    writeResult(true);
  } finally {
    await session.runner.close().catch(() => undefined);
    rmSync(tempDir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
