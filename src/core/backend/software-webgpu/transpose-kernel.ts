import * as tf from '@tensorflow/tfjs-core';

import { mergeAxes, threadCoordinates } from './axis-runs';
import { allFloat32, type GpuBackendLike, threadProgram } from './program';

/**
 * `Transpose` with the shapes in the shader: one thread per output element finds its input
 * element with divisions by constants. Output axes that are also neighbours, in order, in the
 * input are merged first, so a head split such as [b, t, h, d] -> [b, h, t, d] needs three.
 */
export function transpose(backend: GpuBackendLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo | null {
  if (!allFloat32(backend, x) || x.shape.length < 2) return null;

  const outShape = perm.map((axis) => x.shape[axis]!);
  const size = tf.util.sizeFromShape(outShape);
  if (size === 0) return null;

  const inStrides = [...tf.util.computeStrides(x.shape), 1];
  const axes = mergeAxes(
    outShape,
    (axis) => perm[axis] === perm[axis - 1]! + 1,
    (run) => ({ size: run.reduce((product, axis) => product * outShape[axis]!, 1), stride: inStrides[perm[run[run.length - 1]!]!]! }),
  );

  const coordinates = threadCoordinates(axes.map((axis) => axis.size));
  const terms = axes.map(({ stride }, i) => `${coordinates[i]} * ${stride}`);
  const body = `result[thread] = X[${terms.join(' + ')}];`;
  const key = `transpose_${x.shape.join('x')}_${perm.join('_')}`;
  return backend.runWebGPUProgram(threadProgram(key, outShape, ['X'], size, body), [x], 'float32');
}
