/**
 * One call for a dropped report file: decodes the bytes, picks the parser from
 * the extension (.csv/.tsv, .jsonl/.ndjson, .txt) and guesses the text and id
 * fields when the user has not chosen them yet.
 */

import { emptyCorpus, type ReportCorpus } from './corpus';
import { parseCsv } from './csv-parse';
import { listJsonlFields, parseJsonlReports } from './jsonl-parse';
import { guessIdColumn, guessTextColumn, reportsFromTable } from './reports-from-table';
import { decodeText } from './text-decode';
import { reportsFromTextFiles } from './txt-reports';

export type ReportFileKind = 'csv' | 'jsonl' | 'txt';

export interface ReportFileOptions {
  /** CSV column or JSONL field with the text; guessed when omitted. */
  textField?: string;
  /** CSV column or JSONL field with the id; guessed by name when omitted. */
  idField?: string;
}

export interface LoadedReportFile {
  kind: ReportFileKind | null;
  corpus: ReportCorpus;
  /** Columns (CSV) or fields (JSONL) the user can choose from. */
  fields: string[];
  textField: string | null;
  idField: string | null;
}

const ID_NAMES = ['id', 'report_id', 'patient_id', 'case_id', 'case_submitter_id'];

export function reportFileKind(name: string): ReportFileKind | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.txt')) return 'txt';
  return null;
}

export function loadReportFile(bytes: Uint8Array, name: string, options: ReportFileOptions = {}): LoadedReportFile {
  const kind = reportFileKind(name);
  if (kind === null) {
    const corpus = emptyCorpus();
    corpus.problems.push({ source: name, reason: 'not a report file; use .csv, .tsv, .jsonl, .ndjson or .txt' });
    return { kind, corpus, fields: [], textField: null, idField: null };
  }

  if (kind === 'txt') {
    return { kind, corpus: reportsFromTextFiles([{ path: name, bytes }]), fields: [], textField: null, idField: null };
  }

  const decoded = decodeText(bytes, name);
  const loaded = kind === 'csv' ? loadCsv(decoded.text, name, options) : loadJsonl(decoded.text, name, options);
  if (decoded.warning !== undefined) loaded.corpus.warnings.unshift(decoded.warning);
  return loaded;
}

function loadCsv(text: string, name: string, options: ReportFileOptions): LoadedReportFile {
  const table = parseCsv(text, name.toLowerCase().endsWith('.tsv') ? { delimiter: '\t' } : {});
  const textField = options.textField ?? guessTextColumn(table);
  const idField = options.idField ?? guessIdColumn(table);

  if (textField === null) {
    const corpus = emptyCorpus();
    corpus.problems.push({ source: name, reason: 'the file has no header row' });
    return { kind: 'csv', corpus, fields: [], textField, idField };
  }
  const corpus = reportsFromTable(table, { textColumn: textField, idColumn: idField ?? undefined, source: name });
  return { kind: 'csv', corpus, fields: table.header, textField, idField };
}

function loadJsonl(text: string, name: string, options: ReportFileOptions): LoadedReportFile {
  const fields = listJsonlFields(text);
  const names = fields.map((field) => field.name);

  let textField = options.textField ?? null;
  if (textField === null) {
    const longest = [...fields].sort((a, b) => b.meanLength - a.meanLength)[0];
    textField = names.includes('text') ? 'text' : (longest?.name ?? 'text');
  }
  const idField = options.idField ?? ID_NAMES.find((candidate) => names.includes(candidate)) ?? null;

  const corpus = parseJsonlReports(text, { source: name, textField, idField: idField ?? undefined });
  return { kind: 'jsonl', corpus, fields: names, textField, idField };
}
