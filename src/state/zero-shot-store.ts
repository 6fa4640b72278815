import * as Comlink from 'comlink';
import { create } from 'zustand';

import type { EmbedProgress } from '../clip-protocol';
import { DEFAULT_PROMPT_TEMPLATES } from '../core/contrastive/zero-shot';
import { type ClassificationMetrics, classificationMetrics } from '../core/eval/classification-metrics';
import { useClipStore } from './clip-store';
import { useDatasetStore } from './dataset-store';
import { getTrainingWorker } from './workers';

/** Readable names for class folder names, used in prompts ("lung_aca" reads badly in "an H&E image of lung_aca"). */
const KNOWN_CLASS_NAMES: Record<string, string> = {
  lung_aca: 'lung adenocarcinoma',
  lung_n: 'benign lung tissue',
  lung_scc: 'lung squamous cell carcinoma',
};

/** One zero-shot evaluation on the test split. */
export interface ZeroShotRow {
  /** "Zero-shot", or "Contrastive" when the CLIP was fine-tuned on class prompts in this session. */
  label: string;
  clipName: string;
  metrics: ClassificationMetrics;
  templates: string[];
  classNames: string[];
  testImages: number;
}

interface ZeroShotState {
  templatesText: string;
  /** Prompt name per class folder name; a missing entry uses the default for that class. */
  classNames: Record<string, string>;
  running: boolean;
  progress: { done: number; total: number; startedAt: number } | null;
  error: string | null;
  rows: ZeroShotRow[];

  setTemplatesText(text: string): void;
  setClassName(folderName: string, promptName: string): void;
  /** Prompt names in label order, from the edits or the defaults. */
  promptNames(): string[];
  /** Classifies the test split with the loaded CLIP; `label` names the row in the comparison. */
  run(label?: string): Promise<void>;
  clearRows(): void;
}

export const useZeroShotStore = create<ZeroShotState>((set, get) => ({
  templatesText: DEFAULT_PROMPT_TEMPLATES.join('\n'),
  classNames: {},
  running: false,
  progress: null,
  error: null,
  rows: [],

  setTemplatesText(text) {
    set({ templatesText: text });
  },

  setClassName(folderName, promptName) {
    set({ classNames: { ...get().classNames, [folderName]: promptName } });
  },

  promptNames() {
    const edits = get().classNames;
    return useDatasetStore.getState().classNames.map((name) => edits[name] ?? defaultPromptName(name));
  },

  async run(label = 'Zero-shot') {
    if (get().running) return;
    const dataset = useDatasetStore.getState();
    const clip = useClipStore.getState();
    const templates = get()
      .templatesText.split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);

    if (!clip.summary) return set({ error: 'Load a CLIP first.' });
    if (!clip.summary.hasTokenizer) return set({ error: 'The loaded CLIP has no tokenizer (vocab.json + merges.txt or tokenizer.json); zero-shot needs one.' });
    if (!dataset.split || dataset.split.indices.test.length === 0) return set({ error: 'The test split is empty: import images and check the split first.' });
    const unfilled = templates.find((template) => !template.includes('{class}'));
    if (templates.length === 0 || unfilled !== undefined) {
      return set({ error: templates.length === 0 ? 'Add at least one prompt template, e.g. "an H&E image of {class}."' : `Template "${unfilled}" has no {class} placeholder; add it where the class name goes.` });
    }

    const testRows = dataset.split.indices.test;
    const classNames = get().promptNames();
    set({ running: true, error: null, progress: { done: 0, total: testRows.length, startedAt: performance.now() } });
    try {
      const worker = getTrainingWorker();
      const embedded = await worker.embedImageFiles(
        testRows.map((row) => ({ path: dataset.images[row].path, file: dataset.images[row].file })),
        Comlink.proxy((p: EmbedProgress) => set({ progress: { ...get().progress!, done: p.done, total: p.total } })),
      );
      if (embedded.failed.length > 0) throw new Error(`${embedded.failed.length} test image(s) could not be embedded, first: ${embedded.failed[0].path} (${embedded.failed[0].detail}).`);

      const predictions = await worker.zeroShotClassify({ classNames, templates, imageEmbeds: { values: embedded.values, rows: embedded.rows, dims: embedded.dims } });
      const trueLabels = testRows.map((row) => dataset.images[row].label);
      const row: ZeroShotRow = {
        label,
        clipName: clip.name ?? 'CLIP',
        metrics: classificationMetrics(trueLabels, Array.from(predictions), dataset.classNames.length),
        templates,
        classNames,
        testImages: testRows.length,
      };
      set({ rows: [...get().rows.filter((existing) => existing.label !== label), row] });
    } catch (error) {
      set({ error: `Zero-shot failed: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      set({ running: false, progress: null });
    }
  },

  clearRows() {
    set({ rows: [] });
  },
}));

/** Readable prompt name of a class folder: a known LC25000 name, else the folder name with _ and - as spaces. */
export function defaultPromptName(folderName: string): string {
  return KNOWN_CLASS_NAMES[folderName] ?? folderName.replace(/[_-]+/g, ' ').trim();
}
