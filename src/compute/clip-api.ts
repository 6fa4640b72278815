/**
 * The CLIP methods of the training worker: one loaded model and its tokenizer, embeddings in
 * batches with progress, and top-k retrieval. Every tensor made here is disposed before a method
 * returns, so after `unloadClip` tf.memory() is back where it was before `loadClip`.
 */
import * as tf from '@tensorflow/tfjs';

import { type ClipBpeTokenizer, loadClipTokenizerFromFiles } from '../core/clip/bpe-tokenizer';
import { type ClipModel, loadClipFromFiles } from '../core/clip/clip-model';
import { embedTextBatches } from '../core/clip/embed-text-batches';
import { preprocessImages } from '../core/clip/image-preprocess';
import { retrieveTopK } from '../core/clip/retrieval';
import type {
  ClipImageInput,
  ClipSummary,
  ClipWorkerApi,
  EmbeddingMatrix,
  EmbedProgress,
  ImageEmbeddingResult,
  ModelFile,
  RetrievalResultData,
  TextEmbeddingResult,
  TextInput,
} from '../clip-protocol';
import type { BackendName, ImportedProblem } from '../worker-protocol';
import { decodeFile } from './decode-for-model';

/** Texts per forward pass: 64 fills a batch without holding [64, 77, width] activations of a large model for long. */
const TEXT_BATCH_SIZE = 64;

/**
 * Tokens x width per image forward pass: a ViT-B/16 batch of 16 at 224 px (197 tokens of 768),
 * whose activations stay under about 1 GB. Smaller towers get larger batches up to
 * MAX_IMAGE_BATCH_SIZE, because each pass has a fixed cost per kernel launch (large on a
 * software WebGPU adapter).
 */
const IMAGE_BATCH_ACTIVATIONS = 16 * 197 * 768;
const MAX_IMAGE_BATCH_SIZE = 128;

/** Images per forward pass of `loaded`'s vision tower. */
function imageBatchSize(loaded: ClipModel): number {
  const { imageSize, patchSize, hiddenSize } = loaded.config.vision;
  const tokens = (Math.floor(imageSize / patchSize) ** 2 + 1) * hiddenSize;
  return Math.max(1, Math.min(MAX_IMAGE_BATCH_SIZE, Math.floor(IMAGE_BATCH_ACTIVATIONS / tokens)));
}

let model: ClipModel | null = null;
let tokenizer: ClipBpeTokenizer | null = null;
/** The weight file and SHA-256 of the loaded model, which its summary (and embedding cache keys) report. */
let weightsIdentity: { source: string; digest: { hex: string; bytes: number } } | null = null;

