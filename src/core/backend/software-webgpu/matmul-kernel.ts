import * as tf from '@tensorflow/tfjs-core';

import { allFloat32, type GpuBackendLike, threadProgram } from './program';
import { accumulate, blockCols, declareAccumulators, type RegisterBlock, storeAccumulators, unroll } from './register-block';

/**
 * `BatchMatMul` for float32 operands whose batch sizes match or are 1, as register-blocked
 * threads. Returns null for anything else, so the caller runs the backend's own kernel.
 */
export function batchMatMul(backend: GpuBackendLike, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo | null {
  if (!allFloat32(backend, a, b) || a.shape.length < 2 || b.shape.length < 2) return null;

  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  if (batchA === batchB && outerA.join(',') !== outerB.join(',')) return null;

  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = transposeA ? aCols : aRows;
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  if ((transposeB ? bCols : bRows) !== k) return null;

  const batch = Math.max(batchA, batchB);
  const outShape = [...(batchA >= batchB ? outerA : outerB), m, n];
  const block: RegisterBlock = { rows: Math.min(8, m), cols: blockCols(n) };
  const rowBlocks = Math.ceil(m / block.rows);
  const colBlocks = Math.ceil(n / block.cols);
  const blocksPerBatch = rowBlocks * colBlocks;

  // Element (row, kk) of A is at aBase + row * aRowStride + kk * aKStride; likewise for B.
  const aRowStride = transposeA ? 1 : k;
  const aKStride = transposeA ? m : 1;
  const bColStride = transposeB ? k : 1;
  const bKStride = transposeB ? 1 : n;

  const body = `
    let batch = thread / ${blocksPerBatch};
    let rest = thread % ${blocksPerBatch};
    let row0 = (rest / ${colBlocks}) * ${block.rows};
    let col0 = (rest % ${colBlocks}) * ${block.cols};
    let aBatch = ${batchA > 1 ? `batch * ${m * k}` : '0'};
    let bBatch = ${batchB > 1 ? `batch * ${k * n}` : '0'};
    ${unroll(block.rows, (r) => `let aRow_${r} = aBatch + min(row0 + ${r}, ${m - 1}) * ${aRowStride};`)}
    ${unroll(block.cols, (c) => `let bCol_${c} = bBatch + min(col0 + ${c}, ${n - 1}) * ${bColStride};`)}
    ${declareAccumulators(block)}
    for (var kk = 0; kk < ${k}; kk++) {
      ${unroll(block.rows, (r) => `let a_${r} = A[aRow_${r} + kk * ${aKStride}];`)}
      ${unroll(block.cols, (c) => `let b_${c} = B[bCol_${c} + kk * ${bKStride}];`)}
      ${accumulate(block)}
    }
    ${storeAccumulators(
      block,
      (r) => `row0 + ${r} < ${m}`,
      (c) => `col0 + ${c} < ${n}`,
      (r, c) => `batch * ${m * n} + (row0 + ${r}) * ${n} + col0 + ${c}`,
    )}
  `;
  const key = `matmul_${batchA}_${batchB}_${m}_${k}_${n}_${transposeA}_${transposeB}`;
  return backend.runWebGPUProgram(threadProgram(key, outShape, ['A', 'B'], batch * blocksPerBatch, body), [a, b], 'float32');
}
