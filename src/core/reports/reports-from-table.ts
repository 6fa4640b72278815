/**
 * Turns a parsed CSV table into a report corpus: the user picks the text
 * column and, optionally, the id column; every other column becomes metadata.
 */

import { columnIndex, type CsvTable } from './csv-parse';
import { emptyCorpus, ensureUniqueIds, type ReportCorpus } from './corpus';

export interface TableReportOptions {
  textColumn: string;
  /** Column holding report ids; without it the id is `<source>:<line>`. */
  idColumn?: string;
  /** File name, used in ids, problems and warnings. */
  source: string;
}

/**
 * Builds reports from table rows. CSV parse problems are carried over with
 * their line numbers, and rows with an empty text are reported by id.
 * Throws a RangeError when a chosen column is not in the header.
 */
export function reportsFromTable(table: CsvTable, options: TableReportOptions): ReportCorpus {
  const textIndex = columnIndex(table, options.textColumn);
  const idIndex = options.idColumn === undefined ? -1 : columnIndex(table, options.idColumn);
  const corpus = emptyCorpus();

  for (const problem of table.problems) {
    corpus.problems.push({ source: options.source, line: problem.line, reason: problem.reason });
  }

  for (const row of table.rows) {
    const rawId = idIndex >= 0 ? row.cells[idIndex].trim() : '';
    const id = rawId !== '' ? rawId : `${options.source}:${row.line}`;
    const text = row.cells[textIndex];

    if (text.trim() === '') {
      corpus.problems.push({ source: options.source, line: row.line, id, reason: 'empty text' });
      continue;
    }

    const meta: Record<string, string> = {};
    table.header.forEach((column, index) => {
      if (index !== textIndex && index !== idIndex) meta[column] = row.cells[index] ?? '';
    });
    corpus.reports.push({ id, text, meta, source: options.source });
  }
  return ensureUniqueIds(corpus);
}

/** Suggests the text column: the one with the longest mean cell length over the first 200 rows. */
export function guessTextColumn(table: CsvTable): string | null {
  if (table.header.length === 0) return null;

  const sample = table.rows.slice(0, 200);
  let best: string | null = null;
  let bestLength = -1;
  table.header.forEach((column, index) => {
    const total = sample.reduce((sum, row) => sum + (row.cells[index]?.length ?? 0), 0);
    const mean = sample.length === 0 ? 0 : total / sample.length;
    if (mean > bestLength) {
      best = column;
      bestLength = mean;
    }
  });
  return best;
}

/** Suggests the id column by its name ("id", "report_id", "patient_id", "case_id", "filename"). */
export function guessIdColumn(table: CsvTable): string | null {
  const names = ['id', 'report_id', 'patient_id', 'case_id', 'case_submitter_id', 'filename', 'file_name'];
  for (const name of names) {
    const found = table.header.find((column) => column.toLowerCase() === name);
    if (found !== undefined) return found;
  }
  return null;
}
