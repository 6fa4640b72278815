import { TEST_HOOKS_WORKER_NAME_SUFFIX, type FaultTestHooksApi } from '../fault-protocol';
import { activeGpuDevice, type GpuDeviceLike } from './gpu-device';
import { compareSoftwareKernels } from './software-kernel-check';

/** True when the page created this worker with the test-hook name suffix, i.e. it was opened with `?testHooks=1`. */
export function testHooksEnabled(): boolean {
  return typeof self !== 'undefined' && typeof self.name === 'string' && self.name.endsWith(TEST_HOOKS_WORKER_NAME_SUFFIX);
}

function requireGpuDevice(): GpuDeviceLike {
  const device = activeGpuDevice();
  if (!device) throw new Error('The test hook needs the webgpu backend to be active.');
  return device;
}

/** WebGPU error and event classes, which Chromium exposes in workers. */
interface GpuErrorGlobals {
  GPUOutOfMemoryError: new (message: string) => unknown;
  GPUUncapturedErrorEvent: new (type: string, init: { error: unknown }) => Event;
}

/** Puts still to fail, per IndexedDB object store name. */
const failingPuts = new Map<string, number>();
let putPatched = false;

export const faultTestHooks: FaultTestHooksApi = {
  async testDestroyGpuDevice() {
    console.warn('[test hooks] destroying the WebGPU device');
    requireGpuDevice().destroy();
  },

  async testInjectGpuOutOfMemory() {
    const device = requireGpuDevice();
    const globals = self as unknown as GpuErrorGlobals;
    const error = new globals.GPUOutOfMemoryError('Out of memory (injected by a test hook).');
    console.warn('[test hooks] dispatching a GPUOutOfMemoryError on the WebGPU device');
    device.dispatchEvent(new globals.GPUUncapturedErrorEvent('uncapturederror', { error }));
  },

  testCompareSoftwareKernels: compareSoftwareKernels,

  async testFailStorageWrites(storeName: string, count: number) {
    failingPuts.set(storeName, count);
    if (putPatched) return;
    putPatched = true;

    const originalPut = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function put(this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const left = failingPuts.get(this.name) ?? 0;
      if (left > 0) {
        failingPuts.set(this.name, left - 1);
        throw new DOMException('The quota has been exceeded (injected by a test hook).', 'QuotaExceededError');
      }
      return originalPut.apply(this, args);
    };
  },
};
