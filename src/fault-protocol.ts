/**
 * Fault-injection methods of the training worker, for end-to-end tests.
 * The worker exposes them only when the page was opened with `?testHooks=1`
 * (see `src/state/test-hooks.ts`); a normal page has no way to call them.
 */
export interface FaultTestHooksApi {
  /** Calls the real `GPUDevice.destroy()` on the active WebGPU backend's device. */
  testDestroyGpuDevice(): Promise<void>;
  /** Dispatches a `GPUOutOfMemoryError` on the device, the path a real out-of-memory takes to the fault watch. */
  testInjectGpuOutOfMemory(): Promise<void>;
  /** Makes the next `count` IndexedDB puts into `storeName` in the worker throw `QuotaExceededError`, as a full disk does. */
  testFailStorageWrites(storeName: string, count: number): Promise<void>;
  /** Runs each software-adapter kernel case on the CPU backend and on webgpu; see `src/compute/software-kernel-check.ts`. */
  testCompareSoftwareKernels(): Promise<{ installed: string[]; cases: Array<{ name: string; shape: number[]; maxAbsDiff: number; maxAbsValue: number }> }>;
}

/** Worker name suffix that turns the test hooks on; the page sets it when it creates the worker. */
export const TEST_HOOKS_WORKER_NAME_SUFFIX = '+test-hooks';
