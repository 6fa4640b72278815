/**
 * Access to the GPUDevice behind the tfjs `webgpu` backend, and re-creation
 * of that backend on a fresh adapter and device after a device loss.
 *
 * The WebGPU members used here are typed locally, so the project needs no
 * @webgpu/types.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export interface GpuDeviceLostInfo {
  reason: 'destroyed' | 'unknown' | string;
  message: string;
}

/** A GPUError; the name of its subclass (e.g. `GPUOutOfMemoryError`) is the kind of error. */
export interface GpuErrorLike {
  message: string;
  constructor: { name: string };
}

export interface GpuDeviceLike extends EventTarget {
  lost: Promise<GpuDeviceLostInfo>;
  destroy(): void;
  pushErrorScope(filter: 'out-of-memory' | 'validation' | 'internal'): void;
  popErrorScope(): Promise<GpuErrorLike | null>;
  onuncapturederror: ((event: Event & { error: GpuErrorLike }) => void) | null;
}

interface GpuAdapterLike {
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  info?: unknown;
  requestDevice(descriptor: { requiredFeatures: string[]; requiredLimits: Record<string, number> }): Promise<GpuDeviceLike>;
}

interface GpuLike {
  requestAdapter(options: { powerPreference: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

/**
 * Adapter limits the new device requests: the set that
 * @tensorflow/tfjs-backend-webgpu 4.22.0 requests when it creates its own
 * device (dist/base.js), so the re-created backend gets the same limits.
 */
const REQUESTED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;

/** Priority tfjs gives `webgpu` in its own registration, so `auto` ordering stays the same after a re-creation. */
const WEBGPU_PRIORITY = 3;

/** Returns the device of the active `webgpu` backend, or null when another backend is active. */
export function activeGpuDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device: GpuDeviceLike }).device;
}

/**
 * Replaces the `webgpu` backend with one on a new adapter and device and
 * activates it. Tensors of the old backend are lost with its device, so
 * callers dispose their models first and rebuild them from a checkpoint.
 */
export async function recreateWebgpuBackend(): Promise<void> {
  // removeBackend disposes the old backend (its buffer pools) and removes the factory tfjs registered.
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', createWebgpuBackend, WEBGPU_PRIORITY);

  const accepted = await tf.setBackend('webgpu');
  await tf.ready();
  if (!accepted || tf.getBackend() !== 'webgpu') {
    throw new Error(`The WebGPU backend could not be re-created after the device loss (active backend: ${tf.getBackend() ?? 'none'}). Reload the page to continue from the last checkpoint.`);
  }

  // A new device can still fail at its first kernel launch, so run one before training resumes.
  const probe = tf.tidy(() => tf.sum(tf.add(tf.ones([4, 4]), 1)));
  const [value] = await probe.data();
  probe.dispose();
  if (value !== 32) throw new Error(`A test computation on the re-created WebGPU backend returned ${value} instead of 32.`);
}

async function createWebgpuBackend(): Promise<tf.KernelBackend> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) throw new Error('WebGPU is not available in this browser any more.');

  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('The browser returned no WebGPU adapter after the device loss.');

  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];

  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const BackendClass = WebGPUBackend as unknown as new (device: GpuDeviceLike, adapterInfo?: unknown) => tf.KernelBackend;
  return new BackendClass(device, adapter.info);
}
