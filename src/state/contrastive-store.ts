import * as Comlink from 'comlink';
import { create } from 'zustand';

import type { EmbedProgress } from '../clip-protocol';
import type { ContrastiveResult } from '../contrastive-protocol';
import { type ContrastiveEpochEvent, type ContrastiveRunSettings, type ContrastiveStepEvent, DEFAULT_CONTRASTIVE_SETTINGS } from '../core/contrastive/contrastive-run';
import { type PairingSpec, promptTextsByClass } from '../core/contrastive/pair-plan';
import { parseCsv } from '../core/reports/csv-parse';
import { useClipStore } from './clip-store';
import { useDatasetStore } from './dataset-store';
import { useReportsStore } from './reports-store';
import { getTrainingWorker } from './workers';
import { useZeroShotStore } from './zero-shot-store';

/**
 * Source of the training texts. `prompts`: each image with the prompt templates of its class.
 * `reports`: each image with reports of its class, chosen by a metadata value per class.
 * `csv`: one text per image from an image,text table.
 */
export type PairSourceKind = 'prompts' | 'reports' | 'csv';

export interface PairCsv {
  name: string;
  /** Text per image path as written in the CSV. */
  textByPath: Map<string, string>;
}

interface ContrastiveState {
  settings: ContrastiveRunSettings;
  source: PairSourceKind;
  heldOutFraction: number;
  /** Metadata field that selects each class's reports, and the value per class folder name. */
  reportField: string;
  reportValues: Record<string, string>;
  csv: PairCsv | null;
  running: boolean;
  paused: boolean;
  decode: EmbedProgress | null;
  steps: ContrastiveStepEvent[];
  epochs: ContrastiveEpochEvent[];
  result: ContrastiveResult | null;
  error: string | null;
  /** True while the loaded CLIP is a fine-tuned one that can be switched back. */
  canRestore: boolean;
  /** True when the loaded CLIP was fine-tuned on class prompts: its zero-shot row is the "Contrastive" baseline. */
  fineTunedOnPrompts: boolean;

  setSettings(patch: Partial<ContrastiveRunSettings>): void;
  setSource(source: PairSourceKind): void;
  setHeldOutFraction(value: number): void;
  setReportField(field: string): void;
  setReportValue(className: string, value: string): void;
  loadCsv(file: File): Promise<void>;
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): void;
  restoreOriginal(): Promise<void>;
}

