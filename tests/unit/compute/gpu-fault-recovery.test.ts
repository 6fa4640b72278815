import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { GpuDeviceLostInfo } from '../../../src/compute/gpu-device';
import type { TrainCallbacks, TrainOptions, TrainRequest, TrainResult } from '../../../src/worker-protocol';

/**
 * A stand-in for a GPUDevice, because Node has no WebGPU. The e2e faults
 * spec runs the same code against a real SwiftShader device in Chromium.
 */
class FakeGpuDevice extends EventTarget {
  pushes = 0;
  pops = 0;
  onuncapturederror = null;
  private resolveLost: (info: GpuDeviceLostInfo) => void = () => undefined;
  readonly lost = new Promise<GpuDeviceLostInfo>((resolve) => {
    this.resolveLost = resolve;
  });

  pushErrorScope(): void {
    this.pushes += 1;
  }

  async popErrorScope(): Promise<null> {
    this.pops += 1;
    return null;
  }

  destroy(): void {
    this.resolveLost({ reason: 'destroyed', message: 'Device was destroyed.' });
  }
}

/** Named like the browser's class, because the watch reads the kind of error from the constructor name. */
class GPUOutOfMemoryError {
  constructor(readonly message: string) {}
}

const devices: FakeGpuDevice[] = [];
const checkpoint = { current: null as { step: number; epoch: number; savedAt: number } | null };

vi.mock('../../../src/compute/gpu-device', () => ({
  activeGpuDevice: () => devices[devices.length - 1] ?? null,
  recreateWebgpuBackend: vi.fn(async () => {
    devices.push(new FakeGpuDevice());
  }),
}));

vi.mock('../../../src/storage/checkpoint-storage', () => ({
  checkpointInfo: async () => checkpoint.current,
}));

const { trainWithGpuFaultRecovery } = await import('../../../src/compute/gpu-fault-recovery');
const { recreateWebgpuBackend } = await import('../../../src/compute/gpu-device');

const REQUEST = { runId: 'run-test', batchSize: 8, model: { kind: 'small-cnn', inputSize: 32, channels: [16], dropout: 0 } } as unknown as TrainRequest;

function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function recordingCallbacks() {
  const log = { steps: [] as number[], statuses: [] as string[], warnings: [] as string[] };
  const callbacks: TrainCallbacks = {
    onStep: (event) => log.steps.push(event.step),
    onEpoch: () => undefined,
    onStatus: (message) => log.statuses.push(message),
    onWarning: (message) => log.warnings.push(message),
  };
  return { log, callbacks };
}

/**
 * Imitates runTraining: reports steps `from + 1` to `to` and, like the
 * worker, turns an exception from a callback into a 'failed' result.
 * `during(step)` runs after each step, to inject a fault there.
 */
function fakeRun(to: number, during: (step: number) => void = () => undefined) {
  const resumes: boolean[] = [];
  const attempt = async (callbacks: TrainCallbacks, options: TrainOptions): Promise<TrainResult> => {
    resumes.push(options.resume ?? false);
    const from = options.resume ? (checkpoint.current?.step ?? 0) : 0;
    try {
      for (let step = from + 1; step <= to; step++) {
        callbacks.onStep({ runId: REQUEST.runId, step, epoch: 1, stepsPerEpoch: to, totalSteps: to, loss: 1, gradNorm: 1, learningRate: 1e-3, imagesPerSecond: 1 });
        during(step);
        await nextTask();
      }
      return { runId: REQUEST.runId, status: 'completed', bestValLoss: 1, test: null, predictions: [], meanImagesPerSecond: 1, backend: 'webgpu' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { runId: REQUEST.runId, status: 'failed', message, bestValLoss: NaN, test: null, predictions: [], meanImagesPerSecond: 1, backend: 'webgpu' };
    }
  };
  return { attempt, resumes };
}

describe('GPU fault recovery', () => {
  beforeEach(() => {
    devices.length = 0;
    devices.push(new FakeGpuDevice());
    checkpoint.current = null;
    vi.mocked(recreateWebgpuBackend).mockClear();
  });

  it('scopes only the first three steps', async () => {
    const { log, callbacks } = recordingCallbacks();
    const { attempt } = fakeRun(10);

    const result = await trainWithGpuFaultRecovery(REQUEST, callbacks, {}, attempt);

    expect(result.status).toBe('completed');
    expect(log.steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(devices[0].pushes).toBe(3);
    expect(devices[0].pops).toBe(3);
  });

  it('out-of-memory stops with the sizes', async () => {
    checkpoint.current = { step: 2, epoch: 1, savedAt: 0 };
    const { log, callbacks } = recordingCallbacks();
    const { attempt } = fakeRun(6, (step) => {
      if (step !== 2) return;
      const event = Object.assign(new Event('uncapturederror'), { error: new GPUOutOfMemoryError('buffer allocation failed') });
      devices[0].dispatchEvent(event);
    });

    const result = await trainWithGpuFaultRecovery(REQUEST, callbacks, {}, attempt);

    expect(result.status).toBe('failed');
    expect(result.message).toContain('Training stopped at step 3: the GPU ran out of memory.');
    expect(result.message).toContain('Lower the batch size (now 8) or the image size (now 32 px)');
    expect(result.message).toContain('The project and the checkpoint of step 2 are kept.');
    expect(log.steps).toEqual([1, 2]);
    expect(recreateWebgpuBackend).not.toHaveBeenCalled();
  });

  it('device loss resumes from the checkpoint', async () => {
    checkpoint.current = { step: 2, epoch: 1, savedAt: 0 };
    const { log, callbacks } = recordingCallbacks();
    const { attempt, resumes } = fakeRun(6, (step) => {
      if (step === 3 && devices.length === 1) devices[0].destroy();
    });

    const result = await trainWithGpuFaultRecovery(REQUEST, callbacks, {}, attempt);

    expect(result.status).toBe('completed');
    expect(recreateWebgpuBackend).toHaveBeenCalledTimes(1);
    expect(resumes).toEqual([false, true]);
    expect(log.steps).toEqual([1, 2, 3, 3, 4, 5, 6]);
    expect(log.statuses).toEqual(['GPU device lost at step 4; re-creating the WebGPU backend']);
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toContain('The GPU device was lost at step 4 (destroyed: Device was destroyed)');
    expect(log.warnings[0]).toContain('continues from the checkpoint of step 2');
  });

  it('device loss without checkpoint restarts', async () => {
    const { log, callbacks } = recordingCallbacks();
    const { attempt, resumes } = fakeRun(4, (step) => {
      if (step === 1 && devices.length === 1) devices[0].destroy();
    });

    const result = await trainWithGpuFaultRecovery(REQUEST, callbacks, {}, attempt);

    expect(result.status).toBe('completed');
    expect(resumes).toEqual([false, false]);
    expect(log.warnings[0]).toContain('continues from the start, because no checkpoint was saved yet');
  });

  it('repeated device loss gives up', async () => {
    const { callbacks } = recordingCallbacks();
    const { attempt, resumes } = fakeRun(4, (step) => {
      if (step === 1) devices[devices.length - 1].destroy();
    });

    const result = await trainWithGpuFaultRecovery(REQUEST, callbacks, {}, attempt);

    expect(result.status).toBe('failed');
    expect(result.message).toContain('The GPU device was lost 4 times in this run');
    expect(resumes).toHaveLength(4);
    expect(recreateWebgpuBackend).toHaveBeenCalledTimes(3);
  });
});
