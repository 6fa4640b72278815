import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerWasmTransposedMatMul } from '../../../src/core/backend/wasm-transposed-matmul-kernel';
import { SeededRng } from '../../../src/core/rng';

// Max |wasm - cpu| / max |cpu|: both sum float32 products in different orders.
const RELATIVE_TOLERANCE = 1e-5;

let replacedByFirstCall = false;

beforeAll(async () => {
  replacedByFirstCall = registerWasmTransposedMatMul();
  for (const name of ['cpu', 'wasm']) {
    if (!(await tf.setBackend(name))) throw new Error(`Backend ${name} failed to initialise.`);
  }
});

function randomValues(shape: number[], seed: string): Float32Array {
  const size = shape.reduce((product, length) => product * length, 1);
  return new SeededRng(seed).normalArray(size, 1);
}

/** Runs `compute` on `backend` and returns its values, shapes and the tensors it left behind. */
async function runOn(backend: 'cpu' | 'wasm', compute: () => tf.Tensor[]): Promise<{ values: Float32Array[]; shapes: number[][]; leaked: number }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outputs = compute();
  const values = outputs.map((output) => output.dataSync() as Float32Array);
  const shapes = outputs.map((output) => output.shape);
  tf.dispose(outputs);
  return { values, shapes, leaked: tf.memory().numTensors - before };
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let maxDiff = 0;
  let maxExpected = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxExpected = Math.max(maxExpected, Math.abs(expected[i]));
  }
  return maxDiff / maxExpected;
}

const CASES: { name: string; a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
  { name: 'a x b^T', a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
  { name: 'a^T x b', a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
  { name: 'a^T x b^T', a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  { name: 'rank 3, batch 1, b^T', a: [1, 5, 7], b: [1, 3, 7], transposeA: false, transposeB: true },
  { name: 'rank 3 a, rank 2 b^T', a: [1, 5, 7], b: [3, 7], transposeA: false, transposeB: true },
  { name: 'batch 4, b^T (original kernel)', a: [4, 5, 7], b: [4, 3, 7], transposeA: false, transposeB: true },
  { name: 'no transpose (original kernel)', a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
];

describe('registerWasmTransposedMatMul', () => {
  it('replaces the kernel once', () => {
    expect(replacedByFirstCall).toBe(true);
    expect(registerWasmTransposedMatMul()).toBe(false);
  });

  for (const testCase of CASES) {
    it(`matMul ${testCase.name} matches cpu`, async () => {
      const aValues = randomValues(testCase.a, `${testCase.name}-a`);
      const bValues = randomValues(testCase.b, `${testCase.name}-b`);
      const compute = () => tf.tidy(() => [tf.matMul(tf.tensor(aValues, testCase.a), tf.tensor(bValues, testCase.b), testCase.transposeA, testCase.transposeB)]);

      const expected = await runOn('cpu', compute);
      const actual = await runOn('wasm', compute);

      expect(actual.shapes).toEqual(expected.shapes);
      expect(relativeError(actual.values[0], expected.values[0])).toBeLessThan(RELATIVE_TOLERANCE);
      expect(actual.leaked).toBe(0);
    });
  }

  it('gradients of a linear layer match cpu', async () => {
    const xValues = randomValues([6, 8], 'x');
    const weightValues = randomValues([4, 8], 'weight');
    const compute = () => {
      const x = tf.tensor2d(xValues, [6, 8]);
      const weight = tf.tensor2d(weightValues, [4, 8]);
      const linear = (input: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.matMul(input, w, false, true)));
      const [dx, dWeight] = tf.grads(linear)([x, weight]);
      tf.dispose([x, weight]);
      return [dx, dWeight];
    };

    const expected = await runOn('cpu', compute);
    const actual = await runOn('wasm', compute);

    expect(actual.shapes).toEqual([[6, 8], [4, 8]]);
    expect(relativeError(actual.values[0], expected.values[0])).toBeLessThan(RELATIVE_TOLERANCE);
    expect(relativeError(actual.values[1], expected.values[1])).toBeLessThan(RELATIVE_TOLERANCE);
    expect(actual.leaked).toBe(0);
  });
});
