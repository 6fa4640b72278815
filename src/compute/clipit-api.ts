import * as tf from '@tensorflow/tfjs-core';

import type { ClipItWorkerApi, ComparisonCallbacks, ComparisonRequest, ComparisonResult } from '../clipit-protocol';
import { runComparisonStages } from '../core/clipit/comparison';
import type { PixelStore } from '../core/data/pixel-store';
import { RunControl } from '../core/train/run-control';
import type { BackendName } from '../worker-protocol';
import { loadedClip } from './clip-api';
import { loadedVit } from './vision-model-api';

let activeControl: RunControl | null = null;

/** Pause, resume and stop of a running comparison; no-ops when none runs. */
export const comparisonControl = {
  pause: () => activeControl?.pause(),
  resume: () => activeControl?.resume(),
  stop: () => activeControl?.stop(),
};

/** Builds the comparison API over the worker's decoded images and loaded CLIP. */
export function createClipItApi(getPixels: () => PixelStore | null): ClipItWorkerApi {
  return {
    async runComparison(request: ComparisonRequest, callbacks: ComparisonCallbacks): Promise<ComparisonResult> {
      if (activeControl) throw new Error('A comparison is already running; stop it first.');
      const backend = tf.getBackend() as BackendName;
      const pixels = getPixels();
      if (!pixels || pixels.size !== request.inputSize) {
        throw new Error(`Images are not decoded at ${request.inputSize}px; load them before the comparison.`);
      }

      const clip = loadedClip();
      const needsClip = request.stages.some((stage) => stage !== 'unimodal');
      if (needsClip && clip && !clip.tokenizer) {
        throw new Error('The loaded CLIP folder has no tokenizer (vocab.json + merges.txt or tokenizer.json); CLIP-IT needs it.');
      }

      const control = new RunControl();
      activeControl = control;
      try {
        const outcome = await runComparisonStages(
          request,
          pixels,
          clip && clip.tokenizer ? { model: clip.model, tokenizer: clip.tokenizer } : null,
          control,
          callbacks,
          loadedVit(),
        );
        return { runId: request.runId, status: outcome.stopped ? 'stopped' : 'completed', backend, stages: outcome.stages, exportedModel: outcome.exportedModel };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.error(`[clipit] comparison ${request.runId} failed:`, error);
        return { runId: request.runId, status: 'failed', message, backend, stages: [], exportedModel: null };
      } finally {
        activeControl = null;
      }
    },
  };
}