export const clipApi: ClipWorkerApi = {
  async loadClip(files: ModelFile[]): Promise<ClipSummary> {
    const byName = new Map(files.map((file) => [file.path, file.data]));
    const weightFiles = weightFileNames(byName);
    if (weightFiles.length === 0) {
      throw new Error(`No CLIP weights among [${files.map((file) => file.path).join(', ')}]. Expected model.safetensors, model.safetensors.index.json, pytorch_model.bin or open_clip_pytorch_model.bin.`);
    }

    const digest = await sha256OfFiles(weightFiles.map((name) => byName.get(name)!));
    unload();
    const loaded = loadClipFromFiles(byName);
    model = loaded;
    tokenizer = hasTokenizerFiles(byName) ? loadClipTokenizerFromFiles(byName, { contextLength: loaded.config.text.maxPositionEmbeddings }) : null;

    weightsIdentity = { source: weightFiles[0], digest };
    return summarizeClip(loaded, weightFiles[0], digest);
  },

  async tokenize(texts: string[]): Promise<number[][]> {
    return requireTokenizer().encodeBatch(texts);
  },

  async embedTexts(input: TextInput, onProgress?: (progress: EmbedProgress) => void): Promise<TextEmbeddingResult> {
    const loaded = requireModel();
    const ids = 'ids' in input ? input.ids : requireTokenizer().encodeBatch(input.texts);
    checkTokenIds(ids, loaded);

    const values = await embedTextBatches(loaded, ids, {
      batchSize: TEXT_BATCH_SIZE,
      padTo: ['webgpu', 'webgl'].includes(tf.getBackend()) ? loaded.config.text.maxPositionEmbeddings : undefined,
      onProgress: onProgress ? (done, total) => onProgress({ done, total }) : undefined,
    });
    return { values, rows: ids.length, dims: loaded.config.projectionDim, inputIds: ids.map((row) => [...row]) };
  },

  async embedImageFiles(files: ClipImageInput[], onProgress?: (progress: EmbedProgress) => void): Promise<ImageEmbeddingResult> {
    const loaded = requireModel();
    const dims = loaded.config.projectionDim;
    const batchSize = imageBatchSize(loaded);
    const chunks: Float32Array[] = [];
    const paths: string[] = [];
    const failed: ImportedProblem[] = [];

    const decodeBatch = (start: number) => Promise.all(files.slice(start, start + batchSize).map(async (input) => ({ input, result: await decodeFile(input.file, input.path) })));

    // The next batch decodes (off the worker's thread, in the browser's image decoder) while this one runs on the backend.
    let next = decodeBatch(0);
    for (let start = 0; start < files.length; start += batchSize) {
      const batch = await next;
      if (start + batchSize < files.length) next = decodeBatch(start + batchSize);

      const decoded = [];
      for (const { input, result } of batch) {
        if (result.ok) {
          decoded.push({ data: result.image.data, width: result.image.width, height: result.image.height, channels: 3 as const });
          paths.push(input.path);
        } else {
          failed.push({ path: input.path, reason: result.reason, detail: result.detail });
        }
      }

      if (decoded.length > 0) {
        const { values, shape } = preprocessImages(decoded, loaded.preprocess);
        chunks.push(await embedPixelBatch(loaded, values, shape));
      }
      onProgress?.({ done: Math.min(start + batchSize, files.length), total: files.length });
    }

    return { values: concatRows(chunks, paths.length * dims), rows: paths.length, dims, paths, failed };
  },

  async embedPixelValues(values: Float32Array, shape: [number, number, number, number], onProgress?: (progress: EmbedProgress) => void): Promise<EmbeddingMatrix> {
    const loaded = requireModel();
    checkPixelShape(values, shape, loaded);

    const [count, channels, height, width] = shape;
    const perImage = channels * height * width;
    const dims = loaded.config.projectionDim;
    const out = new Float32Array(count * dims);

    const batchSize = imageBatchSize(loaded);
    for (let start = 0; start < count; start += batchSize) {
      const rows = Math.min(batchSize, count - start);
      const slice = values.subarray(start * perImage, (start + rows) * perImage);
      out.set(await embedPixelBatch(loaded, slice, [rows, channels, height, width]), start * dims);
      onProgress?.({ done: start + rows, total: count });
    }
    return { values: out, rows: count, dims };
  },

  async retrieve(imageEmbeds: EmbeddingMatrix, textEmbeds: EmbeddingMatrix, k: number): Promise<RetrievalResultData> {
    checkMatrix(imageEmbeds, 'imageEmbeds');
    checkMatrix(textEmbeds, 'textEmbeds');
    const images = tf.tensor2d(imageEmbeds.values, [imageEmbeds.rows, imageEmbeds.dims]);
    const texts = tf.tensor2d(textEmbeds.values, [textEmbeds.rows, textEmbeds.dims]);

    try {
      const result = await retrieveTopK(images, texts, { k });
      return { k: result.k, topIndices: result.topIndices, topScores: result.topScores };
    } finally {
      images.dispose();
      texts.dispose();
    }
  },

  async unloadClip(): Promise<void> {
    unload();
  },
};

function unload(): void {
  model?.dispose();
  model = null;
  tokenizer = null;
  weightsIdentity = null;
}

function requireModel(): ClipModel {
  if (!model) throw new Error('No CLIP model is loaded: call loadClip with the files of a model folder first.');
  return model;
}

function requireTokenizer(): ClipBpeTokenizer {
  requireModel();
  if (!tokenizer) throw new Error('The loaded CLIP model has no tokenizer: add tokenizer.json, or vocab.json and merges.txt, to the model folder.');
  return tokenizer;
}

async function embedPixelBatch(loaded: ClipModel, values: Float32Array, shape: [number, number, number, number]): Promise<Float32Array> {
  const pixels = tf.tensor4d(values, shape);
  let embeds: tf.Tensor2D | null = null;
  try {
    embeds = loaded.embedImages(pixels);
    return (await embeds.data()) as Float32Array;
  } finally {
    pixels.dispose();
    embeds?.dispose();
  }
}

/**
 * Lists the weight files loadClipFromFiles reads, in the order it prefers them: the shards of a
 * safetensors index (sorted by name), else the first single checkpoint present.
 */
function weightFileNames(files: ReadonlyMap<string, Uint8Array>): string[] {
  const index = files.get('model.safetensors.index.json');
  if (index) {
    const parsed = JSON.parse(new TextDecoder().decode(index)) as { weight_map?: Record<string, string> };
    const shards = [...new Set(Object.values(parsed.weight_map ?? {}))].sort();
    return ['model.safetensors.index.json', ...shards.filter((name) => files.has(name))];
  }

  const single = ['model.safetensors', 'open_clip_model.safetensors', 'pytorch_model.bin', 'open_clip_pytorch_model.bin'].find((name) => files.has(name));
  return single ? [single] : [];
}

