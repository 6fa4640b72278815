import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { conv2dBackpropInput } from '../../../src/core/backend/conv2d-backprop-input-kernel';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../../src/core/backend/wasm-training-kernels';
import { SeededRng } from '../../../src/core/rng';

// Max-norm relative error: max |wasm - cpu| / max |cpu| over a tensor. Both backends
// compute in float32 but sum in different orders, so a per-element relative error
// would blow up on entries that cancel to near zero.
const RELATIVE_TOLERANCE = 1e-4;

type Backend = 'cpu' | 'wasm';

const missingBeforeRegistration = WASM_TRAINING_KERNELS.map((k) => k.kernelName).filter(
  (name) => tf.getKernel(name, 'wasm') == null,
);
let registeredByFirstCall: string[] = [];

beforeAll(async () => {
  registeredByFirstCall = registerWasmTrainingKernels();
  for (const name of ['cpu', 'wasm']) {
    if (!(await tf.setBackend(name))) throw new Error(`Backend ${name} failed to initialise.`);
  }
});

/** Reads a tensor's values as float64 on the backend that made it. */
function values(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/**
 * Runs `compute` on one backend inside a tidy and returns its outputs' values,
 * checking that it leaves no tensor and no backend buffer behind.
 */
async function runOn(backend: Backend, compute: () => tf.Tensor | tf.Tensor[]): Promise<Float64Array[]> {
  await tf.setBackend(backend);
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.backend().numDataIds();

  const outputs = tf.tidy(compute);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const result = list.map(values);
  tf.dispose(list);

  expect(tf.memory().numTensors, `tensors left by the computation on ${backend}`).toBe(tensorsBefore);
  expect(tf.backend().numDataIds(), `buffers left by the computation on ${backend}`).toBe(buffersBefore);
  return result;
}

function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  return scale === 0 ? worst : worst / scale;
}

function expectClose(actual: Float64Array, expected: Float64Array, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  expect(actual.every(Number.isFinite), `${label}: finite`).toBe(true);
  expect(maxRelativeError(actual, expected), `${label}: max-norm relative error`).toBeLessThan(RELATIVE_TOLERANCE);
}

/** Runs `compute` on cpu and on wasm and checks each output agrees. */
async function expectBackendsAgree(label: string, compute: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const cpu = await runOn('cpu', compute);
  const wasm = await runOn('wasm', compute);
  expect(wasm.length, `${label}: output count`).toBe(cpu.length);
  cpu.forEach((expected, i) => expectClose(wasm[i], expected, `${label} output ${i}`));
}

/** Normal samples with a fixed seed, so both backends see the same inputs. */
function normal(rng: SeededRng, shape: number[]): Float32Array {
  return rng.normalArray(shape.reduce((a, b) => a * b, 1));
}

describe('registerWasmTrainingKernels', () => {
  it('registers only absent kernels', () => {
    expect(missingBeforeRegistration.length, 'kernels absent from tfjs-backend-wasm 4.22.0').toBe(4);
    expect([...registeredByFirstCall].sort()).toEqual([...missingBeforeRegistration].sort());
    for (const name of registeredByFirstCall) {
      expect(tf.getKernel(name, 'wasm'), `${name} on wasm`).toBeDefined();
    }
  });

  it('is idempotent', () => {
    expect(registerWasmTrainingKernels()).toEqual([]);
  });
});

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number];
  outChannels: number;
  strides: number | [number, number];
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 8, 8, 3], filter: [3, 3], outChannels: 4, strides: 1, pad: 'same' },
  { x: [1, 7, 9, 5], filter: [3, 3], outChannels: 1, strides: 2, pad: 'same' },
  { x: [1, 7, 9, 1], filter: [3, 3], outChannels: 5, strides: 2, pad: 'valid' },
  { x: [3, 9, 7, 5], filter: [5, 3], outChannels: 5, strides: [2, 1], pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3], outChannels: 4, strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 6, 5, 3], filter: [1, 1], outChannels: 2, strides: 2, pad: 'valid' },
  { x: [1, 4, 4, 2], filter: [4, 4], outChannels: 3, strides: 1, pad: 'valid' },
];

