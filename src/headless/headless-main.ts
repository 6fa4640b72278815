/**
 * Entry of headless.html: a page without UI that runs the studio's training worker for the
 * command-line tools. scripts/headless/runner.ts calls `window.clipitHeadless` through
 * Playwright; every argument and result is plain JSON, and files arrive as same-origin URLs.
 */
import * as Comlink from 'comlink';

import type {
  BenchClipItRequest,
  BenchEpochMemoryRequest,
  BenchEpochMemoryResult,
  BenchRetrievalRequest,
  BenchRetrievalResult,
  BenchTrainRequest,
  BenchTrainResult,
} from '../bench-protocol';
import type { ClipSummary, EmbeddingMatrix, EmbedProgress } from '../clip-protocol';
import type { BackendInfo, BackendPreference, ImportedProblem, MemoryInfo, TrainingWorkerApi } from '../worker-protocol';

/** A file the page fetches from its own origin; `path` names it inside the model folder or in messages. */
export interface HeadlessFile {
  path: string;
  url: string;
}

/** Little-endian float32 NCHW pixel values and their shape [N, 3, H, W]. */
export interface PixelValuesFile extends HeadlessFile {
  shape: [number, number, number, number];
}

export interface HeadlessEmbedRequest {
  texts?: string[];
  images?: HeadlessFile[];
  pixelValues?: PixelValuesFile;
}

export interface HeadlessEmbedResult {
  inputIds?: number[][];
  textEmbeds?: number[][];
  imageEmbeds?: number[][];
  /** Images that could not be decoded; `imageEmbeds` has no row for them. */
  failedImages?: ImportedProblem[];
}

export interface HeadlessClipBenchRequest {
  texts: string[];
  pixelValues: PixelValuesFile;
  /** Timed repetitions of each embedding call after one untimed warm-up call. */
  repeats: number;
  /** Time in ms after which no further repetition starts, once one has finished. Absent: run all `repeats`. */
  budgetMs?: number;
}

export interface HeadlessClipBenchResult {
  textsPerSecond: number;
  imagesPerSecond: number;
  /** Wall time of the first (untimed) call, which includes shader compilation, in ms. */
  firstTextCallMs: number;
  firstImageCallMs: number;
  /** Timed repetitions that finished. */
  repeats: number;
  memoryBefore: MemoryInfo;
  memoryAfter: MemoryInfo;
}

export interface ClipitHeadless {
  initBackend(preference: BackendPreference): Promise<BackendInfo>;
  loadClip(files: HeadlessFile[]): Promise<ClipSummary>;
  unloadClip(): Promise<void>;
  embed(request: HeadlessEmbedRequest): Promise<HeadlessEmbedResult>;
  /** Top-k texts per image by cosine similarity; indices and scores are row-major [images, k]. */
  retrieve(imageEmbeds: number[][], textEmbeds: number[][], k: number): Promise<{ k: number; topIndices: number[]; topScores: number[] }>;
  benchTrain(request: BenchTrainRequest): Promise<BenchTrainResult>;
  benchClipIt(request: BenchClipItRequest): Promise<BenchTrainResult>;
  benchRetrieval(request: BenchRetrievalRequest): Promise<BenchRetrievalResult>;
  benchEpochMemory(request: BenchEpochMemoryRequest): Promise<BenchEpochMemoryResult>;
  benchClip(request: HeadlessClipBenchRequest): Promise<HeadlessClipBenchResult>;
  memory(): Promise<MemoryInfo>;
}

declare global {
  interface Window {
    clipitHeadless: ClipitHeadless;
  }
}

const worker = Comlink.wrap<TrainingWorkerApi>(
  new Worker(new URL('../../workers/training.worker.ts', import.meta.url), { type: 'module', name: 'training' }),
);

