import * as tf from '@tensorflow/tfjs-core';

import { mergeAxes, threadCoordinates } from './axis-runs';
import { allFloat32, type GpuBackendLike, threadProgram } from './program';

/** WGSL for each binary op this kernel covers. */
export const BROADCAST_OPS = {
  [tf.Add]: 'a + b',
  [tf.Sub]: 'a - b',
  [tf.Multiply]: 'a * b',
  [tf.RealDiv]: 'a / b',
} as const;

export type BroadcastOp = keyof typeof BROADCAST_OPS;

/**
 * Runs a float32 binary op whose operands have different shapes. The backend's kernel turns each
 * output index into coordinates with divisions by shapes passed at run time, which is slow on a
 * CPU: about 170 ns per element on SwiftShader for a bias add. Here the shapes are constants of
 * the shader, so the compiler replaces those divisions. Equal shapes need no coordinates and
 * stay with the backend's kernel, as does everything else this returns null for.
 */
export function broadcastBinary(backend: GpuBackendLike, op: BroadcastOp, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  if (!allFloat32(backend, a, b)) return null;
  if (tf.util.arraysEqual(a.shape, b.shape)) return null;

  const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const size = tf.util.sizeFromShape(outShape);
  if (size === 0) return null;

  // Align both operands to the output's rank, then merge neighbouring axes that broadcast alike.
  const aligned = (shape: number[]) => [...Array<number>(outShape.length - shape.length).fill(1), ...shape];
  const aShape = aligned(a.shape);
  const bShape = aligned(b.shape);
  const spans = (shape: number[], axis: number) => shape[axis] === outShape[axis];
  const axes = mergeAxes(
    outShape,
    (axis) => spans(aShape, axis) === spans(aShape, axis - 1) && spans(bShape, axis) === spans(bShape, axis - 1),
    (run) => ({ size: run.reduce((product, axis) => product * outShape[axis]!, 1), inA: spans(aShape, run[0]!), inB: spans(bShape, run[0]!) }),
  );

  const coords = threadCoordinates(axes.map((axis) => axis.size)).map((coordinate, i) => `let coord${i} = ${coordinate};`);
  const index = (name: string, covers: (axis: { inA: boolean; inB: boolean }) => boolean): string => {
    const terms = axes.map((axis, i) => {
      if (!covers(axis) || axis.size === 1) return null;
      const stride = axes.slice(i + 1).filter(covers).reduce((product, inner) => product * inner.size, 1);
      return `coord${i} * ${stride}`;
    });
    return `let ${name} = ${terms.filter((term) => term !== null).join(' + ') || '0'};`;
  };
  const body = `
    ${coords.join('\n')}
    ${index('at', (axis) => axis.inA)}
    ${index('bt', (axis) => axis.inB)}
    let a = A[at];
    let b = B[bt];
    result[thread] = ${BROADCAST_OPS[op]};
  `;
  const key = `${op}_${a.shape.join('x')}_${b.shape.join('x')}`;
  return backend.runWebGPUProgram(threadProgram(key, outShape, ['A', 'B'], size, body), [a, b], 'float32');
}
