import { create } from 'zustand';

import type { BackendBenchmark, BackendInfo, BackendPreference } from '../worker-protocol';
import { getTrainingWorker } from './workers';

interface BackendState {
  preference: BackendPreference;
  info: BackendInfo | null;
  /** The latest measurement on this device, from this session or from localStorage. */
  benchmark: BackendBenchmark | null;
  status: 'idle' | 'selecting' | 'measuring' | 'ready' | 'error';
  error: string | null;
  /**
   * Activates a backend. `auto` uses this device's stored measurement, and
   * measures first when there is none.
   */
  select(preference: BackendPreference): Promise<void>;
  /** Measures every backend again, stores the result for this device and re-applies the preference. */
  measure(): Promise<void>;
}

/** localStorage key prefix; bump the version when `BackendBenchmark` changes shape. */
const STORAGE_PREFIX = 'clipit.backend-benchmark.v1:';

// Only the latest request may set `info`, because a forced choice can
// overtake a running measurement (the worker cancels the measurement).
let latestRequest = 0;

export const useBackendStore = create<BackendState>((set, get) => ({
  preference: 'auto',
  info: null,
  benchmark: null,
  status: 'idle',
  error: null,

  async select(preference) {
    // React's development mode runs mount effects twice; one measurement is enough.
    if (preference === 'auto' && get().status === 'measuring' && get().preference === 'auto') return;

    const request = ++latestRequest;
    set({ preference, status: 'selecting', error: null });
    try {
      const worker = getTrainingWorker();
      const stored = readStoredBenchmark(await deviceKey());
      if (stored && !get().benchmark) set({ benchmark: stored });

      if (preference === 'auto' && !stored) {
        await measureAndApply(request, set);
        return;
      }

      const info = await worker.initBackend(preference, preference === 'auto' ? (stored ?? undefined) : undefined);
      if (request === latestRequest) set({ info, status: 'ready' });
    } catch (error) {
      if (request === latestRequest) set({ status: 'error', error: errorMessage(error) });
    }
  },

  async measure() {
    const request = ++latestRequest;
    try {
      await measureAndApply(request, set);
    } catch (error) {
      if (request === latestRequest) set({ status: 'error', error: errorMessage(error) });
    }
  },
}));

async function measureAndApply(request: number, set: (partial: Partial<BackendState>) => void): Promise<void> {
  set({ status: 'measuring', error: null });
  const preference = useBackendStore.getState().preference;
  const info = await getTrainingWorker().measureBackends(preference);

  // An incomplete measurement (cancelled by a forced choice) is shown but not kept for later opens.
  if (info.benchmark) {
    set({ benchmark: info.benchmark });
    if (info.benchmark.complete) storeBenchmark(await deviceKey(), info.benchmark);
  }
  if (request === latestRequest) set({ info, status: 'ready' });
}

/**
 * Identifies this device for the stored measurement: browser build, logical
 * cores and WebGPU adapter. A new browser version or GPU driver measures again.
 */
async function deviceKey(): Promise<string> {
  const parts = [navigator.userAgent, `cores=${navigator.hardwareConcurrency}`];
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } }).gpu;
  try {
    const adapter = gpu ? await gpu.requestAdapter() : null;
    const info = adapter?.info;
    parts.push(info ? [info.vendor, info.architecture, info.device, info.description, info.isFallbackAdapter ? 'fallback' : 'hardware'].join('/') : 'no-webgpu');
  } catch {
    parts.push('no-webgpu');
  }
  return STORAGE_PREFIX + parts.join('|');
}

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}

function readStoredBenchmark(key: string): BackendBenchmark | null {
  try {
    const text = localStorage.getItem(key);
    if (!text) return null;
    const parsed = JSON.parse(text) as BackendBenchmark;
    return Array.isArray(parsed.results) && parsed.complete === true ? parsed : null;
  } catch (error) {
    console.warn(`[backend] ignoring the stored backend measurement "${key}": ${errorMessage(error)}`);
    return null;
  }
}

function storeBenchmark(key: string, benchmark: BackendBenchmark): void {
  try {
    localStorage.setItem(key, JSON.stringify(benchmark));
  } catch (error) {
    // Private windows and full storage reject writes; the next open simply measures again.
    console.warn(`[backend] could not store the backend measurement: ${errorMessage(error)}`);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
