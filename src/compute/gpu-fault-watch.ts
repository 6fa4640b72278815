/**
 * Watches the WebGPU device during a training run for the two faults tfjs
 * 4.22 does not report by itself: a lost device and GPU out-of-memory. tfjs
 * sets no `lost` or `uncapturederror` handler and opens no error scopes, so
 * without this watch a lost device shows up as a hung or garbled step and an
 * out-of-memory as silently wrong numbers.
 */
import { activeGpuDevice, recreateWebgpuBackend, type GpuDeviceLike, type GpuErrorLike } from './gpu-device';

export type GpuFault =
  | { kind: 'device-lost'; step: number; reason: string; detail: string }
  | { kind: 'out-of-memory'; step: number; detail: string };

/** Thrown from the training callbacks so the trainer stops at the first step boundary after a fault. */
export class GpuFaultError extends Error {
  constructor(readonly fault: GpuFault) {
    super(
      fault.kind === 'device-lost'
        ? `The GPU device was lost at step ${fault.step} (${fault.reason}: ${fault.detail}).`
        : `The GPU ran out of memory at step ${fault.step} (${fault.detail}).`,
    );
    this.name = 'GpuFaultError';
  }
}

/**
 * Steps at the start of each run (and of each restart after a device loss)
 * that run inside an `out-of-memory` error scope. The first steps allocate
 * every buffer a step needs, so an out-of-memory there is named with its
 * step; later ones reach the `uncapturederror` listener. The trainer never
 * waits for a scope: its result arrives later (14-94 ms after the step on
 * SwiftShader in headless Chromium on 2 busy cores, from the worker's log).
 */
const SCOPED_STEPS = 3;

/**
 * Time to let a `lost` promise settle after a failed run before deciding the
 * failure had another cause, in ms. An estimate with headroom: after
 * `destroy()` the promise settled before the next step in the e2e test.
 */
const LOSS_SETTLE_MS = 500;

class GpuFaultWatch {
  private device: GpuDeviceLike | null = null;
  private fault: GpuFault | null = null;
  private lastStep = 0;
  private scopeOpen = false;
  private scopesLeft = 0;
  private readonly watched = new WeakSet<GpuDeviceLike>();
  private readonly lost = new WeakSet<GpuDeviceLike>();

  /**
   * Starts watching the active WebGPU device for one training attempt. A
   * device that was lost while no run trained is replaced first.
   */
  async begin(): Promise<void> {
    this.fault = null;
    this.lastStep = 0;
    this.scopeOpen = false;

    let device = activeGpuDevice();
    // NOTE: no test loses the device between runs; the e2e test loses it mid-run.
    if (device && this.lost.has(device)) {
      console.warn('[gpu faults] the WebGPU device was lost while idle; re-creating the backend before training');
      await recreateWebgpuBackend();
      device = activeGpuDevice();
    }
    this.device = device;
    if (!device) return;

    this.listen(device);
    this.scopesLeft = SCOPED_STEPS;
    this.openScope();
  }

  /** Records the step that just finished and closes its error scope. */
  afterStep(step: number): void {
    this.lastStep = step;
    if (!this.device || !this.scopeOpen) return;

    const device = this.device;
    const started = performance.now();
    this.scopeOpen = false;
    device
      .popErrorScope()
      .then((error) => {
        console.info(`[gpu faults] out-of-memory scope of step ${step} resolved in ${(performance.now() - started).toFixed(1)} ms`);
        if (error) this.record({ kind: 'out-of-memory', step, detail: error.message });
      })
      .catch((error: unknown) => console.warn(`[gpu faults] popErrorScope after step ${step} failed:`, error));
    this.openScope();
  }

  /** Throws the recorded fault, if any, so the trainer stops before it uses or saves results of a faulty device. */
  throwIfFault(): void {
    if (this.fault) throw new GpuFaultError(this.fault);
  }

  /**
   * Waits one macrotask, so a `lost` promise or error event from the step
   * just finished is delivered, then throws the fault if one arrived. Used
   * before a checkpoint is saved, because weights read from a destroyed
   * device can be zeros.
   */
  async settleAndThrowIfFault(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.throwIfFault();
  }

  /** Ends the attempt and returns its fault; after a failure it waits briefly for a device loss to be reported. */
  async end(failed: boolean): Promise<GpuFault | null> {
    if (this.device && this.scopeOpen) {
      this.scopeOpen = false;
      await this.device.popErrorScope().catch(() => null);
    }
    if (failed && !this.fault && this.device) {
      const device = this.device;
      await Promise.race([device.lost.then(() => undefined), new Promise((resolve) => setTimeout(resolve, LOSS_SETTLE_MS))]);
    }
    this.device = null;
    return this.fault;
  }

  /**
   * Reports a GPU error through the same path as the browser's
   * `uncapturederror` event: a fault recorded against the current step.
   */
  reportGpuError(error: GpuErrorLike): void {
    if (error.constructor.name !== 'GPUOutOfMemoryError') {
      console.warn('[gpu faults] uncaptured WebGPU error:', error.message);
      return;
    }
    this.record({ kind: 'out-of-memory', step: this.lastStep + 1, detail: error.message });
  }

  private listen(device: GpuDeviceLike): void {
    if (this.watched.has(device)) return;
    this.watched.add(device);

    void device.lost.then((info) => {
      this.lost.add(device);
      console.error(`[gpu faults] WebGPU device lost (${info.reason}): ${info.message}`);
      const detail = info.message.replace(/\.$/, '');
      if (this.device === device) this.record({ kind: 'device-lost', step: this.lastStep + 1, reason: info.reason, detail });
    });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as Event & { error: GpuErrorLike }).error;
      if (this.device === device) this.reportGpuError(error);
      else console.warn('[gpu faults] WebGPU error outside a training run:', error.message);
    });
  }

  private openScope(): void {
    if (!this.device || this.scopesLeft <= 0) return;
    this.scopesLeft -= 1;
    this.device.pushErrorScope('out-of-memory');
    this.scopeOpen = true;
  }

  private record(fault: GpuFault): void {
    // The first fault explains the run; later ones are usually its consequences.
    if (this.fault) return;
    console.error(`[gpu faults] ${fault.kind} at step ${fault.step}: ${fault.detail}`);
    this.fault = fault;
  }
}

/** The one watch of this worker: tfjs has one active backend, so one device, at a time. */
export const gpuFaultWatch = new GpuFaultWatch();
