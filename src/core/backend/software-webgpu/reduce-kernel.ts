import * as tf from '@tensorflow/tfjs-core';

import { allFloat32, f32, type GpuBackendLike, threadProgram } from './program';

/** Above this many inputs per output, a reduction with few outputs is left to the backend's kernel. */
const MAX_SERIAL_LENGTH = 1 << 16;

/**
 * `Sum` or `Mean` over any axes of a float32 tensor, one output per thread: the thread finds its
 * first input from its kept coordinates, then walks the reduced axes in nested loops. Returns
 * null when the backend's own kernel suits better (other dtypes, long reductions to few outputs).
 */
export function reduceSum(backend: GpuBackendLike, x: tf.TensorInfo, axis: number | number[], keepDims: boolean, mean: boolean): tf.TensorInfo | null {
  if (!allFloat32(backend, x) || x.shape.length === 0) return null;

  const axes = tf.util.parseAxisParam(axis, x.shape);
  const strides = [...tf.util.computeStrides(x.shape), 1];
  const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outputs = tf.util.sizeFromShape(keptAxes.map((i) => x.shape[i]));
  const length = tf.util.sizeFromShape(axes.map((i) => x.shape[i]));
  if (outputs < 64 && length > MAX_SERIAL_LENGTH) return null;

  // Kept coordinates from the innermost out: each is the remainder of the thread index.
  const start = [...keptAxes].reverse().map((i) => `base += (rest % ${x.shape[i]}) * ${strides[i]}; rest = rest / ${x.shape[i]};`).join('\n');
  const open = axes.map((i, depth) => `for (var i${depth} = 0; i${depth} < ${x.shape[i]}; i${depth}++) {`).join('\n');
  const offset = axes.map((i, depth) => `i${depth} * ${strides[i]}`).join(' + ') || '0';
  const close = axes.map(() => '}').join('\n');
  const body = `
    var rest = thread;
    var base = 0;
    ${start}
    var total = 0.0;
    ${open}
      total += X[base + ${offset}];
    ${close}
    result[thread] = ${mean ? `total * ${f32(1 / length)}` : 'total'};
  `;
  const reducedShape = x.shape.map((size, i) => (axes.includes(i) ? 1 : size));
  const outShape = keepDims ? reducedShape : keptAxes.map((i) => x.shape[i]);
  const key = `${mean ? 'mean' : 'sum'}_${x.shape.join('x')}_${axes.join('_')}_${keepDims}`;
  return backend.runWebGPUProgram(threadProgram(key, outShape, ['X'], outputs, body), [x], 'float32');
}
