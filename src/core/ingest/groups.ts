/**
 * Group assignment for group-aware splits (patient, slide or source tile):
 * from a CSV with a path column and a group column, or from a regular
 * expression with one capture group applied to each image path.
 */

import { columnIndex, type CsvTable } from '../reports/csv-parse';
import { buildPathIndex, detectRoot, relativeSegments } from './path-match';

export interface RowIssue {
  /** 1-based line of the row in the CSV. */
  line: number;
  value: string;
  /** Images the value matched, for ambiguous rows. */
  candidates?: string[];
}

export interface GroupAssignment {
  /** Group id per image path, for every image that got one. */
  groupByPath: Map<string, string>;
  /** Rows whose path matches no image. */
  unmatchedRows: RowIssue[];
  /** Rows whose bare file name (or trailing path) matches several images. */
  ambiguousRows: RowIssue[];
  /** Rows that give an image a second, different group; the first group is kept. */
  conflictingRows: RowIssue[];
  /** Rows with an empty group value. */
  emptyGroupRows: RowIssue[];
  /** Images no row assigned a group to. */
  imagesWithoutGroup: string[];
  groupCount: number;
}

export interface GroupTableOptions {
  pathColumn: string;
  groupColumn: string;
}

/**
 * Assigns groups from a table. Paths match as in `buildPathIndex`: exact or
 * relative to the dropped folder first, then a bare file name or trailing
 * path only when it is unique among the images.
 */
export function groupsFromTable(imagePaths: readonly string[], table: CsvTable, options: GroupTableOptions): GroupAssignment {
  const pathIndex = columnIndex(table, options.pathColumn);
  const groupIndex = columnIndex(table, options.groupColumn);
  const index = buildPathIndex(imagePaths, detectRoot(imagePaths));

  const result: GroupAssignment = {
    groupByPath: new Map(),
    unmatchedRows: [],
    ambiguousRows: [],
    conflictingRows: [],
    emptyGroupRows: [],
    imagesWithoutGroup: [],
    groupCount: 0,
  };

  for (const row of table.rows) {
    const value = row.cells[pathIndex] ?? '';
    const group = (row.cells[groupIndex] ?? '').trim();
    if (group === '') {
      result.emptyGroupRows.push({ line: row.line, value });
      continue;
    }

    const match = index.match(value);
    if (match.kind === 'none') {
      result.unmatchedRows.push({ line: row.line, value });
      continue;
    }
    if (match.kind === 'ambiguous') {
      result.ambiguousRows.push({ line: row.line, value, candidates: match.candidates });
      continue;
    }

    const existing = result.groupByPath.get(match.path);
    if (existing !== undefined && existing !== group) {
      result.conflictingRows.push({ line: row.line, value, candidates: [match.path] });
      continue;
    }
    result.groupByPath.set(match.path, group);
  }

  finish(result, imagePaths);
  return result;
}

export type RegexGroupResult =
  | { ok: true; groupByPath: Map<string, string>; unmatched: string[]; groupCount: number }
  | { ok: false; error: string };

/**
 * Assigns groups with a regular expression that has exactly one capture group,
 * matched against each path relative to the dropped folder (e.g.
 * `(TCGA-\w\w-\w{4})` or `^([^/]+)/`). Paths that do not match are listed.
 */
export function groupsFromRegex(imagePaths: readonly string[], pattern: string, flags = ''): RegexGroupResult {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, flags.replace('g', ''));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `invalid regular expression /${pattern}/: ${detail}` };
  }

  // An empty alternative makes the pattern match '' so the group count can be read.
  const groupsInPattern = new RegExp(`${pattern}|`, flags.replace('g', '')).exec('')!.length - 1;
  if (groupsInPattern !== 1) {
    return {
      ok: false,
      error: `the pattern /${pattern}/ has ${groupsInPattern} capture groups; it needs exactly one, around the part that names the group`,
    };
  }

  const root = detectRoot(imagePaths);
  const groupByPath = new Map<string, string>();
  const unmatched: string[] = [];
  for (const path of imagePaths) {
    const match = regex.exec(relativeSegments(path, root).join('/'));
    const group = match?.[1];
    if (group === undefined || group === '') unmatched.push(path);
    else groupByPath.set(path, group);
  }
  return { ok: true, groupByPath, unmatched, groupCount: new Set(groupByPath.values()).size };
}

function finish(result: GroupAssignment, imagePaths: readonly string[]): void {
  for (const path of imagePaths) {
    if (!result.groupByPath.has(path)) result.imagesWithoutGroup.push(path);
  }
  result.groupCount = new Set(result.groupByPath.values()).size;
}
