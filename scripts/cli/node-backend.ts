import * as tf from '@tensorflow/tfjs-core';
// The full tfjs package registers every gradient (in Node too, where the ESM deep import fails).
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

import { registerWasmTrainingKernels } from '../../src/core/backend/wasm-training-kernels';
import { registerWasmTransposedMatMul } from '../../src/core/backend/wasm-transposed-matmul-kernel';

/**
 * Activates a tfjs backend for the Node command-line tools: `wasm` (XNNPACK
 * with the project's training kernels, the fast CPU path) or `cpu`. WebGPU
 * and WebGL exist only in the browser runner.
 */
export async function useNodeBackend(name: string): Promise<'wasm' | 'cpu'> {
  if (name !== 'wasm' && name !== 'cpu') {
    throw new Error(`--backend ${name} is not available in Node; use wasm (default) or cpu.`);
  }
  if (name === 'wasm') {
    registerWasmTrainingKernels({ replaceConv2DBackpropInput: true });
    registerWasmTransposedMatMul();
  }
  const accepted = await tf.setBackend(name);
  await tf.ready();
  if (!accepted || tf.getBackend() !== name) throw new Error(`The ${name} backend did not start (active: ${tf.getBackend()}).`);
  return name;
}
