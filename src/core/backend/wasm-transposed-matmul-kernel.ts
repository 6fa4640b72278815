import * as tf from '@tensorflow/tfjs-core';

import { kernelInput } from './kernel-tensors';

/**
 * tfjs-backend-wasm 4.22.0 sends a `BatchMatMul` to XNNPACK only when it is a single product
 * (batch 1) with neither operand transposed. Any transposed operand takes a plain loop that is
 * about 12x slower: [200, 768] x [768, 768]^T took 101 ms against 8 ms for the same product
 * with the weight transposed first (Node 20, shared 2-core AMD EPYC VM). Linear layers with
 * PyTorch-layout weights [out, in] and the gradients of every matMul hit that loop.
 *
 * This kernel transposes such operands with the wasm `Transpose` kernel and runs the original
 * kernel without transposes. Batched products (batch > 1) go to the original kernel unchanged,
 * because it loops over them in either case.
 */
let originalKernel: tf.KernelConfig | undefined;

function transposedMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const original = originalKernel!;
  const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
  const a = args.inputs.a!;
  const b = args.inputs.b!;
  const isSingleProduct = batchSize(a.shape) === 1 && batchSize(b.shape) === 1;
  if (!isSingleProduct || (!attrs.transposeA && !attrs.transposeB)) {
    return original.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }

  // Rank 2 after dropping the size-1 batch axes, so each transpose is a plain 2-D one.
  const [plainA, plainB] = tf.tidy(() => {
    const a2d = tf.reshape(kernelInput(tf.BatchMatMul, args.inputs, 'a'), a.shape.slice(-2));
    const b2d = tf.reshape(kernelInput(tf.BatchMatMul, args.inputs, 'b'), b.shape.slice(-2));
    return [attrs.transposeA ? tf.transpose(a2d) : a2d, attrs.transposeB ? tf.transpose(b2d) : b2d];
  });

  try {
    const product = original.kernelFunc({
      inputs: { a: plainA, b: plainB },
      backend: args.backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    } as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;

    // The caller expects the batch axes of its inputs, e.g. [1, m, n] for rank-3 operands.
    const rank = Math.max(a.shape.length, b.shape.length);
    product.shape = [...Array<number>(rank - 2).fill(1), ...product.shape.slice(-2)];
    return product;
  } finally {
    plainA.dispose();
    plainB.dispose();
  }
}

function batchSize(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((product, size) => product * size, 1);
}

/**
 * Replaces the wasm `BatchMatMul` with `transposedMatMul`, keeping the original's setup function
 * so the backend can initialise before or after this call. Returns true when it replaced the
 * kernel, false when it was already replaced. Throws when @tensorflow/tfjs-backend-wasm is not imported.
 */
export function registerWasmTransposedMatMul(): boolean {
  const current = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (current == null) {
    throw new Error('registerWasmTransposedMatMul: the wasm BatchMatMul kernel is not registered. Import @tensorflow/tfjs-backend-wasm first.');
  }
  if (current.kernelFunc === (transposedMatMul as unknown as tf.KernelFunc)) return false;

  originalKernel = current;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    setupFunc: current.setupFunc,
    disposeFunc: current.disposeFunc,
    kernelFunc: transposedMatMul as unknown as tf.KernelFunc,
  });
  return true;
}
