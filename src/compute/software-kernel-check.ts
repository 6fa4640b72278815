import * as tf from '@tensorflow/tfjs-core';

import { installedSoftwareWebgpuKernels } from '../core/backend/software-webgpu/register';
import { SeededRng } from '../core/rng';
import { clipByGlobalNorm } from '../core/train/grad-clip';

/** One case of the comparison: the largest difference from the CPU backend and the largest CPU value. */
export interface KernelComparison {
  name: string;
  shape: number[];
  maxAbsDiff: number;
  maxAbsValue: number;
}

type Case = (values: (shape: number[]) => tf.Tensor) => tf.Tensor;

function gradients(f: (...inputs: tf.Tensor[]) => tf.Tensor, ...inputs: tf.Tensor[]): tf.Tensor {
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(f(...xs)))(inputs);
  return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
}

/**
 * Cases: shapes the studio's models produce (3 x 3 'same' convolutions, ViT patch embeddings,
 * attention products), and edges the kernels must get right (odd sizes, strides, transposes, a
 * broadcast batch, tied maxima). Some cases go back to the backend's kernels on purpose
 * (dilation, 'same' pooling of odd sizes).
 */
const CASES: Record<string, Case> = {
  'matmul 37x19 * 19x23': (v) => tf.matMul(v([37, 19]), v([19, 23])),
  'matmul transposed a': (v) => tf.matMul(v([19, 37]), v([19, 23]), true, false),
  'matmul transposed b': (v) => tf.matMul(v([37, 19]), v([23, 19]), false, true),
  'matmul transposed a and b': (v) => tf.matMul(v([19, 37]), v([23, 19]), true, true),
  'batched matmul 2x3x17x9 * 2x3x9x5': (v) => tf.matMul(v([2, 3, 17, 9]), v([2, 3, 9, 5])),
  'batched matmul with a shared b': (v) => tf.matMul(v([3, 5, 7]), v([7, 2])),
  'conv 3x3 same': (v) => tf.conv2d(v([2, 9, 7, 3]) as tf.Tensor4D, v([3, 3, 3, 5]) as tf.Tensor4D, 1, 'same'),
  'conv 3x3 stride 2': (v) => tf.conv2d(v([2, 9, 7, 3]) as tf.Tensor4D, v([3, 3, 3, 5]) as tf.Tensor4D, 2, 'same'),
  'conv 3x3 valid, stride 2x1': (v) => tf.conv2d(v([2, 9, 7, 3]) as tf.Tensor4D, v([3, 3, 3, 5]) as tf.Tensor4D, [2, 1], 'valid'),
  'conv 4x4 patches': (v) => tf.conv2d(v([2, 8, 8, 3]) as tf.Tensor4D, v([4, 4, 3, 6]) as tf.Tensor4D, 4, 'valid'),
  'conv dilated (backend kernel)': (v) => tf.conv2d(v([1, 9, 9, 2]) as tf.Tensor4D, v([3, 3, 2, 4]) as tf.Tensor4D, 1, 'same', 'NHWC', 2),
  'conv gradients 3x3 same': (v) => gradients((x, w) => tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')), v([2, 9, 7, 3]), v([3, 3, 3, 5])),
  'conv gradients stride 2': (v) => gradients((x, w) => tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')), v([2, 9, 7, 3]), v([3, 3, 3, 5])),
  'conv gradients 8x16x16x6 -> 8': (v) => gradients((x, w) => tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')), v([8, 16, 16, 6]), v([3, 3, 6, 8])),
  'max pool gradient 2x2 valid, odd size': (v) => gradients((x) => tf.mul(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), 1.5), v([2, 9, 7, 3])),
  'max pool gradient with ties': (v) => gradients((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), tf.round(v([2, 8, 8, 3]))),
  'max pool gradient same, odd size (backend kernel)': (v) => gradients((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same'), v([2, 9, 7, 3])),
  'sum over axes 1, 2': (v) => tf.sum(v([2, 9, 7, 3]), [1, 2]),
  'sum over axes 0, 2': (v) => tf.sum(v([2, 9, 7, 3]), [0, 2]),
  'sum of everything': (v) => tf.sum(v([2, 9, 7, 3])),
  'mean over the last axis, kept': (v) => tf.mean(v([2, 9, 7, 3]), -1, true),
  'add a bias': (v) => tf.add(v([2, 9, 7, 3]), v([3])),
  'subtract a column': (v) => tf.sub(v([2, 9, 7, 3]), v([2, 9, 7, 1])),
  'multiply a column by a row': (v) => tf.mul(v([9, 1]), v([1, 5])),
  'divide by a scalar': (v) => tf.div(v([2, 9, 7, 3]), tf.scalar(3)),
  'add a causal mask to attention scores': (v) => tf.add(v([2, 4, 7, 7]), tf.mul(tf.linalg.bandPart(tf.ones([7, 7]), -1, 0), -1e9)),
  'broadcast on both sides': (v) => tf.mul(v([5, 1, 3]), v([1, 4, 1])),
  'softmax over the last axis': (v) => tf.softmax(tf.mul(v([3, 4, 17]), 4)),
  'softmax of masked scores': (v) => tf.softmax(tf.add(v([2, 4, 7, 7]), tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([7, 7]), -1, 0)), -1e9))),
  'transpose heads [b, t, h, d] -> [b, h, t, d]': (v) => tf.transpose(v([2, 7, 4, 5]), [0, 2, 1, 3]),
  'transpose patches [b, c, y, p, x, q] -> [b, y, x, p, q, c]': (v) => tf.transpose(v([2, 3, 4, 2, 4, 2]), [0, 2, 4, 3, 5, 1]),
  'transpose a matrix': (v) => tf.transpose(v([13, 6])),
  // A float32 tensor can sit on an int32 buffer after a cast; the kernels must leave it to the backend.
  'multiply by a cast integer tensor': (v) => tf.mul(tf.cast(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), 'float32'), v([4, 2, 3])),
  'multiply by a one-hot mask': (v) => tf.mul(v([4, 3]), tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3)),
  'sum of a cast boolean mask': (v) => tf.sum(tf.cast(tf.greater(v([6, 5]), 0), 'float32'), 0),
  // Not a replaced kernel: tf.addN of more than 7 tensors used to fail on webgpu and corrupt this norm.
  'global gradient norm of 12 tensors': (v) => clipByGlobalNorm(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`g${i}`, v([3, i + 1])])), 1).norm,
  'softmax cross-entropy gradient': (v) => gradients((logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3), logits), v([4, 3])),
};

