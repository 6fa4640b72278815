/**
 * Turns decoded files plus a labelling choice (class folders at some level,
 * or a labels CSV) into the dataset the rest of the studio uses. Changing the
 * class level, merges, exclusions or the labels CSV re-runs only this step,
 * never the decoder.
 */

import { findDuplicateSets, type DuplicateSet } from '../core/ingest/duplicates';
import { deriveFolderLayout, type LayoutHint } from '../core/ingest/folder-layout';
import { layoutFromLabelTable } from '../core/ingest/label-table';
import { relativeSegments } from '../core/ingest/path-match';
import type { CsvTable } from '../core/reports/csv-parse';
import type { SplitResult } from '../core/split';
import type { ImportedProblem } from '../worker-protocol';

/** One file the import worker decoded successfully. */
export interface DecodedFile {
  path: string;
  file: File;
  width: number;
  height: number;
  thumbnailUrl: string;
  sha256: string;
}

/** Everything read from one import, kept so the labelling can change without decoding again. */
export interface ImportSource {
  root: string;
  /** Every dropped path, hidden and non-image files included, as the layout derivation expects. */
  paths: string[];
  /** Decoded images by path, in path order. */
  decoded: Map<string, DecodedFile>;
  problems: ImportedProblem[];
  warnings: { path: string; message: string }[];
}

export interface FolderLabels {
  kind: 'folders';
  /** Folder depth below the dropped root whose names are the classes (0 = first level). */
  classLevel: number;
  /** Source folder name to target class name. */
  merge: Record<string, string>;
  /** Class names or folder paths relative to the root to leave out. */
  exclude: string[];
}

export interface TableLabels {
  kind: 'table';
  tableName: string;
  table: CsvTable;
  pathColumn: string;
  labelColumn: string;
  groupColumn?: string;
}

export type LabelSource = FolderLabels | TableLabels;

/** Layout notices for the import report, whichever labelling is active. */
export interface LabelNotices {
  unlabelled: string[];
  emptyClasses: string[];
  excluded: string[];
  nonImages: string[];
  hints: LayoutHint[];
  /** Labels CSV rows that could not be used, as plain sentences. */
  tableIssues: string[];
}

export interface DerivedImage {
  path: string;
  file: File;
  label: number;
  thumbnailUrl: string;
  width: number;
  height: number;
  sha256: string;
}

export interface DerivedDataset {
  classNames: string[];
  images: DerivedImage[];
  notices: LabelNotices;
  /** Class folders found at the chosen level before merges and exclusions, for the layout editor. */
  rawClasses: { name: string; imageCount: number }[];
  /** Group per path from the labels CSV's group column, when one was chosen. */
  groupByPath: Map<string, string> | null;
}

export function deriveDataset(source: ImportSource, labels: LabelSource): DerivedDataset {
  return labels.kind === 'folders' ? deriveFromFolders(source, labels) : deriveFromTable(source, labels);
}

function deriveFromFolders(source: ImportSource, labels: FolderLabels): DerivedDataset {
  const layout = deriveFolderLayout(source.paths, { classLevel: labels.classLevel, merge: labels.merge, exclude: labels.exclude });
  const raw = deriveFolderLayout(source.paths, { classLevel: labels.classLevel });

  // Classes whose every image failed to decode are dropped, so no class ends up with 0 images.
  const usable = layout.images.filter((image) => source.decoded.has(image.path));
  const classNames = [...new Set(usable.map((image) => image.className))].sort((a, b) => a.localeCompare(b));
  const images = usable.map((image) => toDerived(source.decoded.get(image.path)!, classNames.indexOf(image.className)));

  return {
    classNames,
    images,
    rawClasses: countDecodedPerClass(raw.images, source.decoded),
    groupByPath: null,
    notices: {
      unlabelled: layout.unlabelled,
      emptyClasses: layout.emptyClasses,
      excluded: layout.excluded,
      nonImages: layout.nonImages,
      hints: layout.hints,
      tableIssues: [],
    },
  };
}

