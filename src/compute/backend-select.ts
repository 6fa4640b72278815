import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';

import {
  AUTO_BACKEND_ORDER,
  type AdapterDescription,
  type BackendAttempt,
  type BackendBenchmark,
  type BackendInfo,
  type BackendName,
  type BackendPreference,
  type WasmInfo,
} from '../worker-protocol';
import { DEFAULT_SPEED_MEASUREMENT, benchmarkBackends, orderFromBenchmark } from './backend-benchmark';
import { installSoftwareWebgpuKernels } from '../core/backend/software-webgpu/register';
import { activateWasmBackend, describeWasmBackend } from './wasm-setup';

/** Backends the measurement times, cheapest to initialise first. */
const MEASURED_BACKENDS: readonly BackendName[] = ['wasm', 'webgl', 'webgpu', 'cpu'];

/**
 * Time (ms) after which activating a backend counts as failed. The threaded
 * wasm build waits for its pthread workers during initialisation, so a blocked
 * worker script would leave `tf.setBackend('wasm')` pending for ever. The
 * value is an estimate with wide headroom: wasm initialised in about 2 s in
 * headless Chromium on 2 busy cores.
 */
const ACTIVATION_TIMEOUT_MS = 60_000;

let wasmInfo: WasmInfo | null = null;

/** One controller per queued or running measurement; a forced choice aborts them all. */
const measurementControllers = new Set<AbortController>();

/** The preference of the latest request, which a measurement applies when it finishes. */
let latestPreference: BackendPreference = 'auto';

// Selections and measurements switch the global tfjs backend, so they run one at a time.
let queue: Promise<unknown> = Promise.resolve();
let queuedTasks = 0;

function exclusive<T>(task: () => Promise<T>): Promise<T> {
  queuedTasks += 1;
  const result = queue.then(task, task).finally(() => {
    queuedTasks -= 1;
  });
  queue = result.catch(() => undefined);
  return result;
}

/** True while a backend selection or measurement is queued or running. */
export function backendSelectionBusy(): boolean {
  return queuedTasks > 0;
}

/** Resolves once every selection and measurement queued so far has finished. */
export function backendSelectionSettled(): Promise<void> {
  return queue.then(() => undefined);
}

/**
 * Activates a tfjs backend in this worker. `tf.setBackend` can resolve false
 * (or even true) and leave the previous backend in place, so every attempt is
 * confirmed with `tf.getBackend()` and a tiny computation before it counts.
 *
 * For `auto`, backends are tried fastest first by `measured` when given.
 * Without a measurement, `auto` uses the fixed `AUTO_BACKEND_ORDER` and moves
 * a software WebGPU adapter behind wasm.
 */
export function selectBackend(preference: BackendPreference, measured: BackendBenchmark | null = null): Promise<BackendInfo> {
  latestPreference = preference;

  // A forced choice overrides whatever a queued or running measurement would pick, so it need not wait for it.
  if (preference !== 'auto') {
    for (const controller of measurementControllers) controller.abort();
  }
  return exclusive(() => activate(preference, measured));
}

/**
 * Times the training step on every backend, then activates the latest
 * requested preference (`preference`, unless a later `selectBackend` call
 * replaced it) with that ranking.
 */
export function measureAndSelectBackend(preference: BackendPreference): Promise<BackendInfo> {
  latestPreference = preference;
  const controller = new AbortController();
  measurementControllers.add(controller);

  return exclusive(async () => {
    try {
      const benchmark = await benchmarkBackends(
        MEASURED_BACKENDS,
        async (backend) => {
          const attempt = await tryBackend(backend);
          return attempt.ok ? null : (attempt.error ?? `${backend} did not activate.`);
        },
        DEFAULT_SPEED_MEASUREMENT,
        controller.signal,
      );
      return await activate(latestPreference, benchmark);
    } finally {
      measurementControllers.delete(controller);
    }
  });
}

