/**
 * The contrastive methods of the training worker: fine-tunes the loaded CLIP on image-text pairs,
 * keeps the CLIP as loaded so the user can switch back, and classifies images zero-shot.
 */
import * as tf from '@tensorflow/tfjs';

import type { ContrastiveCallbacks, ContrastiveRequest, ContrastiveResult, ContrastiveWorkerApi, ZeroShotRequest } from '../contrastive-protocol';
import type { ClipSummary } from '../clip-protocol';
import { type ClipModel } from '../core/clip/clip-model';
import { preprocessImages } from '../core/clip/image-preprocess';
import { runContrastiveFineTuning } from '../core/contrastive/contrastive-run';
import { readClipWeightsAsync } from '../core/contrastive/fine-tuned-clip';
import { planPairs } from '../core/contrastive/pair-plan';
import { buildZeroShotWeights, zeroShotClassifyAsync } from '../core/contrastive/zero-shot';
import { RunControl } from '../core/train/run-control';
import { loadedClip, replaceLoadedClip, sha256OfFiles, summarizeClip } from './clip-api';
import { decodeFile } from './decode-for-model';

let activeControl: RunControl | null = null;
/** The CLIP as loaded before the first fine-tuning, and the fine-tuned model that replaced it. */
let kept: { original: ClipModel; originalSummary: ClipSummary; fineTuned: ClipModel } | null = null;

export const contrastiveApi: ContrastiveWorkerApi = {
  async trainContrastive(request: ContrastiveRequest, callbacks: ContrastiveCallbacks): Promise<ContrastiveResult> {
    if (activeControl) throw new Error('A contrastive run is already running; stop it first.');
    const clip = loadedClip();
    if (!clip) throw new Error('No CLIP is loaded: load a CLIP folder or the demo CLIP first.');
    if (!clip.tokenizer) throw new Error('The loaded CLIP folder has no tokenizer (vocab.json + merges.txt or tokenizer.json); contrastive training needs it.');
    dropStaleOriginal(clip.model);

    const control = new RunControl();
    activeControl = control;
    let trainPairs = 0;
    try {
      const plan = planPairs(request.pairing, request.groups, request.heldOutFraction, request.settings.seed);
      trainPairs = plan.trainRows.length;
      const { pixels, rowOf } = await decodeRows([...plan.trainRows, ...plan.heldOut.imageRows], request, clip.model, callbacks);
      const remapped = {
        trainRows: plan.trainRows.map((row) => rowOf.get(row)!),
        pairs: plan.pairs,
        heldOut: { ...plan.heldOut, imageRows: plan.heldOut.imageRows.map((row) => rowOf.get(row)!) },
      };

      const outcome = await runContrastiveFineTuning(clip.model, clip.tokenizer, pixels, remapped, request.settings, control, {
        onStep: (event) => callbacks.onStep(event),
        onEpoch: (event) => callbacks.onEpoch(event),
      });

      const summary = await installFineTuned(outcome.model, clip.model);
      return { runId: request.runId, status: outcome.stopped ? 'stopped' : 'completed', before: outcome.before, after: outcome.after, trainPairs, steps: outcome.steps, summary };
    } catch (error) {
      console.error(`[contrastive] run ${request.runId} failed:`, error);
      const message = error instanceof Error ? error.message : String(error);
      return { runId: request.runId, status: 'failed', message, before: null, after: null, trainPairs, steps: 0, summary: null };
    } finally {
      activeControl = null;
    }
  },

  async pauseContrastive() {
    activeControl?.pause();
  },

  async resumeContrastive() {
    activeControl?.resume();
  },

  async stopContrastive() {
    activeControl?.stop();
  },

  async restoreOriginalClip(): Promise<ClipSummary | null> {
    const clip = loadedClip();
    if (clip) dropStaleOriginal(clip.model);
    if (!kept || !clip) return null;
    if (activeControl) throw new Error('A contrastive run is training; stop it before switching back.');

    replaceLoadedClip(kept.original, kept.originalSummary.weightsSource, { hex: kept.originalSummary.weightsSha256, bytes: kept.originalSummary.weightBytes });
    kept.fineTuned.dispose();
    const summary = { ...kept.originalSummary, numTensors: tf.memory().numTensors };
    kept = null;
    return summary;
  },

  async zeroShotClassify(request: ZeroShotRequest): Promise<Int32Array> {
    const clip = loadedClip();
    if (!clip) throw new Error('No CLIP is loaded: load a CLIP folder or the demo CLIP first.');
    const tokenizer = clip.tokenizer;
    if (!tokenizer) throw new Error('The loaded CLIP folder has no tokenizer (vocab.json + merges.txt or tokenizer.json); zero-shot needs it.');
    const { imageEmbeds } = request;
    if (imageEmbeds.values.length !== imageEmbeds.rows * imageEmbeds.dims) {
      throw new Error(`Image embeddings have ${imageEmbeds.values.length} values, not rows x dims = ${imageEmbeds.rows} x ${imageEmbeds.dims}.`);
    }

    const weights = buildZeroShotWeights(request.classNames, request.templates, (texts) => clip.model.embedText(tokenizer.encodeBatch(texts)));
    const images = tf.tensor2d(imageEmbeds.values, [imageEmbeds.rows, imageEmbeds.dims]);
    try {
      const logitScale = Math.exp((await clip.model.weights.get('logit_scale').data())[0]);
      return (await zeroShotClassifyAsync(images, weights, logitScale)).predictions;
    } finally {
      tf.dispose([weights, images]);
    }
  },
};

