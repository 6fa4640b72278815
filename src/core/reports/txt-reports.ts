/**
 * Plain-text reports: each .txt file is one report whose id is the file name.
 */

import { isHiddenOrSystemPath } from '../ingest/file-filter';
import { emptyCorpus, ensureUniqueIds, type ReportCorpus } from './corpus';
import { decodeText } from './text-decode';

/**
 * Reports longer than this many characters get a warning: a text model reads
 * at most a few hundred tokens, so such a report should be split into passages.
 */
export const VERY_LONG_REPORT_CHARS = 100_000;

export interface TextFile {
  /** Path relative to the dropped folder, or the bare file name. */
  path: string;
  bytes: Uint8Array;
}

/**
 * Reads .txt files into a corpus. Hidden files are skipped silently; other
 * extensions and empty files are reported as problems.
 */
export function reportsFromTextFiles(files: readonly TextFile[]): ReportCorpus {
  const corpus = emptyCorpus();

  for (const file of files) {
    if (isHiddenOrSystemPath(file.path)) continue;

    const name = file.path.slice(file.path.replace(/\\/g, '/').lastIndexOf('/') + 1);
    if (!name.toLowerCase().endsWith('.txt')) {
      corpus.problems.push({ source: file.path, reason: 'not a .txt file; load CSV and JSONL files through their own importers' });
      continue;
    }

    const decoded = decodeText(file.bytes, file.path);
    if (decoded.warning !== undefined) corpus.warnings.push(decoded.warning);

    const text = decoded.text;
    if (text.trim() === '') {
      corpus.problems.push({ source: file.path, id: name, reason: 'empty text' });
      continue;
    }
    if (text.length > VERY_LONG_REPORT_CHARS) {
      corpus.warnings.push(
        `${file.path}: ${text.length.toLocaleString('en-US')} characters in one report; the text model reads only its start ` +
          'unless the report is split into passages',
      );
    }
    corpus.reports.push({ id: name, text, meta: { encoding: decoded.encoding }, source: file.path });
  }
  return ensureUniqueIds(corpus);
}