async function run(backend: 'cpu' | 'webgpu', name: string, seed: number): Promise<{ shape: number[]; values: Float32Array }> {
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`The ${backend} backend did not activate (active: ${tf.getBackend()}); the kernel comparison needs both cpu and webgpu.`);
  const rng = new SeededRng(seed);
  const out = tf.tidy(() => CASES[name]!((shape) => tf.tensor(rng.uniformArray(tf.util.sizeFromShape(shape), -2, 2), shape)));
  const values = (await out.data()) as Float32Array;
  const shape = out.shape;
  out.dispose();
  return { shape, values };
}

/**
 * Runs every case on the CPU backend and on `webgpu` and reports the differences, so a test can
 * check the software-adapter kernels on real WebGPU. Needs `webgpu` active with those kernels
 * installed, and leaves it active.
 */
export async function compareSoftwareKernels(): Promise<{ installed: string[]; cases: KernelComparison[] }> {
  if (tf.getBackend() !== 'webgpu') throw new Error('Activate the webgpu backend before comparing its kernels.');
  const cases: KernelComparison[] = [];
  try {
    for (const [index, name] of Object.keys(CASES).entries()) {
      const expected = await run('cpu', name, index);
      const actual = await run('webgpu', name, index);
      if (actual.shape.join('x') !== expected.shape.join('x')) throw new Error(`${name}: shape ${actual.shape} on webgpu, ${expected.shape} on cpu.`);
      let maxAbsDiff = 0;
      let maxAbsValue = 0;
      expected.values.forEach((value, i) => {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(value - actual.values[i]!));
        maxAbsValue = Math.max(maxAbsValue, Math.abs(value));
      });
      cases.push({ name, shape: actual.shape, maxAbsDiff, maxAbsValue });
    }
  } finally {
    await tf.setBackend('webgpu');
  }
  return { installed: installedSoftwareWebgpuKernels(), cases };
}
