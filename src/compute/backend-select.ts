import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';

import {
  AUTO_BACKEND_ORDER,
  type AdapterDescription,
  type BackendAttempt,
  type BackendInfo,
  type BackendName,
  type BackendPreference,
} from '../worker-protocol';

/**
 * Activates a tfjs backend in this worker. `tf.setBackend` can resolve false
 * (or even true) and leave the previous backend in place, so every attempt is
 * confirmed with `tf.getBackend()` and a tiny computation before it counts.
 */
export async function selectBackend(preference: BackendPreference): Promise<BackendInfo> {
  const order: BackendName[] = preference === 'auto' ? [...AUTO_BACKEND_ORDER] : [preference];
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
    adapter: await describeAdapter(),
    crossOriginIsolated: typeof self !== 'undefined' && self.crossOriginIsolated === true,
  };
}

async function tryBackend(backend: BackendName): Promise<BackendAttempt> {
  try {
    const accepted = await tf.setBackend(backend);
    await tf.ready();
    if (!accepted || tf.getBackend() !== backend) {
      return { backend, ok: false, error: `tf.setBackend('${backend}') did not activate it (active: ${tf.getBackend() ?? 'none'}).` };
    }

    // Some drivers only fail at the first kernel launch, so run one.
    const probe = tf.tidy(() => tf.sum(tf.add(tf.ones([4, 4]), 1)));
    const [value] = await probe.data();
    probe.dispose();
    if (value !== 32) return { backend, ok: false, error: `A test computation on ${backend} returned ${value} instead of 32.` };

    return { backend, ok: true };
  } catch (error) {
    return { backend, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
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