describe('Conv2DBackpropFilter on wasm', () => {
  for (const c of CONV_CASES) {
    const name = `x ${c.x} filter ${c.filter}x${c.outChannels} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;

    it(`conv2d gradients match cpu: ${name}`, async () => {
      const rng = new SeededRng(`conv ${name}`);
      const filterShape: [number, number, number, number] = [...c.filter, c.x[3], c.outChannels];
      const xData = normal(rng, c.x);
      const filterData = normal(rng, filterShape);

      // The loss weights each output differently, so a transposed or shifted gradient cannot pass.
      await expectBackendsAgree(name, () => {
        const x = tf.tensor4d(xData, c.x);
        const filter = tf.tensor4d(filterData, filterShape);
        const lossOf = (input: tf.Tensor, weights: tf.Tensor) => {
          const y = tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, c.strides, c.pad);
          return tf.sum(tf.mul(y, tf.sin(y)));
        };
        const forward = lossOf(x, filter);
        return [forward, ...tf.grads(lossOf)([x, filter])];
      });
    });
  }

  it('accepts NCHW inputs', async () => {
    const rng = new SeededRng('conv nchw');
    const x = normal(rng, [2, 3, 7, 9]);
    const dy = normal(rng, [2, 4, 4, 5]);
    await expectBackendsAgree('NCHW', () =>
      tf.engine().runKernel(
        tf.Conv2DBackpropFilter,
        { x: tf.tensor4d(x, [2, 3, 7, 9]), dy: tf.tensor4d(dy, [2, 4, 4, 5]) },
        { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor,
    );
  });

  it('accepts bare TensorInfo inputs', async () => {
    const rng = new SeededRng('conv tensor info');
    const xData = normal(rng, [1, 7, 9, 2]);
    const dyData = normal(rng, [1, 7, 9, 3]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] } as unknown as tf.NamedAttrMap;

    const expected = await runOn('cpu', () =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.tensor4d(xData, [1, 7, 9, 2]), dy: tf.tensor4d(dyData, [1, 7, 9, 3]) }, attrs) as tf.Tensor,
    );

    // A kernel called by another kernel gets TensorInfo objects, not tensors.
    await tf.setBackend('wasm');
    const x = tf.tensor4d(xData, [1, 7, 9, 2]);
    const dy = tf.tensor4d(dyData, [1, 7, 9, 3]);
    const buffersBefore = tf.backend().numDataIds();
    const kernel = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm');
    const output = kernel!.kernelFunc({
      inputs: { x: { dataId: x.dataId, shape: x.shape, dtype: x.dtype }, dy: { dataId: dy.dataId, shape: dy.shape, dtype: dy.dtype } },
      backend: tf.backend(),
      attrs,
    }) as tf.Tensor;

    expectClose(values(output), expected[0], 'TensorInfo inputs');
    output.dispose();
    expect(tf.backend().numDataIds(), 'buffers after disposing the output').toBe(buffersBefore);
    tf.dispose([x, dy]);
  });

  it('rejects a dy of the wrong shape', async () => {
    await tf.setBackend('wasm');
    const run = () =>
      tf.tidy(() =>
        tf.engine().runKernel(
          tf.Conv2DBackpropFilter,
          { x: tf.zeros([1, 8, 8, 3]), dy: tf.zeros([1, 7, 7, 4]) },
          { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as unknown as tf.NamedAttrMap,
        ),
      );
    expect(run).toThrow(/dy has shape \[1,7,7,4\]/);
  });
});

describe('XNNPACK Conv2DBackpropInput', () => {
  // Called directly rather than registered, so the tests above keep wasm's own kernel.
  for (const c of CONV_CASES) {
    const name = `x ${c.x} filter ${c.filter}x${c.outChannels} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;

    it(`matches cpu: ${name}`, async () => {
      const rng = new SeededRng(`backprop input ${name}`);
      const filterShape: [number, number, number, number] = [...c.filter, c.x[3], c.outChannels];
      const outShape = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.strides, 1, c.pad).outShape;
      const dyData = normal(rng, outShape);
      const filterData = normal(rng, filterShape);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap;

      const expected = await runOn('cpu', () =>
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: tf.tensor(dyData, outShape), filter: tf.tensor4d(filterData, filterShape) }, attrs) as tf.Tensor,
      );
      const actual = await runOn('wasm', () =>
        conv2dBackpropInput({ inputs: { dy: tf.tensor(dyData, outShape), filter: tf.tensor4d(filterData, filterShape) }, attrs }),
      );
      expectClose(actual[0], expected[0], name);
    });
  }

  it('accepts NCHW inputs', async () => {
    const rng = new SeededRng('backprop input nchw');
    const dyData = normal(rng, [2, 4, 4, 5]);
    const filterData = normal(rng, [3, 3, 3, 4]);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 7, 9] } as unknown as tf.NamedAttrMap;

    const expected = await runOn('cpu', () =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: tf.tensor4d(dyData, [2, 4, 4, 5]), filter: tf.tensor4d(filterData, [3, 3, 3, 4]) }, attrs) as tf.Tensor,
    );
    const actual = await runOn('wasm', () =>
      conv2dBackpropInput({ inputs: { dy: tf.tensor4d(dyData, [2, 4, 4, 5]), filter: tf.tensor4d(filterData, [3, 3, 3, 4]) }, attrs }),
    );
    expectClose(actual[0], expected[0], 'NCHW');
  });
});

