/**
 * Labels from a CSV instead of class folders: the user picks the path column,
 * the label column and optionally a group column. Rows match images as in
 * `buildPathIndex` (path first, unique bare file name as a fallback).
 */

import { columnIndex, type CsvTable } from '../reports/csv-parse';
import { filterFiles } from './file-filter';
import type { LabelledImage, LayoutClass } from './folder-layout';
import type { RowIssue } from './groups';
import { buildPathIndex, detectRoot } from './path-match';

export interface LabelTableOptions {
  pathColumn: string;
  labelColumn: string;
  groupColumn?: string;
}

export interface LabelTableLayout {
  classes: LayoutClass[];
  images: LabelledImage[];
  /** Group id per image path, when a group column was chosen and the row has one. */
  groupByPath: Map<string, string>;
  /** Images no row labels. */
  unlabelled: string[];
  unmatchedRows: RowIssue[];
  ambiguousRows: RowIssue[];
  /** Rows that give an already labelled image a different label; the first label is kept. */
  conflictingRows: RowIssue[];
  emptyLabelRows: RowIssue[];
  hidden: string[];
  nonImages: string[];
}

export function layoutFromLabelTable(paths: readonly string[], table: CsvTable, options: LabelTableOptions): LabelTableLayout {
  const pathIndex = columnIndex(table, options.pathColumn);
  const labelIndex = columnIndex(table, options.labelColumn);
  const groupIndex = options.groupColumn === undefined ? -1 : columnIndex(table, options.groupColumn);

  const filtered = filterFiles(paths);
  const matcher = buildPathIndex(filtered.images, detectRoot(paths));
  const labelByPath = new Map<string, string>();

  const layout: LabelTableLayout = {
    classes: [],
    images: [],
    groupByPath: new Map(),
    unlabelled: [],
    unmatchedRows: [],
    ambiguousRows: [],
    conflictingRows: [],
    emptyLabelRows: [],
    hidden: filtered.hidden,
    nonImages: filtered.nonImages,
  };

  for (const row of table.rows) {
    const value = row.cells[pathIndex] ?? '';
    const label = (row.cells[labelIndex] ?? '').trim();
    if (label === '') {
      layout.emptyLabelRows.push({ line: row.line, value });
      continue;
    }

    const match = matcher.match(value);
    if (match.kind === 'none') {
      layout.unmatchedRows.push({ line: row.line, value });
      continue;
    }
    if (match.kind === 'ambiguous') {
      layout.ambiguousRows.push({ line: row.line, value, candidates: match.candidates });
      continue;
    }

    const existing = labelByPath.get(match.path);
    if (existing !== undefined) {
      if (existing !== label) layout.conflictingRows.push({ line: row.line, value, candidates: [match.path] });
      continue;
    }
    labelByPath.set(match.path, label);

    const group = groupIndex >= 0 ? (row.cells[groupIndex] ?? '').trim() : '';
    if (group !== '') layout.groupByPath.set(match.path, group);
  }

  const classes = new Map<string, LayoutClass>();
  for (const path of filtered.images) {
    const label = labelByPath.get(path);
    if (label === undefined) {
      layout.unlabelled.push(path);
      continue;
    }
    layout.images.push({ path, className: label, classFolder: '' });
    const entry = classes.get(label) ?? { name: label, imageCount: 0, folders: [] };
    entry.imageCount += 1;
    classes.set(label, entry);
  }
  layout.classes = [...classes.values()].sort((a, b) => a.name.localeCompare(b.name));
  return layout;
}
