import fs from 'node:fs';

import { type DemoClipSplit, type TileClass } from './demo-data';
import { EVALUATION_PASSAGES_PER_CLASS, EVALUATION_SEED } from './demo-clip-config';
import { type PairRecallResult, type TypeMatchResult } from './evaluate-demo-clip';

/** Facts of one training run, written to training-summary.json and into the model card. */
export interface TrainingSummary {
  options: { steps: number; batch: number; lr: number; seed: string; maxMinutes: number };
  split: DemoClipSplit;
  trainTiles: number;
  trainPassages: number;
  trainPassagesByClass: Record<TileClass, number>;
  vocabSize: number;
  /** Steps actually run; fewer than options.steps when the time limit stopped training. */
  steps: number;
  trainingSeconds: number;
  parameterCount: number;
  weightBytes: number;
  finalLogitScale: number;
  /** Type match on one tile per held-out group, the figure the unit test re-measures. */
  sample: TypeMatchResult;
  /** Type match on every tile of the held-out groups against the same passage pool. */
  full: TypeMatchResult;
  recall: PairRecallResult;
}

const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;

/** Writes MODEL_CARD.md for the demo CLIP from a training summary. */
export function writeModelCard(file: string, summary: TrainingSummary): void {
  const { split, sample, full, recall } = summary;
  const stoppedEarly = summary.steps < summary.options.steps;
  const lines = [
    '# Demo CLIP (LC25000 lung tiles x TCGA lung report passages)',
    '',
    'A very small CLIP model in the Hugging Face `CLIPModel` layout, bundled so that the studio\'s CLIP-IT workflow can be tried without downloading a real histology CLIP.',
    '',
    '**It exists to try the workflow. It is not a medical device and must not be used for diagnosis or any clinical decision.**',
    '',
    '## Model',
    '',
    `- Vision tower: ViT, 64 x 64 px input, 16 px patches (4 x 4 grid + class token), width 64, 2 layers, 4 heads, MLP 256, quick_gelu.`,
    `- Text tower: causal transformer, width 64, 2 layers, 4 heads, MLP 256, context 77, vocabulary ${summary.vocabSize}.`,
    `- Projection dimension 64; learned temperature, final exp(logit_scale) = ${summary.finalLogitScale.toFixed(2)}.`,
    `- ${summary.parameterCount.toLocaleString('en-US')} parameters, float32 \`model.safetensors\` of ${(summary.weightBytes / 1e6).toFixed(2)} MB.`,
    '- Tokenizer: byte-level BPE in the CLIP format (`vocab.json`, `merges.txt`, `</w>` word ends, lower-casing, CLIP pre-tokenisation), learned by `src/core/tokenizer-train/bpe-trainer.ts` from the training report passages plus the 4,897 TCGA reports of ten other organ groups. No other project\'s vocabulary is used.',
    '- Preprocessing: bicubic resize of the shorter side to 64 px, centre crop 64, OpenAI CLIP mean and std (`preprocessor_config.json`).',
    '',
    '## Data',
    '',
    '- Images: LC25000 lung subset (Borkowski et al., arXiv:1912.12142), 224 px JPEGs of three classes: adenocarcinoma (`lung_aca`), benign lung (`lung_n`), squamous cell carcinoma (`lung_scc`). LC25000 made each class by rotating and flipping a few hundred original tiles, so tiles are split by group (all augmented copies of one original tile; groups from LC25000-clean) and never one by one.',
    `- Split (\`scripts/demo-clip/demo-clip-groups.json\`, drawn with seed \`${split.seed}\`): in each class half of the groups train the demo CLIP (${split.trainGroups.length} groups, ${summary.trainTiles} tiles) and the other ${split.heldOutGroups.length} groups are held out.`,
    `- Texts: TCGA lung pathology reports (LUAD and LUSC projects) split into sentences of 30 to 200 characters that mention the tumour or the tissue, and the extracted sentences about background (non-neoplastic) lung. The reports and background sentences of ${split.heldOutPatients.length} patients (a quarter, seeded) are held out. Training passages: ${summary.trainPassagesByClass.lung_aca} LUAD, ${summary.trainPassagesByClass.lung_scc} LUSC, ${summary.trainPassagesByClass.lung_n} background lung.`,
    '',
    '## Method',
    '',
    'Weak, class-level pairing: at every step each training tile is paired with a passage drawn at random from the passages of its type (adenocarcinoma with LUAD, squamous with LUSC, benign with background lung). Both towers are trained from random initialisation with the symmetric InfoNCE loss of CLIP (learned temperature, initialised at 1/0.07 and clamped at 100), `src/core/contrastive/contrastive-trainer.ts`.',
    '',
    `- ${summary.steps} steps of batch ${summary.options.batch}, Adam (beta2 0.98, eps 1e-6), peak learning rate ${summary.options.lr} with linear warm-up and cosine decay, gradient norm clipped at 1.`,
    `- Training time: ${(summary.trainingSeconds / 60).toFixed(1)} min on the tfjs wasm backend (Node 20, one thread, on a shared 2-core machine), plus a few minutes of BPE training, JPEG decoding and evaluation.`,
    stoppedEarly ? `- NOTE: the ${summary.options.maxMinutes}-minute limit stopped training at step ${summary.steps} of ${summary.options.steps}, so a rerun on a faster or slower machine gives different weights.` : `- Reproduce: \`node --import tsx scripts/demo-clip/train-demo-clip.ts\` (defaults: seed \`${summary.options.seed}\`, ${summary.options.steps} steps). Every random draw comes from the seed, so the result should depend only on the seed, the split file and the tfjs-backend-wasm version (not yet checked by a second run).`,
    '',
    '## Measured retrieval on held-out data',
    '',
    `Evaluation pool: ${sample.passages} held-out passages, ${sample.passages / 3} of each type (LUAD, LUSC, background lung), drawn with seed \`${EVALUATION_SEED}\` (${EVALUATION_PASSAGES_PER_CLASS} per type requested). Chance level for type match is 33%.`,
    '',
    `- **Type match** (a tile\'s most similar passage in the pool is of the tile\'s own type): **${percent(sample.typeMatch)}** on one tile per held-out group (${sample.tiles} tiles; adenocarcinoma ${percent(sample.perClass.lung_aca)}, benign ${percent(sample.perClass.lung_n)}, squamous ${percent(sample.perClass.lung_scc)}). On all ${full.tiles} tiles of the held-out groups: ${percent(full.typeMatch)}. \`tests/unit/demo-clip/demo-clip.test.ts\` re-measures the first figure and requires at least 60%.`,
    `- **Recall@1 on held-out pairs**: ${recall.pairs} pairs, each a held-out tile with a distinct held-out passage of its type. Image-to-text recall@1 is the fraction of tiles whose own paired passage is the most similar of the ${recall.pairs} paired passages: ${percent(recall.imageToTextAt1)} (recall@5 ${percent(recall.imageToTextAt5)}; text-to-image recall@1 ${percent(recall.textToImageAt1)}). Chance is ${percent(1 / recall.pairs)} at k = 1. Because the pairs are only class-level, a model cannot tell which same-type passage belongs to a tile, so about 3 / ${recall.pairs} = ${percent(3 / recall.pairs)} is the best expected recall@1; type match is the meaningful figure here.`,
    '',
    '## Using it with CLIP-IT',
    '',
    'This CLIP saw extra supervision: it was trained with class-level pairing on labelled LC25000 tiles. CLIP-IT run with it therefore benefits from label information, just as a real histology CLIP brings knowledge from its own pretraining data. **The groups listed under `trainGroups` in `scripts/demo-clip/demo-clip-groups.json` must be excluded from every split the studio suggests for the LC25000 sample data**, or test figures would be inflated by tiles the CLIP was trained on. Report passages of the held-out patients were not used for training or for the vocabulary; all other TCGA lung report passages were.',
    '',
    '## Limits',
    '',
    ...weakClassLines(sample),
    '- 64 px inputs: the model sees colour and coarse texture, not cell-level detail.',
    '- Report passages are noisy OCR text; some sites write in a recognisable style, so the text tower may partly learn the hospital rather than the diagnosis.',
    '- Three classes from one dataset; no claim is made about any other tissue, stain or scanner.',
    '',
  ];
  fs.writeFileSync(file, lines.join('\n'));
}

const CLASS_LABELS: Record<TileClass, string> = {
  lung_aca: 'adenocarcinoma tiles (LUAD passages)',
  lung_n: 'benign tiles (background-lung passages)',
  lung_scc: 'squamous tiles (LUSC passages)',
};

/** Lists the tile types the model matches less often than chance, so the card does not hide them behind the mean. */
function weakClassLines(sample: TypeMatchResult): string[] {
  const weak = (Object.keys(CLASS_LABELS) as TileClass[]).filter((name) => sample.perClass[name] < 1 / 3);
  return weak.map(
    (name) =>
      `- Below chance for ${CLASS_LABELS[name]}: type match ${percent(sample.perClass[name])}. The overall figure comes from the other types; such tiles are matched to passages of another type. More training steps or a wider text tower are the first things to try.`,
  );
}