async function sha256OfFiles(parts: Uint8Array[]): Promise<{ hex: string; bytes: number }> {
  const bytes = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = parts.length === 1 ? parts[0] : concatBytes(parts, bytes);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', joined as Uint8Array<ArrayBuffer>));
  return { hex: Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join(''), bytes };
}

function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function concatRows(chunks: Float32Array[], total: number): Float32Array {
  const out = new Float32Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function hasTokenizerFiles(files: ReadonlyMap<string, Uint8Array>): boolean {
  return files.has('tokenizer.json') || (files.has('vocab.json') && files.has('merges.txt'));
}

function checkTokenIds(ids: readonly (readonly number[])[], loaded: ClipModel): void {
  const { vocabSize, maxPositionEmbeddings } = loaded.config.text;
  ids.forEach((row, index) => {
    if (row.length === 0 || row.length > maxPositionEmbeddings) {
      throw new Error(`Text ${index} has ${row.length} tokens; the model takes 1 to ${maxPositionEmbeddings}.`);
    }
    const bad = row.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
    if (bad !== undefined) throw new Error(`Text ${index} contains token id ${bad}, outside the vocabulary [0, ${vocabSize}).`);
  });
}

function checkPixelShape(values: Float32Array, shape: readonly number[], loaded: ClipModel): void {
  const { numChannels, imageSize } = loaded.config.vision;
  if (shape.length !== 4 || shape.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error(`Pixel values shape [${shape.join(', ')}] is invalid: give 4 positive integers N,C,H,W.`);
  }
  const [, channels, height, width] = shape;
  if (channels !== numChannels || height !== imageSize || width !== imageSize) {
    throw new Error(`Pixel values shape [${shape.join(', ')}] does not match the model input [N, ${numChannels}, ${imageSize}, ${imageSize}].`);
  }
  const expected = shape.reduce((product, size) => product * size, 1);
  if (values.length !== expected) {
    throw new Error(`Pixel values contain ${values.length} floats but shape [${shape.join(', ')}] needs ${expected}.`);
  }
}

function checkMatrix(matrix: EmbeddingMatrix, name: string): void {
  if (matrix.values.length !== matrix.rows * matrix.dims) {
    throw new Error(`${name} has ${matrix.values.length} values, not rows x dims = ${matrix.rows} x ${matrix.dims}.`);
  }
}

/** Describes `loaded` for the UI. `digest` identifies its weights, and embedding cache keys use it. */
export async function summarizeClip(loaded: ClipModel, weightsSource: string, digest: { hex: string; bytes: number }): Promise<ClipSummary> {
  const [logitScale] = await loaded.weights.get('logit_scale').data();
  const { config } = loaded;
  return {
    weightsSource,
    weightsSha256: digest.hex,
    weightBytes: digest.bytes,
    projectionDim: config.projectionDim,
    logitScale: Math.exp(logitScale),
    text: {
      hiddenSize: config.text.hiddenSize,
      numHiddenLayers: config.text.numHiddenLayers,
      numAttentionHeads: config.text.numAttentionHeads,
      maxPositionEmbeddings: config.text.maxPositionEmbeddings,
      vocabSize: config.text.vocabSize,
      eosTokenId: config.text.eosTokenId,
    },
    vision: {
      hiddenSize: config.vision.hiddenSize,
      numHiddenLayers: config.vision.numHiddenLayers,
      numAttentionHeads: config.vision.numAttentionHeads,
      imageSize: config.vision.imageSize,
      patchSize: config.vision.patchSize,
    },
    preprocess: loaded.preprocess,
    hasTokenizer: tokenizer !== null,
    backend: tf.getBackend() as BackendName,
    numTensors: tf.memory().numTensors,
  };
}

/**
 * Makes `next` the loaded CLIP, keeping the tokenizer, and returns the model it replaces with its
 * weight identity. The caller owns and disposes the returned model.
 */
export function replaceLoadedClip(next: ClipModel, source: string, digest: { hex: string; bytes: number }): { model: ClipModel | null; source: string; digest: { hex: string; bytes: number } } | null {
  const previous = model && weightsIdentity ? { model, ...weightsIdentity } : null;
  model = next;
  weightsIdentity = { source, digest };
  return previous;
}

/** SHA-256 of byte arrays concatenated in order, as hex, with their total length. */
export { sha256OfFiles };

/** Returns the CLIP model and tokenizer loaded in this worker, for CLIP-IT training, or null when none is loaded. */
export function loadedClip(): { model: ClipModel; tokenizer: ClipBpeTokenizer | null } | null {
  return model ? { model, tokenizer } : null;
}
