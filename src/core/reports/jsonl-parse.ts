/**
 * JSON Lines reports: one JSON object per line. Malformed lines are reported
 * by line number and skipped; the rest of the file is still read.
 */

import { emptyCorpus, ensureUniqueIds, type MetaValue, type ReportCorpus } from './corpus';

export interface JsonlOptions {
  /** Field holding the report text (default "text"). */
  textField?: string;
  /** Field holding the id (default "id"); records without it get `<source>:<line>`. */
  idField?: string;
  /** File name, used in ids, problems and warnings. */
  source: string;
}

export function parseJsonlReports(input: string, options: JsonlOptions): ReportCorpus {
  const textField = options.textField ?? 'text';
  const idField = options.idField ?? 'id';
  const corpus = emptyCorpus();
  const lines = stripBom(input).split('\n');

  lines.forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') return;

    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      corpus.problems.push({ source: options.source, line: lineNumber, reason: `malformed JSON (${detail})` });
      return;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      corpus.problems.push({ source: options.source, line: lineNumber, reason: 'the line is valid JSON but not an object' });
      return;
    }

    const fields = record as Record<string, unknown>;
    const rawId = fields[idField];
    const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : `${options.source}:${lineNumber}`;
    const text = fields[textField];

    if (typeof text !== 'string') {
      const reason = text === undefined ? `no "${textField}" field` : `"${textField}" is not a string`;
      corpus.problems.push({ source: options.source, line: lineNumber, id, reason });
      return;
    }
    if (text.trim() === '') {
      corpus.problems.push({ source: options.source, line: lineNumber, id, reason: 'empty text' });
      return;
    }

    corpus.reports.push({ id, text, meta: metadataFrom(fields, textField, idField), source: options.source });
  });
  return ensureUniqueIds(corpus);
}

export interface JsonlField {
  name: string;
  /** Number of sampled records that have the field. */
  count: number;
  /** Mean string length of the field over the sampled records (0 for non-strings). */
  meanLength: number;
}

/** Lists the fields of the first `sampleLines` records, so the user can pick the text and id fields. */
export function listJsonlFields(input: string, sampleLines = 200): JsonlField[] {
  const stats = new Map<string, { count: number; totalLength: number }>();
  const lines = stripBom(input).split('\n').slice(0, sampleLines);

  for (const line of lines) {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) continue;

    for (const [name, value] of Object.entries(record as Record<string, unknown>)) {
      const entry = stats.get(name) ?? { count: 0, totalLength: 0 };
      entry.count += 1;
      if (typeof value === 'string') entry.totalLength += value.length;
      stats.set(name, entry);
    }
  }
  return [...stats.entries()].map(([name, entry]) => ({ name, count: entry.count, meanLength: entry.totalLength / entry.count }));
}

/** Keeps scalar fields as they are and stores arrays and objects as JSON strings. */
function metadataFrom(fields: Record<string, unknown>, textField: string, idField: string): Record<string, MetaValue> {
  const meta: Record<string, MetaValue> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name === textField || name === idField) continue;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') meta[name] = value;
    else meta[name] = JSON.stringify(value);
  }
  return meta;
}

function stripBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}
