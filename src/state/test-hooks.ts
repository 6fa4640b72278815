import type * as Comlink from 'comlink';

import { TEST_HOOKS_WORKER_NAME_SUFFIX, type FaultTestHooksApi } from '../fault-protocol';

/**
 * True when the page was opened with `?testHooks=1`. Only end-to-end tests
 * do that: it adds fault-injection methods to the training worker and puts
 * them on `window.__studioTestHooks`, because page scripts cannot reach a
 * worker directly.
 */
export const TEST_HOOKS_ENABLED = typeof location !== 'undefined' && new URLSearchParams(location.search).get('testHooks') === '1';

/** Name for a worker created by this page; with test hooks on, the suffix makes the worker expose them. */
export function workerName(base: string): string {
  return TEST_HOOKS_ENABLED ? `${base}${TEST_HOOKS_WORKER_NAME_SUFFIX}` : base;
}

/** Puts the training worker's test hooks on `window.__studioTestHooks` when the page was opened with `?testHooks=1`. */
export function installTestHooks(getTrainingWorker: () => unknown): void {
  if (!TEST_HOOKS_ENABLED) return;
  const hooks = (): Comlink.Remote<FaultTestHooksApi> => getTrainingWorker() as Comlink.Remote<FaultTestHooksApi>;
  (window as unknown as { __studioTestHooks: FaultTestHooksApi }).__studioTestHooks = {
    testDestroyGpuDevice: () => hooks().testDestroyGpuDevice(),
    testInjectGpuOutOfMemory: () => hooks().testInjectGpuOutOfMemory(),
    testFailStorageWrites: (storeName, count) => hooks().testFailStorageWrites(storeName, count),
    testCompareSoftwareKernels: () => hooks().testCompareSoftwareKernels(),
  };
  console.warn('[test hooks] fault-injection hooks are enabled (?testHooks=1)');
}
