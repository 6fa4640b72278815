import * as tf from '@tensorflow/tfjs-core';

import { conv2dBackpropFilter } from './conv2d-backprop-filter-kernel';
import { conv2dBackpropInput } from './conv2d-backprop-input-kernel';
import { depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './depthwise-conv2d-backprop-kernels';
import { unsortedSegmentSum } from './unsorted-segment-sum-kernel';

/**
 * Kernels that training needs and @tensorflow/tfjs-backend-wasm 4.22.0 does not register,
 * found by running the gradients of conv2d, depthwiseConv2d, separableConv2d,
 * conv2dTranspose and gather (embeddings) on `wasm`. Each one is composed of tf ops that
 * wasm already has, and runs on whichever backend is active when it is called.
 */
export const WASM_TRAINING_KERNELS: ReadonlyArray<{ kernelName: string; kernelFunc: tf.KernelFunc }> = [
  { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2dBackpropFilter as tf.KernelFunc },
  { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, kernelFunc: depthwiseConv2dBackpropFilter as tf.KernelFunc },
  { kernelName: tf.DepthwiseConv2dNativeBackpropInput, kernelFunc: depthwiseConv2dBackpropInput as tf.KernelFunc },
  { kernelName: tf.UnsortedSegmentSum, kernelFunc: unsortedSegmentSum as tf.KernelFunc },
];

export interface WasmTrainingKernelOptions {
  /**
   * Also replace wasm's own `Conv2DBackpropInput`, a plain loop, with one XNNPACK
   * convolution (9 ms against 62 ms for a 3x3 16->32 layer on 16x32x32 inputs, Node 20).
   * Off by default so that kernels the wasm package registers stay untouched.
   */
  replaceConv2DBackpropInput?: boolean;
}

/**
 * Registers for the `wasm` backend each kernel of `WASM_TRAINING_KERNELS` that it lacks
 * (and, when asked, the faster `Conv2DBackpropInput`), and returns the names registered
 * by this call.
 *
 * Idempotent: calling it again with the same options registers nothing and returns [].
 * Without `replaceConv2DBackpropInput`, a kernel already registered for wasm is left
 * alone. It does not need the backend to be initialised.
 */
export function registerWasmTrainingKernels(options: WasmTrainingKernelOptions = {}): string[] {
  const registered: string[] = [];
  for (const { kernelName, kernelFunc } of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(kernelName, 'wasm') != null) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    registered.push(kernelName);
  }

  const current = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (options.replaceConv2DBackpropInput && current?.kernelFunc !== conv2dBackpropInput) {
    if (current != null) tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
    tf.registerKernel({ kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2dBackpropInput as tf.KernelFunc });
    registered.push(tf.Conv2DBackpropInput);
  }
  return registered;
}