interface DepthwiseCase {
  x: [number, number, number, number];
  filter: [number, number];
  multiplier: number;
  strides: number;
  dilations: number;
  pad: 'same' | 'valid';
}

const DEPTHWISE_CASES: DepthwiseCase[] = [
  { x: [2, 8, 8, 3], filter: [3, 3], multiplier: 1, strides: 1, dilations: 1, pad: 'same' },
  { x: [1, 7, 9, 5], filter: [3, 3], multiplier: 2, strides: 2, dilations: 1, pad: 'same' },
  { x: [2, 9, 7, 2], filter: [3, 2], multiplier: 2, strides: 2, dilations: 1, pad: 'valid' },
  { x: [1, 7, 9, 1], filter: [3, 3], multiplier: 3, strides: 1, dilations: 2, pad: 'valid' },
  { x: [2, 9, 7, 5], filter: [3, 3], multiplier: 1, strides: 1, dilations: 2, pad: 'same' },
];

/**
 * Float64 depthwise gradients straight from the definition, the reference for
 * dilation 2: the cpu kernels of tfjs-backend-cpu 4.22.0 ignore `dilations`.
 */
function depthwiseReference(c: DepthwiseCase, x: Float32Array, filter: Float32Array, dy: Float32Array) {
  const [batch, inHeight, inWidth, channels] = c.x;
  const [filterHeight, filterWidth] = c.filter;
  const m = c.multiplier;
  const info = tf.backend_util.computeConv2DInfo(c.x, [filterHeight, filterWidth, channels, m], c.strides, c.dilations, c.pad, undefined, true);
  const { outHeight, outWidth, padInfo } = info;
  const dFilter = new Float64Array(filterHeight * filterWidth * channels * m);
  const dx = new Float64Array(x.length);

  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const h = oh * c.strides + kh * c.dilations - padInfo.top;
          if (h < 0 || h >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const w = ow * c.strides + kw * c.dilations - padInfo.left;
            if (w < 0 || w >= inWidth) continue;
            for (let ch = 0; ch < channels; ch++) {
              const xIndex = ((b * inHeight + h) * inWidth + w) * channels + ch;
              for (let q = 0; q < m; q++) {
                const dyIndex = ((b * outHeight + oh) * outWidth + ow) * channels * m + ch * m + q;
                const filterIndex = ((kh * filterWidth + kw) * channels + ch) * m + q;
                dFilter[filterIndex] += x[xIndex] * dy[dyIndex];
                dx[xIndex] += filter[filterIndex] * dy[dyIndex];
              }
            }
          }
        }
      }
    }
  }
  return { dFilter, dx, outShape: [batch, outHeight, outWidth, channels * m] };
}

describe('depthwise conv2d backprop kernels on wasm', () => {
  for (const c of DEPTHWISE_CASES) {
    const name = `x ${c.x} filter ${c.filter}x${c.multiplier} strides ${c.strides} dilations ${c.dilations} pad ${c.pad}`;

    it(`match the definition: ${name}`, async () => {
      const rng = new SeededRng(`depthwise ${name}`);
      const filterShape: [number, number, number, number] = [...c.filter, c.x[3], c.multiplier];
      const x = normal(rng, c.x);
      const filter = normal(rng, filterShape);
      const outShape = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.strides, c.dilations, c.pad, undefined, true).outShape;
      const dy = normal(rng, outShape);
      const reference = depthwiseReference(c, x, filter, dy);

      const [dFilter, dx] = await runOn('wasm', () => [
        tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x: tf.tensor4d(x, c.x), dy: tf.tensor(dy, outShape) },
          { strides: c.strides, dilations: c.dilations, pad: c.pad, filterShape } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
        tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy: tf.tensor(dy, outShape), filter: tf.tensor4d(filter, filterShape) },
          { strides: c.strides, dilations: c.dilations, pad: c.pad, inputShape: c.x } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor,
      ]);

      expectClose(dFilter, reference.dFilter, `${name} filter gradient`);
      expectClose(dx, reference.dx, `${name} input gradient`);
    });

    if (c.dilations === 1) {
      it(`depthwiseConv2d gradients match cpu: ${name}`, async () => {
        const rng = new SeededRng(`depthwise grads ${name}`);
        const filterShape: [number, number, number, number] = [...c.filter, c.x[3], c.multiplier];
        const xData = normal(rng, c.x);
        const filterData = normal(rng, filterShape);

        await expectBackendsAgree(name, () => {
          const lossOf = (input: tf.Tensor, weights: tf.Tensor) => {
            const y = tf.depthwiseConv2d(input as tf.Tensor4D, weights as tf.Tensor4D, c.strides, c.pad);
            return tf.sum(tf.mul(y, tf.sin(y)));
          };
          return tf.grads(lossOf)([tf.tensor4d(xData, c.x), tf.tensor4d(filterData, filterShape)]);
        });
      });
    }
  }
});