function deriveFromTable(source: ImportSource, labels: TableLabels): DerivedDataset {
  const layout = layoutFromLabelTable(source.paths, labels.table, {
    pathColumn: labels.pathColumn,
    labelColumn: labels.labelColumn,
    groupColumn: labels.groupColumn,
  });

  const usable = layout.images.filter((image) => source.decoded.has(image.path));
  const classNames = [...new Set(usable.map((image) => image.className))].sort((a, b) => a.localeCompare(b));
  const images = usable.map((image) => toDerived(source.decoded.get(image.path)!, classNames.indexOf(image.className)));

  const tableIssues: string[] = [];
  const describe = (rows: { line: number; value: string }[], what: string) => {
    if (rows.length === 0) return;
    const lines = rows.slice(0, 5).map((row) => `line ${row.line} ("${row.value}")`).join(', ');
    tableIssues.push(`${rows.length} row(s) of ${labels.tableName} ${what}: ${lines}${rows.length > 5 ? ', …' : ''}`);
  };
  describe(layout.unmatchedRows, 'name no imported image');
  describe(layout.ambiguousRows, 'match several images; use the full path to tell them apart');
  describe(layout.conflictingRows, 'give an image a second, different label; the first label was kept');
  describe(layout.emptyLabelRows, 'have an empty label');

  return {
    classNames,
    images,
    rawClasses: countDecodedPerClass(layout.images, source.decoded),
    groupByPath: labels.groupColumn ? layout.groupByPath : null,
    notices: {
      unlabelled: layout.unlabelled,
      emptyClasses: [],
      excluded: [],
      nonImages: layout.nonImages,
      hints: [],
      tableIssues,
    },
  };
}

/** Decoded images per class name, sorted by name; files that failed to decode are not counted. */
function countDecodedPerClass(images: readonly { path: string; className: string }[], decoded: Map<string, DecodedFile>): { name: string; imageCount: number }[] {
  const counts = new Map<string, number>();
  for (const image of images) {
    if (decoded.has(image.path)) counts.set(image.className, (counts.get(image.className) ?? 0) + 1);
  }
  return [...counts.entries()].map(([name, imageCount]) => ({ name, imageCount })).sort((a, b) => a.name.localeCompare(b.name));
}

function toDerived(file: DecodedFile, label: number): DerivedImage {
  return { path: file.path, file: file.file, label, thumbnailUrl: file.thumbnailUrl, width: file.width, height: file.height, sha256: file.sha256 };
}

export interface DuplicateSummary {
  sets: (DuplicateSet & { splits: string[] })[];
  /** Copies beyond the first of each set. */
  redundantFiles: number;
  /** Sets whose copies sit in more than one of train / val / test. */
  crossSplitSets: number;
  /** Sets whose copies carry more than one class label. */
  crossClassSets: number;
}

/** Finds byte-identical images of the dataset and checks each set against the split and the labels. */
export function summariseDuplicates(
  images: readonly DerivedImage[],
  classNames: readonly string[],
  split: SplitResult | null,
): DuplicateSummary {
  // The split name goes into the `group` slot, so `crossGroup` means "spans splits".
  const report = findDuplicateSets(
    images.map((image, index) => ({
      path: image.path,
      sha256: image.sha256,
      className: classNames[image.label],
      group: split?.assignment[index] ?? undefined,
    })),
  );
  const sets = report.sets.map((set) => ({ ...set, splits: set.groups }));
  return {
    sets,
    redundantFiles: report.redundantFiles,
    crossSplitSets: sets.filter((set) => set.crossGroup).length,
    crossClassSets: sets.filter((set) => set.crossClass).length,
  };
}

/** Depth of the deepest folder below the root, the largest class level worth offering. */
export function maxFolderDepth(paths: readonly string[], root: string): number {
  let deepest = 0;
  for (const path of paths) deepest = Math.max(deepest, relativeSegments(path, root).length - 1);
  return deepest;
}
