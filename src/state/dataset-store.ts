import * as Comlink from 'comlink';
import { create } from 'zustand';

import { filterFiles } from '../core/ingest/file-filter';
import { deriveFolderLayout, suggestClassLevel } from '../core/ingest/folder-layout';
import { detectRoot } from '../core/ingest/path-match';
import { DEFAULT_SPLIT_RATIOS, splitDataset, type SplitRatios, type SplitResult } from '../core/split';
import type { ImportedProblem, ImageInput, ImportProgress } from '../worker-protocol';
import {
  deriveDataset,
  summariseDuplicates,
  type DecodedFile,
  type DuplicateSummary,
  type FolderLabels,
  type ImportSource,
  type LabelNotices,
  type LabelSource,
  type TableLabels,
} from './dataset-derive';
import { deleteSavedDataset, restoreDatasetManifest, saveDatasetManifest } from './dataset-persistence';
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
  /** Lower-case hex SHA-256 of the file bytes. */
  sha256: string;
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

/** Import report content: the latest import attempt and the notices of the active labelling. */
export interface ImportReportState {
  /** Dropped folder of the import the report is about. */
  root: string;
  /** True when that import produced no usable image, so the previous dataset stayed. */
  failed: boolean;
  problems: ImportedProblem[];
  warnings: { path: string; message: string }[];
  notices: LabelNotices;
}

interface DatasetState {
  rootName: string;
  classNames: string[];
  images: DatasetImage[];
  source: ImportSource | null;
  labels: LabelSource;
  /** Class folders at the chosen level before merges and exclusions. */
  rawClasses: { name: string; imageCount: number }[];
  report: ImportReportState | null;
  duplicates: DuplicateSummary | null;
  progress: ImportProgressState | null;
  error: string | null;
  /** Reason the imported files could not be kept in browser storage, so the dataset does not survive a reload. */
  storageWarning: string | null;
  /** True while a saved dataset is read back from OPFS. */
  restoring: boolean;
  groups: GroupAssignment | null;
  splitRatios: SplitRatios;
  splitSeed: number;
  /** Groups left out of every split, e.g. the tiles a bundled CLIP was trained on. */
  excludedGroups: { groups: ReadonlySet<string>; reason: string } | null;
  setExcludedGroups(value: { groups: ReadonlySet<string>; reason: string } | null): void;
  split: SplitResult | null;

  importFiles(files: File[]): Promise<void>;
  cancelImport(): void;
  /** Re-derives classes from the already decoded files; nothing is decoded again. */
  setFolderLabels(labels: Omit<FolderLabels, 'kind'>): void;
  /** Labels from a CSV table (flat folder mode); a chosen group column also sets the groups. */
  setTableLabels(labels: Omit<TableLabels, 'kind'>): void;
  setGroups(groups: GroupAssignment | null): void;
  setSplitOptions(ratios: SplitRatios, seed: number): void;
  /** Loads the dataset saved in OPFS by an earlier import, unless a dataset is already loaded. */
  restoreSaved(): Promise<void>;
  /** Deletes the saved copies; the dataset stays loaded until the page is reloaded. */
  forgetSaved(): Promise<void>;
}

/** Files per message to the import worker: large enough to amortise messaging, small enough for smooth progress. */
const IMPORT_BATCH = 64;

const EMPTY_NOTICES: LabelNotices = { unlabelled: [], emptyClasses: [], excluded: [], nonImages: [], hints: [], tableIssues: [] };