describe('UnsortedSegmentSum on wasm', () => {
  it('drops out-of-range ids and sums repeats', async () => {
    const rng = new SeededRng('segment sum');
    const x = normal(rng, [6, 3, 2]);
    const ids = [2, -1, 0, 2, 7, 2];

    // Rows with out-of-range ids hold NaN and Infinity, which must not reach any sum.
    x.fill(NaN, 6, 12);
    x[4 * 6] = Infinity;
    const [wasm] = await runOn('wasm', () => tf.unsortedSegmentSum(tf.tensor3d(x, [6, 3, 2]), tf.tensor1d(ids, 'int32'), 4));

    // Reference from the definition: row i adds into segment ids[i] when 0 <= ids[i] < 4.
    const expected = new Float64Array(4 * 6);
    ids.forEach((id, row) => {
      if (id < 0 || id >= 4) return;
      for (let k = 0; k < 6; k++) expected[id * 6 + k] += x[row * 6 + k];
    });
    expectClose(wasm, expected, 'segment sums');
  });

  it('accepts rank-2 segment ids and int32 data', async () => {
    // Reference from the definition, because the cpu kernel of tfjs-backend-cpu 4.22.0
    // fails on segment ids of rank 2.
    const data = Array.from({ length: 2 * 3 * 4 }, (_, i) => i - 7);
    const ids = [1, 0, 1, 2, 2, 0];
    const expected = new Float64Array(3 * 4);
    ids.forEach((id, position) => {
      for (let k = 0; k < 4; k++) expected[id * 4 + k] += data[position * 4 + k];
    });

    await tf.setBackend('wasm');
    // The tf op types segmentIds as 1-D, so the kernel is called directly.
    const sums = tf.tidy(
      () =>
        tf.engine().runKernel(
          tf.UnsortedSegmentSum,
          { x: tf.tensor3d(data, [2, 3, 4], 'int32'), segmentIds: tf.tensor2d(ids, [2, 3], 'int32') },
          { numSegments: 3 },
        ) as tf.Tensor,
    );
    expect(sums.dtype).toBe('int32');
    expect(sums.shape).toEqual([3, 4]);
    expect(Array.from(values(sums))).toEqual(Array.from(expected));
    sums.dispose();
  });

  it('gather gradient matches cpu', async () => {
    const rng = new SeededRng('embedding');
    const table = normal(rng, [11, 6]);
    const tokens = Array.from({ length: 5 * 7 }, () => rng.nextInt(11));
    await expectBackendsAgree('embedding gradient', () => {
      const lossOf = (weights: tf.Tensor) => {
        const embedded = tf.gather(weights, tf.tensor2d(tokens, [5, 7], 'int32'));
        return tf.sum(tf.mul(embedded, tf.sin(embedded)));
      };
      return tf.grad(lossOf)(tf.tensor2d(table, [11, 6]));
    });
  });
});

// Last in the file, because it swaps the Conv2DBackpropInput that the tests above use on wasm.
describe('registerWasmTrainingKernels with replaceConv2DBackpropInput', () => {
  it('replaces the wasm kernel once', () => {
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc).not.toBe(conv2dBackpropInput);
    expect(registerWasmTrainingKernels({ replaceConv2DBackpropInput: true })).toEqual([tf.Conv2DBackpropInput]);
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc).toBe(conv2dBackpropInput);
    expect(registerWasmTrainingKernels({ replaceConv2DBackpropInput: true })).toEqual([]);
  });

  it('conv2d gradients still match cpu', async () => {
    const c = CONV_CASES[3];
    const rng = new SeededRng('replaced backprop input');
    const filterShape: [number, number, number, number] = [...c.filter, c.x[3], c.outChannels];
    const xData = normal(rng, c.x);
    const filterData = normal(rng, filterShape);
    await expectBackendsAgree('replaced kernel', () =>
      tf.grads((input: tf.Tensor, weights: tf.Tensor) => tf.sum(tf.square(tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, c.strides, c.pad))))([
        tf.tensor4d(xData, c.x),
        tf.tensor4d(filterData, filterShape),
      ]),
    );
  });
});
