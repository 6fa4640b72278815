import { isAugmentActive } from '../augment/batch-augmenter';
import { type ClipModel } from '../clip/clip-model';
import { embedTextBatches } from '../clip/embed-text-batches';
import { ClipLora, type ClipLoraOptions, DEFAULT_CLIP_LORA_OPTIONS } from '../lora/clip-lora';
import { SeededRng } from '../rng';
import type { BatchSource, TrainSplit } from '../train/classifier-trainer';
import type { RunControl } from '../train/run-control';
import type { SmallCnnConfig } from '../train/small-cnn';
import { ClipVisionBackbone } from './clip-vision-backbone';
import { ClipItModel } from './clipit-model';
import type { ClipItMode, ClipItTrainConfig } from './clipit-train-config';
import { ClipItTrainer } from './clipit-trainer';
import { CnnBackbone } from './cnn-backbone';
import { MlpBackbone } from './mlp-backbone';
import { VitBackbone } from './vit-backbone';
import type { VitModel } from '../vit/vit-model';
import { type TextClassifierEpoch, type TextClassifierRun, trainTextClassifier } from './text-classifier';
import { ClipLoraTextTargets, PrecomputedTextTargets, type ReportPairing, type TextTargets } from './text-targets';
import type { VisionBackbone } from './vision-backbone';

/** Vision backbone choice; `clip-vision` uses the run's CLIP model. */
export type BackboneSpec =
  | { kind: 'small-cnn'; cnn: Omit<SmallCnnConfig, 'numClasses'> }
  | { kind: 'mlp'; inputShape: [number, number, number]; hiddenSizes: number[] }
  | { kind: 'clip-vision' }
  /** A pretrained ViT, frozen; LoRA on its attention projections when the vision tower is adapted. */
  | { kind: 'vit'; vit: VitModel; inputSize: number };

export interface ClipItRunSpec {
  mode: ClipItMode;
  backbone: BackboneSpec;
  numClasses: number;
  /** NHWC [0, 1] batches for small-cnn and mlp; preprocessed NCHW pixel values for clip-vision. */
  images: BatchSource;
  labels: Int32Array;
  split: TrainSplit;
  config: ClipItTrainConfig;
  /** Required for the clip-vision backbone and for CLIP-IT mode (text embeddings, text LoRA). */
  clip?: ClipModel;
  /** Required in CLIP-IT mode: tokenised reports and the paired report of each image. */
  pairing?: ReportPairing;
  /** Frozen report embeddings [reports, projection_dim], when already computed (retrieval computes them). */
  reportEmbeddings?: Float32Array;
  /** LoRA settings; default rank 16, alpha 8, dropout 0 on every linear layer of both towers. */
  lora?: ClipLoraOptions;
  /** Adds vision LoRA to a clip-vision baseline; the method's baseline keeps the backbone frozen. */
  adaptBaselineBackbone?: boolean;
  /** Stage-1 model to start CLIP-IT from (its backbone and vision head are copied). */
  baseline?: ClipItModel;
}

/** A prepared run: call `trainer.run(callbacks)`, then export `model`, then `dispose()`. */
export interface ClipItRun {
  model: ClipItModel;
  trainer: ClipItTrainer;
  lora: ClipLora | undefined;
  text: TextTargets | undefined;
  /** Frees the trainer, text targets, model and adapters (not the CLIP model). */
  dispose(): void;
}

/**
 * Builds the model, adapters, text targets and trainer for a baseline (`unimodal`) or CLIP-IT
 * run. With text LoRA off, the frozen text tower embeds the reports once, unless
 * `reportEmbeddings` already contains them. With text LoRA on, the adapters re-embed them at every step.
 */
