/**
 * Types of the training worker's contrastive API: fine-tuning the loaded CLIP on image-text pairs
 * (with an undo back to the CLIP as loaded) and zero-shot classification with prompt templates.
 * Types only.
 */
import type { ClipImageInput, ClipSummary, EmbedProgress, EmbeddingMatrix } from './clip-protocol';
import type { ContrastiveEpochEvent, ContrastiveRunSettings, ContrastiveStepEvent, RetrievalRecall } from './core/contrastive/contrastive-run';
import type { PairingSpec } from './core/contrastive/pair-plan';

export interface ContrastiveRequest {
  runId: string;
  /** Every image the pairing may use; row i of the pairing refers to `images[i]`. */
  images: ClipImageInput[];
  pairing: PairingSpec;
  /** Group per image row; held-out pairs take whole groups. */
  groups: (string | undefined)[] | null;
  heldOutFraction: number;
  settings: ContrastiveRunSettings;
}

export interface ContrastiveCallbacks {
  onDecode(progress: EmbedProgress): void;
  onStep(event: ContrastiveStepEvent): void;
  onEpoch(event: ContrastiveEpochEvent): void;
}

export interface ContrastiveResult {
  runId: string;
  status: 'completed' | 'stopped' | 'failed';
  message?: string;
  before: RetrievalRecall | null;
  after: RetrievalRecall | null;
  trainPairs: number;
  steps: number;
  /** Summary of the fine-tuned CLIP, which is now the loaded one; null when the run failed. */
  summary: ClipSummary | null;
}

export interface ZeroShotRequest {
  /** Text put into `{class}` for each class, in label order. */
  classNames: string[];
  templates: string[];
  imageEmbeds: EmbeddingMatrix;
}

export interface ContrastiveWorkerApi {
  trainContrastive(request: ContrastiveRequest, callbacks: ContrastiveCallbacks): Promise<ContrastiveResult>;
  pauseContrastive(): Promise<void>;
  resumeContrastive(): Promise<void>;
  stopContrastive(): Promise<void>;
  /** Switches back to the CLIP as loaded before fine-tuning; returns its summary, or null when there is none to restore. */
  restoreOriginalClip(): Promise<ClipSummary | null>;
  /** Predicted class index per image row of `imageEmbeds`, with the loaded CLIP's text tower and temperature. */
  zeroShotClassify(request: ZeroShotRequest): Promise<Int32Array>;
}