/** Makes the fine-tuned model the loaded CLIP. The first fine-tuning keeps the original for the undo. */
async function installFineTuned(fineTuned: ClipModel, current: ClipModel): Promise<ClipSummary> {
  const weights = await readClipWeightsAsync(fineTuned);
  const digest = await sha256OfFiles([...weights.values()].map((tensor) => new Uint8Array(tensor.values.buffer)));
  const summary = await summarizeClip(fineTuned, 'fine-tuned in this session', digest);

  const previous = replaceLoadedClip(fineTuned, summary.weightsSource, digest);
  if (kept && kept.fineTuned === current) {
    // A second fine-tuning starts from the first one's result; the undo still goes to the CLIP as loaded.
    current.dispose();
    kept.fineTuned = fineTuned;
  } else {
    // The original keeps the identity of its weight files, so switching back restores its summary and cache keys.
    const source = previous?.source ?? 'as loaded';
    const originalDigest = previous?.digest ?? { hex: 'unknown', bytes: 0 };
    kept = { original: current, originalSummary: await summarizeClip(current, source, originalDigest), fineTuned };
  }
  return summary;
}

/** Forgets the kept original when another CLIP was loaded since (loadClip disposed the fine-tuned one). */
function dropStaleOriginal(current: ClipModel): void {
  if (kept && kept.fineTuned !== current) {
    kept.original.dispose();
    kept = null;
  }
}

/** Decodes the images of `rows` into one table of CLIP pixels and returns it with the table row of each image row. */
async function decodeRows(rows: number[], request: ContrastiveRequest, model: ClipModel, callbacks: ContrastiveCallbacks) {
  const { cropHeight, cropWidth } = model.preprocess;
  const perImage = 3 * cropHeight * cropWidth;
  const values = new Float32Array(rows.length * perImage);
  const rowOf = new Map<number, number>();

  for (let position = 0; position < rows.length; position++) {
    const input = request.images[rows[position]];
    const result = await decodeFile(input.file, input.path);
    if (!result.ok) throw new Error(`${input.path} could not be decoded (${result.detail}); remove it or fix the file.`);
    const { data, width, height } = result.image;
    values.set(preprocessImages([{ data, width, height, channels: 3 }], model.preprocess).values, position * perImage);
    rowOf.set(rows[position], position);
    if (position % 16 === 15 || position === rows.length - 1) callbacks.onDecode({ done: position + 1, total: rows.length });
  }
  return { pixels: { values, shape: [rows.length, 3, cropHeight, cropWidth] as [number, number, number, number] }, rowOf };
}
