import * as Comlink from 'comlink';
import { create } from 'zustand';

import type { ClipSummary, EmbedProgress, EmbeddingMatrix, ModelFile } from '../clip-protocol';
import { embeddingCacheKey, readCachedEmbeddings, writeCachedEmbeddings } from '../storage/embedding-cache';
import { useDatasetStore, filePath } from './dataset-store';
import { useReportsStore, type CorpusText } from './reports-store';
import { getTrainingWorker } from './workers';

/** The small CLIP shipped with the studio (trained on LC25000 tiles and TCGA passages; see its model card). */
const DEMO_CLIP_URL = '/models/demo-clip';
const DEMO_CLIP_FILES = ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'preprocessor_config.json'];

/** Number of reports kept per image for inspection; top-1 is the CLIP-IT pairing. */
export const RETRIEVAL_TOP_K = 5;

export interface RetrievalResult {
  /** Image paths in row order. */
  imagePaths: string[];
  imageLabels: number[];
  texts: CorpusText[];
  k: number;
  /** Row-major [images, k] text indices, best first. */
  topIndices: Int32Array;
  topScores: Float32Array;
  imageCached: boolean;
  textCached: boolean;
  seconds: number;
  /** The CLIP the pairs came from. */
  clipName: string;
  weightsSha256: string;
}

interface ClipState {
  name: string | null;
  summary: ClipSummary | null;
  loading: boolean;
  error: string | null;
  /** Reason the last embeddings were not cached (e.g. full storage); retrieval itself succeeded. */
  cacheWarning: string | null;
  progress: { label: string; done: number; total: number; startedAt: number } | null;
  retrieval: RetrievalResult | null;
  /** Text embeddings of the corpus from the last retrieval, reused by CLIP-IT training. */
  textEmbeddings: EmbeddingMatrix | null;

  loadFolder(files: File[]): Promise<void>;
  loadFromUrl(name: string, baseUrl: string, fileNames: string[]): Promise<void>;
  /** Loads the bundled demo CLIP and leaves the LC25000 groups it was trained on out of the split. */
  loadDemo(): Promise<void>;
  runRetrieval(): Promise<void>;
}

