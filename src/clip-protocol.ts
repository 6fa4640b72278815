/**
 * Types of the CLIP part of the training worker's API (exposed through comlink). Types only,
 * so the UI and the headless page can import them without pulling tfjs into their bundles.
 */

import type { ClipPreprocessConfig } from './core/clip/preprocess-config';
import type { BackendName, ImportedProblem } from './worker-protocol';

/** One file of a model folder; `path` is relative to the folder, e.g. `config.json`. */
export interface ModelFile {
  path: string;
  data: Uint8Array;
}

/** Description of a loaded CLIP model, for logs and for telling two checkpoints apart. */
export interface ClipSummary {
  /** The file the weights came from, e.g. `model.safetensors` or `model.safetensors.index.json`. */
  weightsSource: string;
  /** Lower-case hex SHA-256 over the bytes of the weight files, concatenated in load order. */
  weightsSha256: string;
  /** Bytes hashed for `weightsSha256`. */
  weightBytes: number;
  projectionDim: number;
  /** exp(logit_scale): the multiplier CLIP applies to cosine similarities. */
  logitScale: number;
  text: {
    hiddenSize: number;
    numHiddenLayers: number;
    numAttentionHeads: number;
    maxPositionEmbeddings: number;
    vocabSize: number;
    eosTokenId: number;
  };
  vision: {
    hiddenSize: number;
    numHiddenLayers: number;
    numAttentionHeads: number;
    imageSize: number;
    patchSize: number;
  };
  preprocess: ClipPreprocessConfig;
  /** False when the folder has neither tokenizer.json nor vocab.json + merges.txt; text calls then fail. */
  hasTokenizer: boolean;
  backend: BackendName;
  /** Number of tfjs tensors after loading (the weights), for leak checks. */
  numTensors: number;
}

/** Progress of a batched call: items finished so far out of the total. */
export interface EmbedProgress {
  done: number;
  total: number;
}

/** Row-major embeddings [rows, dims]: projected by the model, not L2-normalised. */
export interface EmbeddingMatrix {
  values: Float32Array;
  rows: number;
  dims: number;
}

/** Text embeddings plus the unpadded token ids they were computed from. */
export interface TextEmbeddingResult extends EmbeddingMatrix {
  inputIds: number[][];
}

/** One image file to embed; `path` names it in errors. */
export interface ClipImageInput {
  path: string;
  file: Blob;
}

export interface ImageEmbeddingResult extends EmbeddingMatrix {
  /** Paths of the embedded images, in row order; failed images have no row. */
  paths: string[];
  failed: ImportedProblem[];
}

export interface RetrievalResultData {
  /** Texts kept per image: min(k, number of texts). */
  k: number;
  /** Row-major [images, k]: text indices by decreasing cosine similarity. */
  topIndices: Int32Array;
  /** Row-major [images, k]: the cosine similarities of `topIndices`. */
  topScores: Float32Array;
}

/** Texts to embed: raw strings (tokenised in the worker) or token ids from `tokenize`. */
export type TextInput = { texts: string[] } | { ids: number[][] };

/** The CLIP methods of the training worker. Every method rejects with a message naming the input when it fails. */
export interface ClipWorkerApi {
  /** Loads a CLIP model from the files of its folder, replacing any loaded one. */
  loadClip(files: ModelFile[]): Promise<ClipSummary>;
  /** CLIP BPE ids with start and end tokens, truncated to the context length, not padded. */
  tokenize(texts: string[]): Promise<number[][]>;
  embedTexts(input: TextInput, onProgress?: (progress: EmbedProgress) => void): Promise<TextEmbeddingResult>;
  /** Decodes each file and preprocesses it as the model's preprocessor_config.json specifies, then embeds it. */
  embedImageFiles(files: ClipImageInput[], onProgress?: (progress: EmbedProgress) => void): Promise<ImageEmbeddingResult>;
  /** Embeds preprocessed pixel values, float32 NCHW of `shape` [images, 3, height, width]. */
  embedPixelValues(values: Float32Array, shape: [number, number, number, number], onProgress?: (progress: EmbedProgress) => void): Promise<EmbeddingMatrix>;
  /** Top-k texts per image by cosine similarity of the given embeddings. */
  retrieve(imageEmbeds: EmbeddingMatrix, textEmbeds: EmbeddingMatrix, k: number): Promise<RetrievalResultData>;
  /** Frees the model's tensors; a no-op when none is loaded. */
  unloadClip(): Promise<void>;
}
