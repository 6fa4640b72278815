import { checkpointInfo } from '../storage/checkpoint-storage';
import type { TrainCallbacks, TrainOptions, TrainRequest, TrainResult } from '../worker-protocol';
import { recreateWebgpuBackend } from './gpu-device';
import { gpuFaultWatch, type GpuFault } from './gpu-fault-watch';

/** Device losses one run recovers from; a device that keeps failing needs the user's attention. */
const MAX_DEVICE_RECOVERIES = 3;

type TrainAttempt = (callbacks: TrainCallbacks, options: TrainOptions) => Promise<TrainResult>;

/**
 * Runs `attempt` under the GPU fault watch. After a device loss it sends the
 * UI a status and a warning, re-creates the WebGPU backend and runs again from the run's last saved
 * checkpoint (from step 0 when none was saved yet). An out-of-memory stops
 * the run with a message that suggests a smaller batch or image size; the
 * checkpoint stays in storage.
 *
 * NOTE: only classifier runs come through here. A CLIP-IT comparison or a
 * loaded CLIP whose device is lost fails with the WebGPU error, and the CLIP
 * must be loaded again because its weights were on the lost device.
 */
export async function trainWithGpuFaultRecovery(
  request: TrainRequest,
  callbacks: TrainCallbacks,
  options: TrainOptions,
  attempt: TrainAttempt,
): Promise<TrainResult> {
  let resume = options.resume ?? false;

  for (let recoveries = 0; ; recoveries++) {
    await gpuFaultWatch.begin();
    let result: TrainResult;
    try {
      result = await attempt(guardCallbacks(callbacks), { ...options, resume });
    } catch (error) {
      // Closes the open error scope; a run that throws (instead of returning 'failed') never started training.
      await gpuFaultWatch.end(true);
      throw error;
    }
    const fault = await gpuFaultWatch.end(result.status === 'failed');
    if (!fault) return result;

    const checkpoint = await checkpointInfo(request.runId).catch(() => null);
    if (fault.kind === 'out-of-memory') {
      return { ...result, status: 'failed', message: outOfMemoryMessage(fault, request, checkpoint?.step ?? null) };
    }

    if (recoveries >= MAX_DEVICE_RECOVERIES) {
      return {
        ...result,
        status: 'failed',
        message: `The GPU device was lost ${recoveries + 1} times in this run, last at step ${fault.step} (${fault.reason}). Restart the browser or choose the wasm backend, then resume from the last checkpoint.`,
      };
    }

    const resumeStep = checkpoint?.step ?? 0;
    callbacks.onStatus(`GPU device lost at step ${fault.step}; re-creating the WebGPU backend`);
    callbacks.onWarning(
      `The GPU device was lost at step ${fault.step} (${fault.reason}: ${fault.detail}). ` +
        `The studio re-created the WebGPU backend and continues from ${checkpoint ? `the checkpoint of step ${resumeStep}` : 'the start, because no checkpoint was saved yet'}.`,
    );
    console.warn(`[gpu faults] run ${request.runId}: device lost at step ${fault.step}, resuming from step ${resumeStep}`);

    try {
      await recreateWebgpuBackend();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { ...result, status: 'failed', message: `The GPU device was lost at step ${fault.step} and could not be re-created: ${detail}` };
    }
    resume = checkpoint !== null;
  }
}

/**
 * Wraps the UI's callbacks so a recorded fault stops the trainer at the next
 * step or epoch, before results of a lost device reach the curves. The
 * worker checks the watch again before it saves a checkpoint.
 */
function guardCallbacks(callbacks: TrainCallbacks): TrainCallbacks {
  return {
    onStep(event) {
      gpuFaultWatch.afterStep(event.step);
      gpuFaultWatch.throwIfFault();
      callbacks.onStep(event);
    },
    onEpoch(event) {
      gpuFaultWatch.throwIfFault();
      callbacks.onEpoch(event);
    },
    onStatus: (message) => callbacks.onStatus(message),
    onWarning: (message) => callbacks.onWarning(message),
  };
}

function outOfMemoryMessage(fault: GpuFault, request: TrainRequest, checkpointStep: number | null): string {
  const kept = checkpointStep !== null ? ` The project and the checkpoint of step ${checkpointStep} are kept.` : ' The project is kept.';
  return (
    `Training stopped at step ${fault.step}: the GPU ran out of memory. ` +
    `Lower the batch size (now ${request.batchSize}) or the image size (now ${request.model.inputSize} px) and start again.${kept}`
  );
}
