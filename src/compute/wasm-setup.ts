/**
 * Set-up of the tfjs `wasm` backend inside the training worker. The binaries
 * are served from the app's own origin, and the threaded SIMD build runs on
 * every logical core when the page is cross-origin isolated. It also registers
 * the gradient kernels that training needs and @tensorflow/tfjs-backend-wasm 4.22.0 lacks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

import { registerWasmTrainingKernels } from '../core/backend/wasm-training-kernels';
import { registerWasmTransposedMatMul } from '../core/backend/wasm-transposed-matmul-kernel';
import type { WasmInfo } from '../worker-protocol';
import { pthreadWorkerPatched } from './wasm-pthread-worker-source';

let configured = false;

/**
 * Configures the wasm backend; call before the first `tf.setBackend('wasm')`.
 * Idempotent. tfjs reads the paths and the thread count only when it
 * initialises the backend, so later calls change nothing.
 */
export function configureWasmBackend(): void {
  if (configured) return;
  configured = true;

  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
  });

  // Without the rewritten pthread worker the threaded build cannot load its
  // glue under this CSP, so the backend must take the single-thread SIMD build.
  if (!pthreadWorkerPatched) {
    console.warn('[wasm] the pthread worker source of @tensorflow/tfjs-backend-wasm did not match the expected version; using SIMD on one thread.');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }

  // XNNPACK sizes its thread pool from this count; one thread per logical core.
  // NOTE: in headless Chromium on 2 cores shared with other busy processes (load
  // average 13), 2 threads trained at 37-42 images/s and 1 thread at 37-82, so
  // on a contended machine a second thread can cost speed. Not measured on an idle one.
  const cores = logicalCores();
  if (cores > 0) setThreadsCount(cores);

  registerWasmTrainingKernels({ replaceConv2DBackpropInput: true });
  registerWasmTransposedMatMul();
}

/**
 * Activates the wasm backend with one XNNPACK thread per logical core.
 *
 * The C++ side of @tensorflow/tfjs-backend-wasm 4.22.0 caps the thread count
 * at `navigator.hardwareConcurrency / 2` (it assumes two hyper-threads per
 * core), so on a machine with 2 logical cores `setThreadsCount(2)` still gives
 * 1 thread. While the module initialises, this worker's `navigator` reports
 * twice the real count, so the cap equals the real count. The real value is
 * restored as soon as initialisation settles. Other code in this worker that
 * reads `hardwareConcurrency` meanwhile gets the doubled value.
 */
export async function activateWasmBackend(): Promise<boolean> {
  configureWasmBackend();

  const cores = logicalCores();
  const shadowed = cores > 0 && shadowHardwareConcurrency(2 * cores);
  try {
    return await tf.setBackend('wasm');
  } finally {
    if (shadowed) delete (navigator as unknown as Record<string, unknown>).hardwareConcurrency;
  }
}

function logicalCores(): number {
  return typeof navigator !== 'undefined' && Number.isInteger(navigator.hardwareConcurrency) ? navigator.hardwareConcurrency : 0;
}

/** Gives `navigator` an own `hardwareConcurrency`, shadowing the prototype getter; returns false if the browser refuses. */
function shadowHardwareConcurrency(value: number): boolean {
  try {
    Object.defineProperty(navigator, 'hardwareConcurrency', { value, configurable: true });
    return navigator.hardwareConcurrency === value;
  } catch {
    return false;
  }
}

/**
 * Describes the wasm build tfjs chose. Call it only after `tf.setBackend('wasm')`
 * succeeded, because `getThreadsCount()` throws before the backend is initialised.
 */
export async function describeWasmBackend(): Promise<WasmInfo> {
  const [simd, multithread] = await Promise.all([
    tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as Promise<boolean>,
    tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') as Promise<boolean>,
  ]);
  const threadsCount = getThreadsCount();
  let build: WasmInfo['build'] = 'plain';
  if (simd) build = multithread ? 'threaded-simd' : 'simd';
  return {
    build,
    threadsCount,
    pthreadWorkerPatched,
  };
}
