/**
 * The CLIP-IT trainer benchmark: baseline (unimodal) or CLIP-IT steps of the comparison's
 * small-CNN model on random pixels, paired with report texts through the loaded CLIP, with the
 * same LoRA settings the comparison passes.
 */
import type { BenchClipItRequest, BenchTrainResult } from '../../bench-protocol';
import { DEFAULT_CLIPIT_TRAIN_CONFIG } from '../../core/clipit/clipit-train-config';
import { createClipItRun } from '../../core/clipit/clipit-run';
import { DEFAULT_CLIP_LORA_OPTIONS } from '../../core/lora/clip-lora';
import { SeededRng } from '../../core/rng';
import { loadedClip } from '../clip-api';
import { BENCH_CLASSES, StepClock, randomLabels, randomPixelStore, readMemory, validateStepRequest } from './bench-helpers';

export async function benchClipItStep(request: BenchClipItRequest): Promise<BenchTrainResult> {
  validateStepRequest('benchClipItStep', request);
  const { mode, inputSize, channels, batchSize, steps, seed } = request;

  const clip = loadedClip();
  if (mode === 'clipit' && !clip?.tokenizer) {
    throw new Error('benchClipItStep: CLIP-IT mode needs a loaded CLIP model with a tokenizer; call loadClip first.');
  }
  if (mode === 'clipit' && request.reports.length === 0) throw new Error('benchClipItStep: CLIP-IT mode needs at least one report text.');

  const memoryBefore = readMemory();
  const rng = new SeededRng(seed);
  const imageCount = batchSize * steps;
  const store = randomPixelStore(imageCount, inputSize, rng.fork('pixels'));
  const labels = randomLabels(imageCount, rng.fork('labels'));
  const pairing =
    mode === 'clipit'
      ? {
          reportTokenIds: clip!.tokenizer!.encodeBatch(request.reports),
          pairedReport: Int32Array.from({ length: imageCount }, (_, image) => image % request.reports.length),
        }
      : undefined;

  const run = await createClipItRun({
    mode,
    backbone: { kind: 'small-cnn', cnn: { inputSize, channels, dropout: 0 } },
    numClasses: BENCH_CLASSES,
    images: store,
    labels,
    split: { train: Array.from({ length: imageCount }, (_, index) => index), val: [] },
    config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 1, batchSize, seed },
    clip: mode === 'clipit' ? clip!.model : undefined,
    pairing,
    lora: {
      ...DEFAULT_CLIP_LORA_OPTIONS,
      lora: { rank: request.loraRank, alpha: request.loraAlpha, dropout: 0 },
      text: request.textLora,
      tokenEmbedding: request.textLora,
    },
  });

  const clock = new StepClock(request);
  try {
    await run.trainer.run({
      onStep: (progress) => {
        if (clock.record(progress.imagesPerSecond, batchSize)) run.trainer.control.stop();
      },
    });
  } finally {
    run.dispose();
  }
  return clock.result(memoryBefore, readMemory());
}
