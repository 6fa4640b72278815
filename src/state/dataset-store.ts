import * as Comlink from 'comlink';
import { create } from 'zustand';

import { deriveFolderLayout, type FolderLayout } from '../core/ingest/folder-layout';
import { DEFAULT_SPLIT_RATIOS, splitDataset, type SplitRatios, type SplitResult } from '../core/split';
import type { ImportedProblem, ImageInput, ImportProgress } from '../worker-protocol';
import { getImportWorker } from './workers';

/** One usable image of the dataset. */
export interface DatasetImage {
  /** Path relative to the dropped folder's parent, as `webkitRelativePath` gives it. */
  path: string;
  file: File;
  label: number;
  thumbnailUrl: string;
  width: number;
  height: number;
}

export interface ImportProgressState {
  done: number;
  total: number;
  startedAt: number;
}

export interface GroupAssignment {
  /** Group id per image path; images without an entry are their own group. */
  byPath: Map<string, string>;
  source: string;
  matched: number;
  unmatched: number;
}

interface DatasetState {
  rootName: string;
  classNames: string[];
  images: DatasetImage[];
  layout: FolderLayout | null;
  problems: ImportedProblem[];
  warnings: { path: string; message: string }[];
  progress: ImportProgressState | null;
  error: string | null;
  groups: GroupAssignment | null;
  splitRatios: SplitRatios;
  splitSeed: number;
  split: SplitResult | null;

  importFiles(files: File[]): Promise<void>;
  cancelImport(): void;
  setGroups(groups: GroupAssignment | null): void;
  setSplitOptions(ratios: SplitRatios, seed: number): void;
}

/** Files per message to the import worker: large enough to amortise messaging, small enough for smooth progress. */
const IMPORT_BATCH = 64;

export const useDatasetStore = create<DatasetState>((set, get) => ({
  rootName: '',
  classNames: [],
  images: [],
  layout: null,
  problems: [],
  warnings: [],
  progress: null,
  error: null,
  groups: null,
  splitRatios: DEFAULT_SPLIT_RATIOS,
  splitSeed: 0,
  split: null,

  async importFiles(files) {
    if (get().progress) return;

    const byPath = new Map<string, File>();
    for (const file of files) byPath.set(filePath(file), file);

    const layout = deriveFolderLayout([...byPath.keys()]);
    if (layout.images.length === 0) {
      // Keep whatever was loaded before: a failed import must not cost the user their dataset.
      set({ error: noImagesMessage(layout) });
      return;
    }

    const classNames = layout.classes.map((c) => c.name);
    const inputs: ImageInput[] = layout.images.map((image) => ({ path: image.path, file: byPath.get(image.path)! }));
    const classOfPath = new Map(layout.images.map((image) => [image.path, classNames.indexOf(image.className)]));

    set({ progress: { done: 0, total: inputs.length, startedAt: performance.now() }, error: null });

    const worker = getImportWorker();
    const images: DatasetImage[] = [];
    const problems: ImportedProblem[] = [];
    const warnings: { path: string; message: string }[] = [];
    let cancelled = false;

    try {
      for (let start = 0; start < inputs.length; start += IMPORT_BATCH) {
        if (!get().progress) {
          cancelled = true;
          break;
        }
        const batch = inputs.slice(start, start + IMPORT_BATCH);
        const result = await worker.importImages(
          batch,
          Comlink.proxy((p: ImportProgress) => {
            const progress = get().progress;
            if (progress) set({ progress: { ...progress, done: start + p.done } });
          }),
        );

        for (const image of result.images) {
          images.push({
            path: image.path,
            file: byPath.get(image.path)!,
            label: classOfPath.get(image.path)!,
            thumbnailUrl: URL.createObjectURL(image.thumbnail),
            width: image.width,
            height: image.height,
          });
        }
        problems.push(...result.problems);
        warnings.push(...result.warnings);
      }
    } catch (error) {
      set({ progress: null, error: `Import failed: ${error instanceof Error ? error.message : String(error)}. The previous dataset was kept.` });
      images.forEach((image) => URL.revokeObjectURL(image.thumbnailUrl));
      return;
    }

    if (cancelled || images.length === 0) {
      images.forEach((image) => URL.revokeObjectURL(image.thumbnailUrl));
      set({
        progress: null,
        error: cancelled ? 'Import cancelled; the previous dataset was kept.' : 'None of the files could be imported; see the import report. The previous dataset was kept.',
        problems: cancelled ? get().problems : problems,
      });
      return;
    }

    get().images.forEach((image) => URL.revokeObjectURL(image.thumbnailUrl));
    images.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

    set({
      rootName: layout.root,
      classNames,
      images,
      layout,
      problems,
      warnings,
      progress: null,
      groups: null,
    });
    recomputeSplit();
  },

  cancelImport() {
    getImportWorker().cancel();
    set({ progress: null });
  },

  setGroups(groups) {
    set({ groups });
    recomputeSplit();
  },

  setSplitOptions(ratios, seed) {
    set({ splitRatios: ratios, splitSeed: seed });
    recomputeSplit();
  },
}));

function recomputeSplit(): void {
  const { images, groups, splitRatios, splitSeed } = useDatasetStore.getState();
  if (images.length === 0) {
    useDatasetStore.setState({ split: null });
    return;
  }
  try {
    const split = splitDataset(
      images.map((image) => ({ label: image.label, group: groups?.byPath.get(image.path) })),
      { ratios: splitRatios, seed: splitSeed },
    );
    useDatasetStore.setState({ split, error: null });
  } catch (error) {
    useDatasetStore.setState({ split: null, error: error instanceof Error ? error.message : String(error) });
  }
}

/** Relative path of a dropped or chosen file; drag and drop sets `relativePath` (see folder-drop.ts). */
export function filePath(file: File): string {
  const withPath = file as File & { relativePath?: string };
  return withPath.relativePath || file.webkitRelativePath || file.name;
}

function noImagesMessage(layout: FolderLayout): string {
  const hint = layout.hints[0]?.message;
  if (layout.unlabelled.length > 0) {
    return `No images inside class folders: ${layout.unlabelled.length} image(s) sit directly in the dropped folder. Put each class in its own subfolder (e.g. tumour/, normal/) and import the parent folder.`;
  }
  return `No images found in the dropped files (PNG, JPEG, TIFF, BMP, WebP). ${hint ?? 'Import a folder with one subfolder per class.'}`;
}