export const useDatasetStore = create<DatasetState>((set, get) => ({
  rootName: '',
  classNames: [],
  images: [],
  source: null,
  labels: { kind: 'folders', classLevel: 0, merge: {}, exclude: [] },
  rawClasses: [],
  report: null,
  duplicates: null,
  progress: null,
  error: null,
  storageWarning: null,
  restoring: false,
  groups: null,
  splitRatios: DEFAULT_SPLIT_RATIOS,
  splitSeed: 0,
  split: null,

  async importFiles(files) {
    if (get().progress) return;

    const byPath = new Map<string, File>();
    for (const file of files) byPath.set(filePath(file), file);
    const paths = [...byPath.keys()];
    const root = detectRoot(paths);

    // Every file with an image extension is decoded, also those above the class level,
    // so a later change of class level needs no second decode.
    const candidates = filterFiles(paths).images.sort();
    if (candidates.length === 0) {
      const layout = deriveFolderLayout(paths);
      set({
        error: `No image files in ${root || 'the dropped files'} (PNG, JPEG, TIFF, BMP, WebP). The previous dataset was kept.`,
        report: { root, failed: true, problems: [], warnings: [], notices: { ...EMPTY_NOTICES, nonImages: layout.nonImages, emptyClasses: layout.emptyClasses } },
      });
      return;
    }

    const inputs: ImageInput[] = candidates.map((path) => ({ path, file: byPath.get(path)! }));
    set({ progress: { done: 0, total: inputs.length, startedAt: performance.now() }, error: null });

    const worker = getImportWorker();
    const decoded = new Map<string, DecodedFile>();
    const problems: ImportedProblem[] = [];
    const warnings: { path: string; message: string }[] = [];
    let storageError: string | null = null;
    const revokeNew = () => decoded.forEach((entry) => URL.revokeObjectURL(entry.thumbnailUrl));
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
          decoded.set(image.path, {
            path: image.path,
            file: byPath.get(image.path)!,
            width: image.width,
            height: image.height,
            thumbnailUrl: URL.createObjectURL(image.thumbnail),
            sha256: image.sha256,
          });
        }
        problems.push(...result.problems);
        warnings.push(...result.warnings);
        storageError ??= result.storageError ?? null;
      }
    } catch (error) {
      revokeNew();
      set({ progress: null, error: `Import failed: ${error instanceof Error ? error.message : String(error)}. The previous dataset was kept.` });
      return;
    }

    if (cancelled || !get().progress) {
      revokeNew();
      set({ progress: null, error: 'Import cancelled; the previous dataset was kept.' });
      return;
    }

    if (decoded.size === 0) {
      problems.sort((a, b) => a.path.localeCompare(b.path));
      // Keep whatever was loaded before: a failed import must not cost the user their dataset.
      const layout = deriveFolderLayout(paths);
      set({
        progress: null,
        error: `None of the ${candidates.length} image file(s) in ${root || 'the dropped files'} could be imported; see the import report. The previous dataset was kept.`,
        report: {
          root,
          failed: true,
          problems,
          warnings,
          notices: { ...EMPTY_NOTICES, unlabelled: layout.unlabelled, emptyClasses: layout.emptyClasses, nonImages: layout.nonImages },
        },
      });
      return;
    }

    // Files finish out of order in the worker, so the report is sorted for a stable listing.
    problems.sort((a, b) => a.path.localeCompare(b.path));
    warnings.sort((a, b) => a.path.localeCompare(b.path));
    get().source?.decoded.forEach((entry) => URL.revokeObjectURL(entry.thumbnailUrl));
    const source: ImportSource = { root, paths, decoded, problems, warnings };
    const labels: LabelSource = { kind: 'folders', classLevel: suggestClassLevel(paths), merge: {}, exclude: [] };
    set({
      source,
      progress: null,
      groups: null,
      storageWarning: storageError ? `Some images could not be kept in browser storage, so the dataset will not fully survive a reload (${storageError}).` : null,
    });
    applyLabels(labels);
  },

  async restoreSaved() {
    if (get().source || get().progress || get().restoring) return;
    set({ restoring: true });
    try {
      const restored = await restoreDatasetManifest();
      // An import that started while reading wins over the saved dataset.
      if (!restored || get().source || get().progress) {
        restored?.source.decoded.forEach((entry) => URL.revokeObjectURL(entry.thumbnailUrl));
        return;
      }
      const groups = restored.groups
        ? { byPath: restored.groups.byPath, source: restored.groups.source, matched: restored.groups.byPath.size, unmatched: 0 }
        : null;
      set({ source: restored.source, groups });
      applyLabels(restored.labels);
    } catch (error) {
      set({ storageWarning: `The saved dataset could not be read back (${error instanceof Error ? error.message : String(error)}); import the folder again.` });
    } finally {
      set({ restoring: false });
    }
  },

  async forgetSaved() {
    try {
      await deleteSavedDataset();
      set({ storageWarning: null });
    } catch (error) {
      set({ storageWarning: error instanceof Error ? error.message : String(error) });
    }
  },

  cancelImport() {
    getImportWorker().cancel();
    set({ progress: null });
  },

  setFolderLabels(labels) {
    applyLabels({ kind: 'folders', ...labels });
  },

  setTableLabels(labels) {
    applyLabels({ kind: 'table', ...labels });
  },

  setGroups(groups) {
    set({ groups });
    recomputeSplit();
    saveManifest();
  },

  setSplitOptions(ratios, seed) {
    set({ splitRatios: ratios, splitSeed: seed });
    recomputeSplit();
  },

  excludedGroups: null,

  setExcludedGroups(value) {
    set({ excludedGroups: value });
    recomputeSplit();
  },
}));