export const useClipStore = create<ClipState>((set, get) => ({
  name: null,
  summary: null,
  loading: false,
  error: null,
  cacheWarning: null,
  progress: null,
  retrieval: null,
  textEmbeddings: null,

  async loadFolder(files) {
    const usable = files.filter((f) => !filePath(f).split('/').some((part) => part.startsWith('.')));
    if (usable.length === 0) {
      set({ error: 'The chosen folder is empty. Pick the folder that holds config.json and the weights.' });
      return;
    }

    const root = filePath(usable[0]).split('/')[0];
    const modelFiles: ModelFile[] = await Promise.all(
      usable.map(async (file) => ({ path: stripRoot(filePath(file), root), data: new Uint8Array(await file.arrayBuffer()) })),
    );
    await loadModelFiles(root, modelFiles);
  },

  async loadFromUrl(name, baseUrl, fileNames) {
    set({ loading: true, error: null });
    try {
      // Same-origin files shipped with the app (the demo CLIP); nothing comes from another host.
      const modelFiles: ModelFile[] = await Promise.all(
        fileNames.map(async (fileName) => {
          const response = await fetch(`${baseUrl}/${fileName}`);
          if (!response.ok) throw new Error(`${baseUrl}/${fileName}: HTTP ${response.status}`);
          return { path: fileName, data: new Uint8Array(await response.arrayBuffer()) };
        }),
      );
      await loadModelFiles(name, modelFiles);
    } catch (error) {
      set({ loading: false, error: `Loading ${name} failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  },

  async loadDemo() {
    await get().loadFromUrl('demo CLIP', DEMO_CLIP_URL, DEMO_CLIP_FILES);
    if (get().name !== 'demo CLIP') return;
    try {
      const response = await fetch(`${DEMO_CLIP_URL}/training-groups.json`);
      const { trainGroups } = (await response.json()) as { trainGroups: string[] };
      useDatasetStore.getState().setExcludedGroups({
        groups: new Set(trainGroups),
        reason: `the demo CLIP was trained on these LC25000 groups (${trainGroups.length} groups), so they would not be unseen test tiles.`,
      });
    } catch (error) {
      set({ error: `The demo CLIP loaded, but its list of training groups did not: ${error instanceof Error ? error.message : String(error)}` });
    }
  },

  async runRetrieval() {
    const { summary, name } = get();
    const dataset = useDatasetStore.getState();
    const texts = useReportsStore.getState().corpusTexts();
    if (!summary) return set({ error: 'Load a CLIP model first.' });
    if (dataset.images.length === 0) return set({ error: 'Import images first.' });
    if (texts.length === 0) return set({ error: 'Import a report corpus first.' });

    const worker = getTrainingWorker();
    const started = performance.now();
    set({ error: null, retrieval: null });

    try {
      const imageKey = await embeddingCacheKey('image', {
        weightsSha256: summary.weightsSha256,
        settings: summary.preprocess,
        contents: dataset.images.map((image) => image.sha256 || `${image.path}:${image.file.size}`),
      });
      let imageEmbeds = await readCachedEmbeddings(imageKey);
      const imageCached = imageEmbeds !== null;
      if (!imageEmbeds) {
        set({ progress: { label: 'Embedding images', done: 0, total: dataset.images.length, startedAt: performance.now() } });
        const result = await worker.embedImageFiles(
          dataset.images.map((image) => ({ path: image.path, file: image.file })),
          Comlink.proxy((p: EmbedProgress) => updateProgress(p)),
        );
        if (result.failed.length > 0) {
          throw new Error(`${result.failed.length} image(s) could not be embedded, first: ${result.failed[0].path} (${result.failed[0].detail}).`);
        }
        imageEmbeds = { values: result.values, rows: result.rows, dims: result.dims };
        await cacheQuietly(imageKey, imageEmbeds);
      }

      const textKey = await embeddingCacheKey('text', {
        weightsSha256: summary.weightsSha256,
        settings: { contextLength: summary.text.maxPositionEmbeddings, passages: useReportsStore.getState().passages },
        contents: texts.map((t) => t.text),
      });
      let textEmbeds = await readCachedEmbeddings(textKey);
      const textCached = textEmbeds !== null;
      if (!textEmbeds) {
        set({ progress: { label: 'Embedding reports', done: 0, total: texts.length, startedAt: performance.now() } });
        const result = await worker.embedTexts(
          { texts: texts.map((t) => t.text) },
          Comlink.proxy((p: EmbedProgress) => updateProgress(p)),
        );
        textEmbeds = { values: result.values, rows: result.rows, dims: result.dims };
        await cacheQuietly(textKey, textEmbeds);
      }

      set({ progress: { label: 'Ranking', done: 0, total: 1, startedAt: performance.now() } });
      const ranked = await worker.retrieve(imageEmbeds, textEmbeds, RETRIEVAL_TOP_K);

      set({
        progress: null,
        textEmbeddings: textEmbeds,
        retrieval: {
          imagePaths: dataset.images.map((image) => image.path),
          imageLabels: dataset.images.map((image) => image.label),
          texts,
          k: ranked.k,
          topIndices: ranked.topIndices,
          topScores: ranked.topScores,
          imageCached,
          textCached,
          seconds: (performance.now() - started) / 1000,
          clipName: name ?? 'CLIP',
          weightsSha256: summary.weightsSha256,
        },
      });
    } catch (error) {
      set({ progress: null, error: `Retrieval failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  },
}));

async function loadModelFiles(name: string, files: ModelFile[]): Promise<void> {
  useClipStore.setState({ loading: true, error: null });
  try {
    const buffers = files.map((f) => f.data.buffer as ArrayBuffer);
    const summary = await getTrainingWorker().loadClip(Comlink.transfer(files, buffers));
    useClipStore.setState({ name, summary, loading: false, retrieval: null, textEmbeddings: null });
  } catch (error) {
    useClipStore.setState({ loading: false, error: error instanceof Error ? error.message : String(error) });
  }
}

function updateProgress(p: EmbedProgress): void {
  const progress = useClipStore.getState().progress;
  if (progress) useClipStore.setState({ progress: { ...progress, done: p.done, total: p.total } });
}

async function cacheQuietly(key: string, matrix: EmbeddingMatrix): Promise<void> {
  try {
    await writeCachedEmbeddings(key, matrix);
    useClipStore.setState({ cacheWarning: null });
  } catch (error) {
    // Retrieval still works without the cache; the next run recomputes.
    console.warn('[clip] embedding cache not written:', error);
    const message = error instanceof Error ? error.message : String(error);
    useClipStore.setState({ cacheWarning: `The embeddings were not cached, so the next retrieval computes them again. ${message}` });
  }
}

function stripRoot(path: string, root: string): string {
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}