export async function createClipItRun(spec: ClipItRunSpec): Promise<ClipItRun> {
  const rng = new SeededRng(spec.config.seed).fork('clipit-run');
  const loraOptions = spec.lora ?? DEFAULT_CLIP_LORA_OPTIONS;
  const isClipBackbone = spec.backbone.kind === 'clip-vision';
  const visionLora = isClipBackbone && loraOptions.vision && (spec.mode === 'clipit' || spec.adaptBaselineBackbone === true);
  const textLora = spec.mode === 'clipit' && loraOptions.text;

  if ((isClipBackbone || spec.mode === 'clipit') && !spec.clip) {
    throw new Error('This run needs a CLIP model (for the clip-vision backbone or the report embeddings). Load one with loadClipFromFiles.');
  }
  if (isClipBackbone && spec.config.augment && isAugmentActive(spec.config.augment)) {
    throw new Error('Augmentation works on NHWC tiles in [0, 1], but the clip-vision backbone takes preprocessed CLIP pixels: switch augmentation off for this backbone.');
  }
  if (spec.mode === 'clipit' && !spec.pairing) {
    throw new Error('CLIP-IT needs the image-to-report pairing: pass `pairing` with the tokenised reports and the top-1 report per image.');
  }

  const lora = visionLora || textLora ? new ClipLora(spec.clip!, { ...loraOptions, vision: visionLora, text: textLora }, rng) : undefined;
  // A unimodal run without CLIP never uses P and fc0; width 1 keeps those unused heads small.
  const projectionDim = spec.clip?.config.projectionDim ?? 1;
  const backbone = buildBackbone(spec, lora, rng);
  const model = new ClipItModel(backbone, { numClasses: spec.numClasses, projectionDim }, rng);
  if (spec.baseline) model.initialiseFromBaseline(spec.baseline);

  let text: TextTargets | undefined;
  if (spec.mode === 'clipit') {
    text = textLora ? new ClipLoraTextTargets(lora!, spec.pairing!) : await precomputedTargets(spec.clip!, spec.pairing!, spec.reportEmbeddings);
  }

  const trainer = new ClipItTrainer({ model, mode: spec.mode, images: spec.images, labels: spec.labels, split: spec.split, text, config: spec.config });
  return {
    model,
    trainer,
    lora,
    text,
    dispose: () => {
      trainer.dispose();
      text?.dispose();
      model.dispose();
      lora?.dispose();
    },
  };
}

export interface TextClassifierRunSpec {
  clip: ClipModel;
  pairing: ReportPairing;
  reportEmbeddings?: Float32Array;
  labels: Int32Array;
  numClasses: number;
  split: TrainSplit;
  config: ClipItTrainConfig;
  onEpoch?(progress: TextClassifierEpoch): void;
  control?: RunControl;
}

/** Stage 2: trains the text classifier on the frozen embedding of each image's paired report. */
export async function runTextClassifier(spec: TextClassifierRunSpec): Promise<TextClassifierRun> {
  const dim = spec.clip.config.projectionDim;
  const reports = spec.reportEmbeddings ?? (await embedTextBatches(spec.clip, spec.pairing.reportTokenIds));
  const perImage = new Float32Array(spec.labels.length * dim);
  spec.pairing.pairedReport.forEach((report, image) => perImage.set(reports.subarray(report * dim, (report + 1) * dim), image * dim));
  return trainTextClassifier(perImage, dim, spec.labels, spec.numClasses, spec.split, spec.config, { onEpoch: spec.onEpoch }, spec.control);
}

function buildBackbone(spec: ClipItRunSpec, lora: ClipLora | undefined, rng: SeededRng): VisionBackbone {
  const backbone = spec.backbone;
  switch (backbone.kind) {
    case 'small-cnn':
      // SmallCnn validates the class count and builds a head that CnnBackbone leaves unused.
      return new CnnBackbone({ ...backbone.cnn, numClasses: spec.numClasses }, rng);
    case 'mlp':
      return new MlpBackbone(backbone.inputShape, backbone.hiddenSizes, rng);
    case 'clip-vision':
      return new ClipVisionBackbone(spec.clip!, lora && lora.vision.size > 0 ? lora : undefined);
    case 'vit': {
      const loraOptions = spec.lora ?? DEFAULT_CLIP_LORA_OPTIONS;
      const adapt = loraOptions.vision && (spec.mode === 'clipit' || spec.adaptBaselineBackbone === true);
      return new VitBackbone(backbone.vit, backbone.inputSize, adapt ? loraOptions.lora : undefined, rng);
    }
  }
}

async function precomputedTargets(clip: ClipModel, pairing: ReportPairing, reportEmbeddings: Float32Array | undefined): Promise<PrecomputedTextTargets> {
  const dim = clip.config.projectionDim;
  const embeddings = reportEmbeddings ?? (await embedTextBatches(clip, pairing.reportTokenIds));
  if (embeddings.length !== pairing.reportTokenIds.length * dim) {
    throw new Error(`Report embeddings have ${embeddings.length} values, expected ${pairing.reportTokenIds.length} reports x ${dim}. Recompute them with this CLIP model.`);
  }
  return new PrecomputedTextTargets(embeddings, dim, pairing.pairedReport);
}