async function fetchBytes(file: HeadlessFile): Promise<Uint8Array> {
  const response = await fetch(file.url);
  if (!response.ok) throw new Error(`${file.path}: could not be read (HTTP ${response.status}).`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Reads little-endian float32 explicitly, so the result does not depend on the platform's byte order. */
async function fetchFloat32(file: PixelValuesFile): Promise<Float32Array> {
  const { shape } = file;
  const bytes = await fetchBytes(file);
  const expected = shape.reduce((product, size) => product * size, 1);
  if (bytes.length !== expected * 4) {
    throw new Error(`${file.path}: pixel values file has ${bytes.length} bytes, but shape [${shape.join(', ')}] needs ${expected * 4} (float32).`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(expected);
  for (let i = 0; i < expected; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

function fromRows(rows: number[][]): EmbeddingMatrix {
  const dims = rows[0]?.length ?? 0;
  const values = new Float32Array(rows.length * dims);
  rows.forEach((row, index) => {
    if (row.length !== dims) throw new Error(`Embedding row ${index} has ${row.length} values, expected ${dims} like row 0.`);
    values.set(row, index * dims);
  });
  return { values, rows: rows.length, dims };
}

function toRows(matrix: EmbeddingMatrix): number[][] {
  return Array.from({ length: matrix.rows }, (_, row) => Array.from(matrix.values.subarray(row * matrix.dims, (row + 1) * matrix.dims)));
}

function logProgress(label: string) {
  return Comlink.proxy((progress: EmbedProgress) => console.info(`[headless] ${label} ${progress.done}/${progress.total}`));
}

async function timeMs(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

window.clipitHeadless = {
  initBackend: (preference) => worker.initBackend(preference),

  async loadClip(files) {
    const loaded = await Promise.all(files.map(async (file) => ({ path: file.path, data: await fetchBytes(file) })));
    return worker.loadClip(
      Comlink.transfer(
        loaded,
        loaded.map((file) => file.data.buffer as ArrayBuffer),
      ),
    );
  },

  unloadClip: () => worker.unloadClip(),

  async embed(request) {
    const result: HeadlessEmbedResult = {};

    if (request.texts) {
      const texts = await worker.embedTexts({ texts: request.texts }, logProgress('texts'));
      result.inputIds = texts.inputIds;
      result.textEmbeds = toRows(texts);
    }

    if (request.images) {
      const files = await Promise.all(request.images.map(async (image) => ({ path: image.path, file: new Blob([(await fetchBytes(image)) as Uint8Array<ArrayBuffer>]) })));
      const images = await worker.embedImageFiles(files, logProgress('images'));
      result.imageEmbeds = toRows(images);
      result.failedImages = images.failed;
    }

    if (request.pixelValues) {
      const values = await fetchFloat32(request.pixelValues);
      result.imageEmbeds = toRows(await worker.embedPixelValues(Comlink.transfer(values, [values.buffer]), request.pixelValues.shape, logProgress('pixel values')));
    }
    return result;
  },

  async retrieve(imageEmbeds, textEmbeds, k) {
    const result = await worker.retrieve(fromRows(imageEmbeds), fromRows(textEmbeds), k);
    return { k: result.k, topIndices: Array.from(result.topIndices), topScores: Array.from(result.topScores) };
  },

  benchTrain: (request) => worker.benchTrainStep(request),
  benchClipIt: (request) => worker.benchClipItStep(request),
  benchRetrieval: (request) => worker.benchRetrieval(request),
  benchEpochMemory: (request) => worker.benchEpochMemory(request),

  async benchClip(request) {
    const memoryBefore = await worker.memory();
    const ids = await worker.tokenize(request.texts);
    const pixels = await fetchFloat32(request.pixelValues);
    const imageCount = request.pixelValues.shape[0];

    const firstTextCallMs = await timeMs(() => worker.embedTexts({ ids }));
    const firstImageCallMs = await timeMs(() => worker.embedPixelValues(pixels, request.pixelValues.shape));

    let textMs = 0;
    let imageMs = 0;
    let repeats = 0;
    const started = performance.now();
    while (repeats < request.repeats && (repeats === 0 || request.budgetMs === undefined || performance.now() - started < request.budgetMs)) {
      textMs += await timeMs(() => worker.embedTexts({ ids }));
      imageMs += await timeMs(() => worker.embedPixelValues(pixels, request.pixelValues.shape));
      repeats += 1;
    }

    return {
      textsPerSecond: (1000 * ids.length * repeats) / textMs,
      imagesPerSecond: (1000 * imageCount * repeats) / imageMs,
      firstTextCallMs,
      firstImageCallMs,
      repeats,
      memoryBefore,
      memoryAfter: await worker.memory(),
    };
  },

  memory: () => worker.memory(),
};

// The driver waits for this marker before its first call.
document.documentElement.dataset.clipitHeadless = 'ready';
