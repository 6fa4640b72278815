import { create } from 'zustand';

import { isHiddenOrSystemPath } from '../core/ingest/file-filter';
import { emptyCorpus, mergeCorpora, type MetaValue, type Report, type ReportCorpus } from '../core/reports/corpus';
import { splitReportsIntoPassages, type PassageOptions } from '../core/reports/passages';
import { cleanReportText } from '../core/reports/report-clean';
import { loadReportFile, reportFileKind, type ReportFileKind } from '../core/reports/report-file';
import { reportsFromTextFiles } from '../core/reports/txt-reports';
import { filePath } from './dataset-store';

/** One loaded report file (CSV, TSV, JSONL) or all .txt files of one load, kept as bytes so fields can be re-chosen. */
export interface ReportSource {
  name: string;
  kind: ReportFileKind;
  /** Raw bytes per file, with one entry per report file for a .txt source. */
  files: { path: string; bytes: Uint8Array }[];
  /** Columns (CSV) or fields (JSONL) the user can pick from; empty for .txt. */
  fields: string[];
  textField: string | null;
  idField: string | null;
  corpus: ReportCorpus;
}

export interface PassageSettings {
  enabled: boolean;
  mode: PassageOptions['mode'];
  /** Maximum whitespace-separated words per passage. */
  maxTokens: number;
}

export interface MetaFilter {
  field: string;
  values: MetaValue[];
}

/** One text for retrieval: a whole report, or one passage of it. */
export interface CorpusText {
  id: string;
  reportId: string;
  text: string;
}

interface ReportsState {
  sources: ReportSource[];
  /** All sources merged with unique ids, before cleaning and filtering. */
  corpus: ReportCorpus;
  cleaning: boolean;
  passages: PassageSettings;
  filter: MetaFilter | null;
  /** Reports after the metadata filter and, when on, cleaning: what retrieval uses. */
  reports: Report[];
  /** Ids of reports that cleaning left empty (only junk and placeholders), so they were dropped. */
  emptiedByCleaning: string[];
  loading: boolean;
  error: string | null;

  loadFiles(files: File[]): Promise<void>;
  /** Re-reads one CSV/JSONL source with other fields; a null id field lets the loader guess one. */
  setFields(sourceIndex: number, textField: string, idField: string | null): void;
  removeSource(sourceIndex: number): void;
  clear(): void;
  setCleaning(enabled: boolean): void;
  setPassages(settings: PassageSettings): void;
  setFilter(filter: MetaFilter | null): void;
  /** Final texts for retrieval: passages when splitting is on, else whole reports; ids are unique. */
  corpusTexts(): CorpusText[];
}

/**
 * Default passage budget in words. OpenAI-style CLIP text encoders read 77
 * BPE tokens; a word is often more than one token, so 60 words is a margin.
 * NOTE: an estimate; inject the model's tokenizer for an exact budget.
 */
export const DEFAULT_PASSAGE_WORDS = 60;

export const useReportsStore = create<ReportsState>((set, get) => ({
  sources: [],
  corpus: emptyCorpus(),
  cleaning: true,
  passages: { enabled: false, mode: 'sentence', maxTokens: DEFAULT_PASSAGE_WORDS },
  filter: null,
  reports: [],
  emptiedByCleaning: [],
  loading: false,
  error: null,

  async loadFiles(files) {
    set({ loading: true, error: null });
    try {
      const added = await readSources(files);
      if (added.length === 0) {
        set({ loading: false, error: 'No report files found (.txt, .csv, .tsv, .jsonl or .ndjson); the loaded reports were kept.' });
        return;
      }
      set({ sources: [...get().sources, ...added], loading: false });
      recompute();
    } catch (error) {
      set({ loading: false, error: `Reading the report files failed: ${error instanceof Error ? error.message : String(error)}. The loaded reports were kept.` });
    }
  },

  setFields(sourceIndex, textField, idField) {
    const sources = [...get().sources];
    const source = sources[sourceIndex];
    if (!source || source.kind === 'txt') return;

    const file = source.files[0];
    const loaded = loadReportFile(file.bytes, file.path, { textField, idField: idField ?? undefined });
    sources[sourceIndex] = { ...source, textField: loaded.textField, idField: loaded.idField, corpus: loaded.corpus };
    set({ sources });
    recompute();
  },

  removeSource(sourceIndex) {
    set({ sources: get().sources.filter((_, index) => index !== sourceIndex) });
    recompute();
  },

  clear() {
    set({ sources: [], filter: null });
    recompute();
  },

  setCleaning(enabled) {
    set({ cleaning: enabled });
    recompute();
  },

  setPassages(settings) {
    if (!(settings.maxTokens >= 1)) throw new RangeError(`Invalid passage budget ${settings.maxTokens}: expected at least 1 word.`);
    set({ passages: settings });
  },

  setFilter(filter) {
    set({ filter });
    recompute();
  },

  corpusTexts() {
    const { reports, passages } = get();
    if (!passages.enabled) return reports.map((report) => ({ id: report.id, reportId: report.id, text: report.text }));

    return splitReportsIntoPassages(reports, { mode: passages.mode, maxTokens: passages.maxTokens }).map((passage) => ({
      id: `${passage.reportId}#p${passage.index + 1}`,
      reportId: passage.reportId,
      text: passage.text,
    }));
  },
}));