function applyLabels(labels: LabelSource): void {
  const { source, groups } = useDatasetStore.getState();
  if (!source) return;

  const derived = deriveDataset(source, labels);
  // Code-unit order, the same order the import uses for its file list.
  const images = derived.images.sort((a, b) => (a.path < b.path ? -1 : 1));

  let nextGroups = groups;
  if (derived.groupByPath) {
    const matched = images.filter((image) => derived.groupByPath!.has(image.path)).length;
    nextGroups = { byPath: derived.groupByPath, source: labels.kind === 'table' ? labels.tableName : 'labels CSV', matched, unmatched: images.length - matched };
  }

  useDatasetStore.setState({
    rootName: source.root,
    classNames: derived.classNames,
    images,
    labels,
    rawClasses: derived.rawClasses,
    groups: nextGroups,
    error: images.length === 0 ? noImagesMessage(labels, derived.notices) : null,
    report: { root: source.root, failed: false, problems: source.problems, warnings: source.warnings, notices: derived.notices },
  });
  recomputeSplit();
  saveManifest();
}

/** Saves run one after another, so two writes of the manifest never overlap. */
let manifestSaves: Promise<void> = Promise.resolve();

/** Saves the labelling and groups with the file list; a failure only costs persistence across reloads. */
function saveManifest(): void {
  manifestSaves = manifestSaves.then(async () => {
    const { source, labels, groups } = useDatasetStore.getState();
    if (!source) return;
    try {
      await saveDatasetManifest(source, labels, groups ? { source: groups.source, byPath: groups.byPath } : null);
    } catch (error) {
      useDatasetStore.setState({ storageWarning: `The dataset could not be saved for the next visit (${error instanceof Error ? error.message : String(error)}).` });
    }
  });
}

function recomputeSplit(): void {
  const { images, classNames, groups, splitRatios, splitSeed, excludedGroups } = useDatasetStore.getState();
  if (images.length === 0) {
    useDatasetStore.setState({ split: null, duplicates: null });
    return;
  }

  let split: SplitResult | null = null;
  let error: string | null = null;
  try {
    split = splitDataset(
      images.map((image) => ({ label: image.label, group: groups?.byPath.get(image.path) })),
      { ratios: splitRatios, seed: splitSeed, excludeGroups: excludedGroups?.groups },
    );
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  useDatasetStore.setState({ split, error, duplicates: summariseDuplicates(images, classNames, split) });
}

/** Relative path of a dropped or chosen file; drag and drop sets `relativePath` (see folder-drop.ts). */
export function filePath(file: File): string {
  const withPath = file as File & { relativePath?: string };
  return withPath.relativePath || file.webkitRelativePath || file.name;
}

function noImagesMessage(labels: LabelSource, notices: LabelNotices): string {
  if (labels.kind === 'table') {
    return `No image got a label from ${labels.tableName}: check the path and label columns. ${notices.tableIssues[0] ?? ''}`.trim();
  }
  if (notices.unlabelled.length > 0) {
    return (
      `No images inside class folders at level ${labels.classLevel}: ${notices.unlabelled.length} image(s) sit above it. ` +
      'Choose another class level, put each class in its own subfolder, or load a labels CSV.'
    );
  }
  return `No images at class level ${labels.classLevel}. ${notices.hints[0]?.message ?? 'Choose another class level.'}`;
}