export const useContrastiveStore = create<ContrastiveState>((set, get) => ({
  settings: DEFAULT_CONTRASTIVE_SETTINGS,
  source: 'prompts',
  heldOutFraction: 0.2,
  reportField: '',
  reportValues: {},
  csv: null,
  running: false,
  paused: false,
  decode: null,
  steps: [],
  epochs: [],
  result: null,
  error: null,
  canRestore: false,
  fineTunedOnPrompts: false,

  setSettings(patch) {
    set({ settings: { ...get().settings, ...patch } });
  },

  setSource(source) {
    set({ source, error: null });
  },

  setHeldOutFraction(value) {
    set({ heldOutFraction: value });
  },

  setReportField(field) {
    set({ reportField: field, reportValues: {} });
  },

  setReportValue(className, value) {
    set({ reportValues: { ...get().reportValues, [className]: value } });
  },

  async loadCsv(file) {
    const table = parseCsv(await file.text());
    const imageColumn = ['image', 'path', 'filename', 'file'].findIndex((name) => table.header.includes(name));
    const textColumn = ['text', 'caption', 'report'].findIndex((name) => table.header.includes(name));
    if (imageColumn < 0 || textColumn < 0) {
      return set({ error: `${file.name}: expected an image column (image, path or filename) and a text column (text or caption); found ${table.header.join(', ')}.` });
    }
    const imageIndex = table.header.indexOf(['image', 'path', 'filename', 'file'][imageColumn]);
    const textIndex = table.header.indexOf(['text', 'caption', 'report'][textColumn]);
    const textByPath = new Map(table.rows.map((row) => [row.cells[imageIndex]?.trim() ?? '', row.cells[textIndex] ?? '']));
    set({ csv: { name: file.name, textByPath }, source: 'csv', error: null });
  },

  async start() {
    if (get().running) return;
    const dataset = useDatasetStore.getState();
    const clip = useClipStore.getState();
    if (!clip.summary) return set({ error: 'Load a CLIP first.' });
    if (!clip.summary.hasTokenizer) return set({ error: 'The loaded CLIP has no tokenizer (vocab.json + merges.txt or tokenizer.json); contrastive training needs one.' });
    if (dataset.images.length === 0) return set({ error: 'Import images first.' });

    let pairing: PairingSpec;
    try {
      pairing = buildPairing(get());
    } catch (error) {
      return set({ error: error instanceof Error ? error.message : String(error) });
    }

    // Test images stay out of the pairs, so a CLIP fine-tuned here and then evaluated zero-shot on
    // the test split (the "Contrastive" baseline) has never seen them. Images the split leaves out
    // (e.g. the demo CLIP's training groups) stay out too.
    const assignment = dataset.split?.assignment;
    const leftOut = (row: number) => assignment !== undefined && (assignment[row] === null || assignment[row] === 'test');
    pairing =
      pairing.kind === 'list'
        ? { kind: 'list', texts: pairing.texts.map((text, row) => (leftOut(row) ? null : text)) }
        : { ...pairing, labels: pairing.labels.map((label, row) => (leftOut(row) ? -1 : label)) };
    const groups = dataset.groups ? dataset.images.map((image) => dataset.groups!.byPath.get(image.path)) : null;

    set({ running: true, paused: false, steps: [], epochs: [], result: null, error: null, decode: null });
    try {
      const result = await getTrainingWorker().trainContrastive(
        { runId: `contrastive-${Date.now().toString(36)}`, images: dataset.images.map((image) => ({ path: image.path, file: image.file })), pairing, groups, heldOutFraction: get().heldOutFraction, settings: get().settings },
        Comlink.proxy({
          onDecode: (progress: EmbedProgress) => set({ decode: progress }),
          onStep: (event: ContrastiveStepEvent) => set({ decode: null, steps: [...get().steps, event] }),
          onEpoch: (event: ContrastiveEpochEvent) => set({ epochs: [...get().epochs, event] }),
        }),
      );
      set({ result, error: result.status === 'failed' ? (result.message ?? 'Contrastive training failed.') : null });
      if (result.summary) {
        const name = `${clip.name ?? 'CLIP'} (fine-tuned)`;
        useClipStore.setState({ name: clip.name?.endsWith('(fine-tuned)') ? clip.name : name, summary: result.summary, retrieval: null, textEmbeddings: null });
        set({ canRestore: true, fineTunedOnPrompts: get().source === 'prompts' });
      }
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
    } finally {
      set({ running: false, paused: false, decode: null });
    }
  },

  pause() {
    void getTrainingWorker().pauseContrastive();
    set({ paused: true });
  },

  resume() {
    void getTrainingWorker().resumeContrastive();
    set({ paused: false });
  },

  stop() {
    void getTrainingWorker().stopContrastive();
  },

  async restoreOriginal() {
    try {
      const summary = await getTrainingWorker().restoreOriginalClip();
      if (!summary) return set({ canRestore: false, error: 'There is no original CLIP to switch back to: another CLIP was loaded since the fine-tuning.' });
      const name = useClipStore.getState().name?.replace(/ \(fine-tuned\)$/, '') ?? 'CLIP';
      useClipStore.setState({ name, summary, retrieval: null, textEmbeddings: null });
      set({ canRestore: false, fineTunedOnPrompts: false });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error) });
    }
  },
}));

/** Builds the pairing of the chosen source over all dataset images. Throws with a message the panel shows. */
function buildPairing(state: ContrastiveState): PairingSpec {
  const dataset = useDatasetStore.getState();
  const labels = dataset.images.map((image) => image.label);

  if (state.source === 'csv') {
    if (!state.csv) throw new Error('Choose an image,text CSV first.');
    const csv = state.csv;
    const texts = dataset.images.map((image) => csv.textByPath.get(image.path) ?? csv.textByPath.get(stripRoot(image.path)) ?? csv.textByPath.get(baseName(image.path)) ?? null);
    const matched = texts.filter((text) => text !== null).length;
    if (matched === 0) throw new Error(`${csv.name}: no row names an imported image. Write paths relative to the image folder (e.g. lung_aca/tile1.jpeg) or bare file names.`);
    return { kind: 'list', texts };
  }
  return { kind: 'class', labels, textsByClass: classTexts(state) };
}

/** Texts of each class in label order: prompts, or the reports whose metadata value was chosen for it. */
function classTexts(state: ContrastiveState): string[][] {
  const classNames = useDatasetStore.getState().classNames;
  if (state.source === 'prompts') {
    return promptTextsByClass(useZeroShotStore.getState().promptNames(), useZeroShotStore.getState().templatesText.split('\n').map((line) => line.trim()).filter(Boolean));
  }

  if (!state.reportField) throw new Error('Choose the report metadata field that tells the classes apart (e.g. project_or_label).');
  const reports = useReportsStore.getState().reports;
  return classNames.map((className) => {
    const value = state.reportValues[className];
    if (value === undefined || value === '') throw new Error(`Choose the ${state.reportField} value whose reports describe class "${className}".`);
    const texts = reports.filter((report) => String(report.meta[state.reportField]) === value).map((report) => report.text);
    if (texts.length === 0) throw new Error(`No report has ${state.reportField} = "${value}" (class "${className}"). Pick another value or load more reports.`);
    return texts;
  });
}

function stripRoot(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
