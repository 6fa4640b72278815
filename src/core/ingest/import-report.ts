/**
 * The import report: files that cannot be used (with a plain reason), warnings
 * about files that were used, and a CSV export for the user's records.
 */

import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MIN_IMAGE_SIDE } from './image-limits';

/** Reason a file was skipped, shown to users as written. */
export type ImportReason =
  | 'empty file'
  | 'not a decodable image'
  | 'truncated'
  | 'dimensions over the limit'
  | 'unsupported encoding'
  | 'whole-slide image'
  | 'too small'
  | 'not an image file';

/** One line of explanation per reason, for a legend next to the list. */
export const REASON_HELP: Record<ImportReason, string> = {
  'empty file': 'The file is 0 bytes long.',
  'not a decodable image': 'The bytes are not a PNG, JPEG, TIFF, BMP, WebP or GIF image, or the image data is damaged.',
  truncated: 'The file ends before the image data does, usually an interrupted copy or download.',
  'dimensions over the limit': `Images may be at most ${MAX_IMAGE_SIDE} px per side and ${MAX_IMAGE_PIXELS / 1e6} megapixels.`,
  'unsupported encoding': 'The format is recognised but this variant cannot be decoded here; re-save it as 8-bit RGB PNG or JPEG.',
  'whole-slide image': 'Whole slides must be cut into tiles (for example 224x224 px) before import.',
  'too small': `Images smaller than ${MIN_IMAGE_SIDE}x${MIN_IMAGE_SIDE} px are skipped.`,
  'not an image file': 'The file extension is not an image type, so the file was not read.',
};

export interface ImportProblem {
  path: string;
  reason: ImportReason;
  /** Specific explanation for this file, e.g. the declared size and the limit. */
  detail: string;
}

export interface ImportWarning {
  path: string;
  message: string;
}

export interface ImportReport {
  problems: ImportProblem[];
  warnings: ImportWarning[];
  /** Number of files imported without a problem (warnings allowed). */
  importedCount: number;
}

export function createImportReport(): ImportReport {
  return { problems: [], warnings: [], importedCount: 0 };
}

/** Counts problems by reason, for a summary line such as "3 truncated, 1 empty file". */
export function countProblemsByReason(report: ImportReport): Map<ImportReason, number> {
  const counts = new Map<ImportReason, number>();
  for (const problem of report.problems) {
    counts.set(problem.reason, (counts.get(problem.reason) ?? 0) + 1);
  }
  return counts;
}

/**
 * Exports the problems as CSV with columns `path,reason`, where reason is the
 * reason followed by its detail. Quoting follows RFC 4180 and lines end in CRLF.
 */
export function importProblemsToCsv(problems: readonly ImportProblem[]): string {
  const lines = ['path,reason'];
  for (const problem of problems) {
    lines.push(`${csvField(problem.path)},${csvField(`${problem.reason}: ${problem.detail}`)}`);
  }
  return lines.join('\r\n') + '\r\n';
}

/** Quotes a field that contains a comma, quote, CR or LF, doubling inner quotes (RFC 4180 section 2). */
export function csvField(value: string): string {
  if (!/[",\r\n]/.test(value)) return value;
  return `"${value.replace(/"/g, '""')}"`;
}

/** Adds one decode outcome to the report: a problem, or an imported file with its warnings. */
export function addDecodeResult(
  report: ImportReport,
  result: { ok: true; path: string; warnings: string[] } | { ok: false; path: string; reason: ImportReason; detail: string },
): void {
  if (!result.ok) {
    report.problems.push({ path: result.path, reason: result.reason, detail: result.detail });
    return;
  }
  report.importedCount += 1;
  for (const message of result.warnings) {
    report.warnings.push({ path: result.path, message });
  }
}