async function activate(preference: BackendPreference, measured: BackendBenchmark | null): Promise<BackendInfo> {
  const adapter = await describeAdapter();
  let order: BackendName[] = [preference as BackendName];
  if (preference === 'auto') order = measured ? orderFromBenchmark(measured, AUTO_BACKEND_ORDER) : defaultOrder(adapter);
  const attempts: BackendAttempt[] = [];

  for (const backend of order) {
    const attempt = await tryBackend(backend);
    attempts.push(attempt);
    if (attempt.ok) break;
  }

  // A forced backend that failed still leaves the studio usable on the CPU.
  if (!attempts.some((a) => a.ok) && !order.includes('cpu')) {
    attempts.push(await tryBackend('cpu'));
  }

  const active = tf.getBackend() as BackendName;
  return {
    active,
    preference,
    attempts,
    adapter,
    crossOriginIsolated: typeof self !== 'undefined' && self.crossOriginIsolated === true,
    wasm: wasmInfo,
    order,
    benchmark: measured,
  };
}

/** `AUTO_BACKEND_ORDER`, with a software WebGPU adapter moved behind wasm: SwiftShader trains far slower than wasm. */
function defaultOrder(adapter: AdapterDescription | null): BackendName[] {
  const order = [...AUTO_BACKEND_ORDER];
  if (!adapter?.isFallbackAdapter) return order;

  const withoutWebgpu: BackendName[] = order.filter((backend) => backend !== 'webgpu');
  withoutWebgpu.splice(withoutWebgpu.indexOf('wasm') + 1, 0, 'webgpu');
  return withoutWebgpu;
}

async function tryBackend(backend: BackendName): Promise<BackendAttempt> {
  try {
    const activation = backend === 'wasm' ? activateWasmBackend() : tf.setBackend(backend);
    const accepted = await withTimeout(activation, ACTIVATION_TIMEOUT_MS, `tf.setBackend('${backend}')`);
    await tf.ready();
    if (!accepted || tf.getBackend() !== backend) {
      return { backend, ok: false, error: `tf.setBackend('${backend}') did not activate it (active: ${tf.getBackend() ?? 'none'}).` };
    }

    if (backend === 'webgpu' && isSoftwareAdapter(await describeAdapter())) {
      const replaced = installSoftwareWebgpuKernels();
      if (replaced.length > 0) console.info(`[backend] software WebGPU adapter: CPU-friendly kernels for ${replaced.join(', ')}`);
    }

    // Some drivers only fail at the first kernel launch, so run one.
    const probe = tf.tidy(() => tf.sum(tf.add(tf.ones([4, 4]), 1)));
    const [value] = await probe.data();
    probe.dispose();
    if (value !== 32) return { backend, ok: false, error: `A test computation on ${backend} returned ${value} instead of 32.` };

    if (backend === 'wasm' && wasmInfo === null) {
      wasmInfo = await describeWasmBackend();
      console.info(`[backend] wasm build ${wasmInfo.build} with ${wasmInfo.threadsCount} threads (crossOriginIsolated: ${self.crossOriginIsolated === true})`);
    }
    return { backend, ok: true };
  } catch (error) {
    return { backend, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s.`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True for an adapter that runs WebGPU on the CPU, such as SwiftShader. */
function isSoftwareAdapter(adapter: AdapterDescription | null): boolean {
  return adapter !== null && (adapter.isFallbackAdapter || /swiftshader/i.test(`${adapter.architecture} ${adapter.description}`));
}

/** Reads the WebGPU adapter's identity; Chromium 156 puts `isFallbackAdapter` on `adapter.info`. */
async function describeAdapter(): Promise<AdapterDescription | null> {
  const gpu = (navigator as unknown as { gpu?: GPULike }).gpu;
  if (!gpu) return null;

  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    const info = adapter.info ?? {};
    return {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
    };
  } catch {
    return null;
  }
}

/** The few WebGPU members read here, typed locally so the project needs no @webgpu/types. */
interface GPULike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
