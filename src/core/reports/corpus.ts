/**
 * The report corpus: unpaired pathology report texts with their metadata,
 * the problems found while reading them, and helpers the UI uses to filter,
 * summarise and search them.
 */

export type MetaValue = string | number | boolean | null;

export interface Report {
  id: string;
  text: string;
  /** Fields other than id and text, e.g. `organ` or `project_or_label`. */
  meta: Record<string, MetaValue>;
  /** File the report came from. */
  source?: string;
}

/** A row, line or file that could not be used. `line` is 1-based. */
export interface CorpusProblem {
  source?: string;
  line?: number;
  id?: string;
  reason: string;
}

export interface ReportCorpus {
  reports: Report[];
  problems: CorpusProblem[];
  /** Messages about data that was used but may be wrong (encoding fallback, renamed ids). */
  warnings: string[];
}

export function emptyCorpus(): ReportCorpus {
  return { reports: [], problems: [], warnings: [] };
}

/** Concatenates corpora, then makes ids unique across them. */
export function mergeCorpora(...corpora: ReportCorpus[]): ReportCorpus {
  const merged = emptyCorpus();
  for (const corpus of corpora) {
    merged.reports.push(...corpus.reports);
    merged.problems.push(...corpus.problems);
    merged.warnings.push(...corpus.warnings);
  }
  return ensureUniqueIds(merged);
}

/**
 * Renames repeated ids to `id#2`, `id#3`, ... in order of appearance, with one
 * warning per renamed id, because retrieval results are shown by id.
 */
export function ensureUniqueIds(corpus: ReportCorpus): ReportCorpus {
  const seen = new Map<string, number>();
  const used = new Set(corpus.reports.map((report) => report.id));

  for (const report of corpus.reports) {
    const count = (seen.get(report.id) ?? 0) + 1;
    seen.set(report.id, count);
    if (count === 1) continue;

    let suffix = count;
    while (used.has(`${report.id}#${suffix}`)) suffix++;
    const renamed = `${report.id}#${suffix}`;
    used.add(renamed);
    const where = report.source ? ` in ${report.source}` : '';
    corpus.warnings.push(`report id "${report.id}"${where} appears more than once; this copy was renamed "${renamed}"`);
    report.id = renamed;
  }
  return corpus;
}

/** Counts reports per value of a metadata field; reports without the field count under null. */
export function countMetaValues(corpus: ReportCorpus, field: string): Map<MetaValue, number> {
  const counts = new Map<MetaValue, number>();
  for (const report of corpus.reports) {
    const value = field in report.meta ? report.meta[field] : null;
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/** Keeps the reports whose `field` equals one of `values`; problems and warnings are kept as they are. */
export function filterByMeta(corpus: ReportCorpus, field: string, values: readonly MetaValue[]): ReportCorpus {
  const allowed = new Set(values);
  return {
    reports: corpus.reports.filter((report) => allowed.has(field in report.meta ? report.meta[field] : null)),
    problems: corpus.problems,
    warnings: corpus.warnings,
  };
}

/** Whitespace-separated word count, the default token count for reports. */
export function countWords(text: string): number {
  const matches = text.match(/\S+/g);
  return matches === null ? 0 : matches.length;
}

export interface LengthStats {
  unit: 'chars' | 'words';
  count: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  /** Equal-width histogram bins over [min, max]; the last bin includes max. */
  bins: { start: number; end: number; count: number }[];
}

/** Summarises report lengths for a histogram. */
export function lengthStats(corpus: ReportCorpus, unit: 'chars' | 'words' = 'words', binCount = 20): LengthStats {
  const lengths = corpus.reports.map((report) => (unit === 'chars' ? report.text.length : countWords(report.text)));
  lengths.sort((a, b) => a - b);

  const count = lengths.length;
  if (count === 0) return { unit, count, min: 0, max: 0, mean: 0, median: 0, bins: [] };

  const min = lengths[0];
  const max = lengths[count - 1];
  const mean = lengths.reduce((sum, value) => sum + value, 0) / count;
  const middle = Math.floor(count / 2);
  const median = count % 2 === 1 ? lengths[middle] : (lengths[middle - 1] + lengths[middle]) / 2;

  const width = Math.max(1, Math.ceil((max - min + 1) / binCount));
  const bins: LengthStats['bins'] = [];
  for (let start = min; start <= max; start += width) bins.push({ start, end: start + width, count: 0 });
  for (const value of lengths) bins[Math.min(bins.length - 1, Math.floor((value - min) / width))].count += 1;

  return { unit, count, min, max, mean, median, bins };
}

export interface SearchHit {
  reportId: string;
  /** Character offset of the first matched term in the report text. */
  position: number;
  /** Text around the match, about 60 characters each side. */
  snippet: string;
}

/**
 * Finds reports that contain every whitespace-separated term of `query`,
 * case-insensitively, in corpus order.
 */
export function searchReports(corpus: ReportCorpus, query: string, limit = 50): SearchHit[] {
  const terms = query.toLowerCase().split(/\s+/).filter((term) => term.length > 0);
  if (terms.length === 0) return [];

  const hits: SearchHit[] = [];
  for (const report of corpus.reports) {
    const lower = report.text.toLowerCase();
    const positions = terms.map((term) => lower.indexOf(term));
    if (positions.some((position) => position < 0)) continue;

    const position = positions[0];
    const start = Math.max(0, position - 60);
    const end = Math.min(report.text.length, position + terms[0].length + 60);
    hits.push({ reportId: report.id, position, snippet: report.text.slice(start, end).replace(/\s+/g, ' ') });
    if (hits.length >= limit) break;
  }
  return hits;
}

/**
 * Counts the reports longer than the text model's context and returns a
 * message stating that only their first `contextTokens` tokens are read
 * unless the reports are split into passages.
 */
export function describeContextTruncation(
  corpus: ReportCorpus,
  contextTokens: number,
  countTokens: (text: string) => number = countWords,
): { overContext: number; total: number; message: string } {
  const overContext = corpus.reports.filter((report) => countTokens(report.text) > contextTokens).length;
  const total = corpus.reports.length;
  const message =
    overContext === 0
      ? `all ${total} reports fit in the text model's context of ${contextTokens} tokens`
      : `${overContext} of ${total} reports are longer than the text model's context of ${contextTokens} tokens; ` +
        'only the start of each is read unless the reports are split into passages';
  return { overContext, total, message };
}
