import * as tf from '@tensorflow/tfjs-core';

import type { ClipLora } from '../lora/clip-lora';
import type { SeededRng } from '../rng';

/**
 * The text embedding t of each image's paired report, the target of the cosine term.
 * `params` are the trainable text weights (the text LoRA adapters), empty when t is fixed.
 */
export interface TextTargets {
  readonly dim: number;
  readonly params: Map<string, tf.Variable>;

  /** t for the images `indices`, [indices.length, dim]; `rng` is given only in training (dropout). */
  embed(indices: readonly number[], rng?: SeededRng): tf.Tensor2D;

  dispose(): void;
}

/** Image-to-report pairing: tokenised reports and, per image, the index of its paired report. */
export interface ReportPairing {
  /** Token ids of each report, unpadded, as ClipBpeTokenizer.encode returns them. */
  reportTokenIds: readonly (readonly number[])[];
  /** Paired report per image (the top-1 retrieval result). */
  pairedReport: Int32Array;
}

/**
 * Fixed text embeddings, one row per image (or per report with `pairedReport`). The fast path
 * when the text encoder has no LoRA: the frozen tower runs once before training.
 */
export class PrecomputedTextTargets implements TextTargets {
  readonly params = new Map<string, tf.Variable>();
  private readonly table: tf.Tensor2D;

  constructor(
    embeddings: Float32Array,
    readonly dim: number,
    /** Row of `embeddings` per image; undefined means row i belongs to image i. */
    private readonly rowOfImage?: Int32Array,
  ) {
    if (!Number.isInteger(dim) || dim < 1 || embeddings.length % dim !== 0) {
      throw new Error(`Text embeddings of length ${embeddings.length} do not split into rows of ${dim} values. Pass the projection_dim of the CLIP model that made them.`);
    }
    const rows = embeddings.length / dim;
    if (rowOfImage && rowOfImage.some((row) => row < 0 || row >= rows)) {
      throw new Error(`A paired report index is outside the ${rows} text embeddings. Recompute the pairing for this report set.`);
    }
    this.table = tf.tensor2d(embeddings, [rows, dim]);
  }

  embed(indices: readonly number[]): tf.Tensor2D {
    const rows = this.rowOfImage ? indices.map((i) => this.rowOfImage![i]) : [...indices];
    return tf.tidy(() => tf.gather(this.table, tf.tensor1d(rows, 'int32')));
  }

  dispose(): void {
    this.table.dispose();
  }
}

/**
 * Text embeddings recomputed each step through the LoRA-adapted CLIP text tower, so the cosine
 * term trains the text adapters too. Reports shared by several images in a batch run once.
 */
export class ClipLoraTextTargets implements TextTargets {
  readonly dim: number;

  constructor(
    /** Adapters with `text` enabled; owned by the caller. */
    readonly lora: ClipLora,
    readonly pairing: ReportPairing,
  ) {
    if (lora.text.size === 0 && !lora.tokenEmbedding) {
      throw new Error('ClipLoraTextTargets: the LoRA set has no text adapters. Enable text LoRA, or precompute the text embeddings with PrecomputedTextTargets.');
    }
    const reports = pairing.reportTokenIds.length;
    if (pairing.pairedReport.some((report) => report < 0 || report >= reports)) {
      throw new Error(`A paired report index is outside the ${reports} tokenised reports. Recompute the pairing for this report set.`);
    }
    this.dim = lora.clip.config.projectionDim;
  }

  get params(): Map<string, tf.Variable> {
    return this.lora.textParams;
  }

  embed(indices: readonly number[], rng?: SeededRng): tf.Tensor2D {
    const reports = [...new Set(indices.map((i) => this.pairing.pairedReport[i]))];
    const rowOfReport = new Map(reports.map((report, row) => [report, row]));
    const rows = indices.map((i) => rowOfReport.get(this.pairing.pairedReport[i])!);

    return tf.tidy(() => {
      const unique = this.lora.embedText(reports.map((report) => this.pairing.reportTokenIds[report]), rng);
      return tf.gather(unique, tf.tensor1d(rows, 'int32'));
    });
  }

  /** Disposes nothing: the adapters belong to the caller. */
  dispose(): void {}
}