/** Sorts dropped files by kind: each CSV/TSV/JSONL file is one source, all .txt files of one load form another. */
async function readSources(files: File[]): Promise<ReportSource[]> {
  const sources: ReportSource[] = [];
  const textFiles: { path: string; bytes: Uint8Array }[] = [];
  const unsupported: string[] = [];

  for (const file of files) {
    const path = filePath(file);
    if (isHiddenOrSystemPath(path)) continue;

    const kind = reportFileKind(path);
    if (kind === null) {
      unsupported.push(path);
      continue;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (kind === 'txt') {
      textFiles.push({ path, bytes });
      continue;
    }

    const loaded = loadReportFile(bytes, path);
    sources.push({ name: path, kind, files: [{ path, bytes }], fields: loaded.fields, textField: loaded.textField, idField: loaded.idField, corpus: loaded.corpus });
  }

  if (textFiles.length > 0) {
    const name = textFiles.length === 1 ? textFiles[0].path : `${textFiles.length} .txt files`;
    sources.push({ name, kind: 'txt', files: textFiles, fields: [], textField: null, idField: null, corpus: reportsFromTextFiles(textFiles) });
  }

  if (unsupported.length > 0 && sources.length > 0) {
    const corpus = sources[0].corpus;
    for (const path of unsupported) corpus.problems.push({ source: path, reason: 'not a report file; use .txt, .csv, .tsv, .jsonl or .ndjson' });
  }
  return sources;
}

function recompute(): void {
  const { sources, cleaning, filter } = useReportsStore.getState();

  // Copies, because mergeCorpora renames repeated ids in place and the sources must stay as loaded.
  const corpus = mergeCorpora(
    ...sources.map((source) => ({
      reports: source.corpus.reports.map((report) => ({ ...report })),
      problems: source.corpus.problems,
      warnings: source.corpus.warnings,
    })),
  );

  let reports = corpus.reports;
  if (filter) {
    const allowed = new Set(filter.values);
    reports = reports.filter((report) => allowed.has(filter.field in report.meta ? report.meta[filter.field] : null));
  }
  const emptiedByCleaning: string[] = [];
  if (cleaning) {
    const cleaned = reports.map((report) => ({ ...report, text: cleanReportText(report.text).text }));
    reports = [];
    for (const report of cleaned) {
      if (report.text.trim() === '') emptiedByCleaning.push(report.id);
      else reports.push(report);
    }
  }
  useReportsStore.setState({ corpus, reports, emptiedByCleaning });
}

/**
 * Metadata fields worth filtering by: present in the corpus with 2 to 50
 * distinct values, so ids and free text do not show up as filters.
 */
export function filterableFields(reports: readonly Report[]): string[] {
  const distinct = new Map<string, Set<MetaValue>>();
  for (const report of reports) {
    for (const [name, value] of Object.entries(report.meta)) {
      const values = distinct.get(name) ?? new Set<MetaValue>();
      if (values.size <= 50) values.add(value);
      distinct.set(name, values);
    }
  }
  return [...distinct.entries()]
    .filter(([, values]) => values.size >= 2 && values.size <= 50)
    .map(([name]) => name)
    .sort();
}
