import * as tf from '@tensorflow/tfjs-core';

import { BROADCAST_OPS, type BroadcastOp, broadcastBinary } from './broadcast-kernel';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv2d-kernels';
import { batchMatMul } from './matmul-kernel';
import { maxPoolGrad } from './max-pool-grad-kernel';
import type { GpuBackendLike } from './program';
import { reduceSum } from './reduce-kernel';
import { softmax } from './softmax-kernel';
import { transpose } from './transpose-kernel';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };
type Replacement = (args: KernelArgs) => tf.TensorInfo | null;

function dataFormat(format: unknown): 'channelsFirst' | 'channelsLast' {
  return format === 'NCHW' ? 'channelsFirst' : 'channelsLast';
}

function attr<T>(args: KernelArgs, name: string): T {
  return (args.attrs as Record<string, unknown>)[name] as T;
}

function gpu(args: KernelArgs): GpuBackendLike {
  return args.backend as unknown as GpuBackendLike;
}

/** Kernels replaced on a software WebGPU adapter; each returns null to hand a case back. */
const REPLACEMENTS: Record<string, Replacement> = {
  [tf.BatchMatMul]: (args) => batchMatMul(gpu(args), args.inputs.a!, args.inputs.b!, attr(args, 'transposeA'), attr(args, 'transposeB')),

  [tf.Conv2D]: (args) => {
    const { x, filter } = args.inputs;
    const info = tf.backend_util.computeConv2DInfo(
      x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number],
      attr(args, 'strides'), attr(args, 'dilations'), attr(args, 'pad'), attr(args, 'dimRoundingMode'), false, dataFormat(attr(args, 'dataFormat')));
    return conv2d(gpu(args), x!, filter!, info);
  },

  [tf.Conv2DBackpropInput]: (args) => {
    const { dy, filter } = args.inputs;
    const info = tf.backend_util.computeConv2DInfo(
      attr(args, 'inputShape'), filter!.shape as [number, number, number, number],
      attr(args, 'strides'), 1, attr(args, 'pad'), attr(args, 'dimRoundingMode'), false, dataFormat(attr(args, 'dataFormat')));
    return conv2dBackpropInput(gpu(args), dy!, filter!, info);
  },

  [tf.Conv2DBackpropFilter]: (args) => {
    const { x, dy } = args.inputs;
    const info = tf.backend_util.computeConv2DInfo(
      x!.shape as [number, number, number, number], attr(args, 'filterShape'),
      attr(args, 'strides'), 1, attr(args, 'pad'), attr(args, 'dimRoundingMode'), false, dataFormat(attr(args, 'dataFormat')));
    return conv2dBackpropFilter(gpu(args), x!, dy!, info);
  },

  [tf.MaxPoolGrad]: (args) => {
    const { dy, input } = args.inputs;
    const info = tf.backend_util.computePool2DInfo(
      input!.shape as [number, number, number, number], attr(args, 'filterSize'), attr(args, 'strides'), 1, attr(args, 'pad'), attr(args, 'dimRoundingMode'));
    return maxPoolGrad(gpu(args), dy!, input!, info);
  },

  [tf.Softmax]: (args) => softmax(gpu(args), args.inputs.logits!, attr(args, 'dim')),
  [tf.Transpose]: (args) => transpose(gpu(args), args.inputs.x!, attr(args, 'perm')),

  [tf.Sum]: (args) => reduceSum(gpu(args), args.inputs.x!, attr(args, 'axis'), attr(args, 'keepDims'), false),
  [tf.Mean]: (args) => reduceSum(gpu(args), args.inputs.x!, attr(args, 'axis'), attr(args, 'keepDims'), true),

  ...Object.fromEntries(
    (Object.keys(BROADCAST_OPS) as BroadcastOp[]).map((op) => [op, (args: KernelArgs) => broadcastBinary(gpu(args), op, args.inputs.a!, args.inputs.b!)]),
  ),
};

const installed = new Set<string>();

/** Names of the kernels replaced so far in this thread. */
export function installedSoftwareWebgpuKernels(): string[] {
  return [...installed];
}

/**
 * Replaces the `webgpu` backend's matmul, convolution, reduction and broadcasting kernels with
 * ones suited to a software adapter (SwiftShader runs WebGPU on the CPU). Each replacement
 * hands cases it does not cover to the kernel it replaced. Call it only for such an adapter:
 * on a real GPU the backend's tiled kernels are faster. Idempotent; returns the kernel names
 * replaced by this call.
 */
export function installSoftwareWebgpuKernels(): string[] {
  const replaced: string[] = [];
  for (const [kernelName, replacement] of Object.entries(REPLACEMENTS)) {
    if (installed.has(kernelName)) continue;
    const original = tf.getKernel(kernelName, 'webgpu');
    if (!original) continue;

    tf.unregisterKernel(kernelName, 'webgpu');
    tf.registerKernel({
      kernelName,
      backendName: 'webgpu',
      kernelFunc: (args) => replacement(args as KernelArgs) ?? (original.kernelFunc(args) as tf.TensorInfo),
    });
    installed.add(kernelName);
    replaced.push(kernelName);
  }
  return replaced;
}
