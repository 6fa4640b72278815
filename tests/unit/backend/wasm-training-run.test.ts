import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerWasmTrainingKernels } from '../../../src/core/backend/wasm-training-kernels';
import { SeededRng } from '../../../src/core/rng';

// Max-norm relative error, max |wasm - cpu| / max |cpu|, for single gradients.
const GRADIENT_TOLERANCE = 1e-4;

// Per-step loss tolerance of the 10-step Adam run, relative to the cpu loss. Adam divides
// each gradient by its running RMS, so float32 rounding differences between the backends
// are not damped and grow with the steps. With these seeds the measured differences
// stay below 7e-6, so 1e-4 leaves over 10x headroom.
const LOSS_TOLERANCE = 1e-4;

type Backend = 'cpu' | 'wasm';

beforeAll(async () => {
  registerWasmTrainingKernels();
  for (const name of ['cpu', 'wasm']) {
    if (!(await tf.setBackend(name))) throw new Error(`Backend ${name} failed to initialise.`);
  }
});

function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  return scale === 0 ? worst : worst / scale;
}

/** Runs `compute` on one backend and returns each output's values, leaving no tensor behind. */
async function runOn(backend: Backend, compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outputs = tf.tidy(compute);
  const result = outputs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outputs);
  expect(tf.memory().numTensors, `tensors left on ${backend}`).toBe(before);
  return result;
}

async function expectGradientsAgree(label: string, compute: () => tf.Tensor[]): Promise<void> {
  const cpu = await runOn('cpu', compute);
  const wasm = await runOn('wasm', compute);
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((expected, i) => {
    expect(wasm[i].length, `${label} output ${i}: length`).toBe(expected.length);
    expect(maxRelativeError(wasm[i], expected), `${label} output ${i}: max-norm relative error`).toBeLessThan(GRADIENT_TOLERANCE);
  });
}

describe('studio op gradients on wasm', () => {
  it('transformer block matches cpu', async () => {
    const rng = new SeededRng('transformer block');
    const [vocab, batch, tokens, width, hidden] = [13, 2, 5, 8, 16];
    const ids = Array.from({ length: batch * tokens }, () => rng.nextInt(vocab));
    const labels = Array.from({ length: batch }, () => rng.nextInt(3));
    const init = {
      embedding: rng.normalArray(vocab * width, 0.5),
      query: rng.normalArray(width * width, 0.3),
      key: rng.normalArray(width * width, 0.3),
      value: rng.normalArray(width * width, 0.3),
      up: rng.normalArray(width * hidden, 0.3),
      down: rng.normalArray(hidden * width, 0.3),
      head: rng.normalArray(2 * width * 3, 0.3),
    };

    const layerNorm = (x: tf.Tensor) => {
      const centered = tf.sub(x, tf.mean(x, -1, true));
      return tf.mul(centered, tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), 1e-5)));
    };
    const geluTanh = (x: tf.Tensor) =>
      tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
    const geluErf = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));

    await expectGradientsAgree('transformer block', () => {
      const params = [
        tf.tensor2d(init.embedding, [vocab, width]),
        tf.tensor2d(init.query, [width, width]),
        tf.tensor2d(init.key, [width, width]),
        tf.tensor2d(init.value, [width, width]),
        tf.tensor2d(init.up, [width, hidden]),
        tf.tensor2d(init.down, [hidden, width]),
        tf.tensor2d(init.head, [2 * width, 3]),
      ];
      const lossOf = (...p: tf.Tensor[]) => {
        const [embedding, query, key, value, up, down, head] = p;
        const x = tf.gather(embedding, tf.tensor2d(ids, [batch, tokens], 'int32'));
        const normed = layerNorm(x);

        // Two heads of width/2, through reshape and transpose, as multi-head attention does.
        const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [batch, tokens, 2, width / 2]), [0, 2, 1, 3]);
        const q = split(tf.matMul(tf.reshape(normed, [batch * tokens, width]), query));
        const k = split(tf.matMul(tf.reshape(normed, [batch * tokens, width]), key));
        const v = split(tf.matMul(tf.reshape(normed, [batch * tokens, width]), value));
        const attention = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(width / 2)));
        const mixed = tf.reshape(tf.transpose(tf.matMul(attention, v), [0, 2, 1, 3]), [batch, tokens, width]);
        const residual = tf.add(x, mixed);

        const flat = tf.reshape(layerNorm(residual), [batch * tokens, width]);
        const mlp = tf.matMul(geluTanh(tf.matMul(flat, up)), down);
        const mlpErf = tf.matMul(geluErf(tf.matMul(flat, up)), down);
        const out = tf.reshape(tf.add(tf.add(residual, tf.reshape(mlp, [batch, tokens, width])), tf.reshape(mlpErf, [batch, tokens, width])), [batch, tokens, width]);

        // First-token and mean-token features, concatenated: slice + concat.
        const first = tf.reshape(tf.slice(out, [0, 0, 0], [batch, 1, width]), [batch, width]);
        const pooled = tf.mean(out, 1);
        const logits = tf.matMul(tf.concat([first, pooled], 1), head);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), logits);
      };
      const { value: loss, grads } = tf.valueAndGrads(lossOf as (...t: tf.Tensor[]) => tf.Scalar)(params);
      return [loss, ...grads];
    });
  });

  it('CNN with batch norm, dropout and pooling matches cpu', async () => {
    const rng = new SeededRng('cnn block');
    const xData = rng.normalArray(2 * 9 * 7 * 3);
    const w1 = rng.normalArray(3 * 3 * 3 * 5, 0.3);
    const w2 = rng.normalArray(3 * 3 * 5 * 4, 0.3);
    const dense = rng.normalArray(8 * 3, 0.3);

    await expectGradientsAgree('cnn block', () => {
      const params = [
        tf.tensor4d(xData, [2, 9, 7, 3]),
        tf.tensor4d(w1, [3, 3, 3, 5]),
        tf.tensor4d(w2, [3, 3, 5, 4]),
        tf.tensor2d(dense, [8, 3]),
        tf.ones([5]),
        tf.zeros([5]),
      ];
      const lossOf = (...p: tf.Tensor[]) => {
        const [x, k1, k2, d, gamma, beta] = p;
        const c1 = tf.conv2d(x as tf.Tensor4D, k1 as tf.Tensor4D, 1, 'same');
        const { mean, variance } = tf.moments(c1, [0, 1, 2]);
        const bn = tf.batchNorm(c1, mean, variance, beta, gamma, 1e-3);

        // A seeded dropout mask is drawn in JavaScript, so both backends drop the same units.
        const dropped = tf.dropout(tf.relu(bn), 0.25, undefined, 7);
        const p1 = tf.maxPool(dropped as tf.Tensor4D, 2, 2, 'same');
        const c2 = tf.relu(tf.conv2d(p1, k2 as tf.Tensor4D, 1, 'valid'));
        const p2 = tf.avgPool(c2, 2, 1, 'valid');
        const logits = tf.matMul(tf.reshape(p2, [2, 8]), d);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3), logits);
      };
      const { value: loss, grads } = tf.valueAndGrads(lossOf as (...t: tf.Tensor[]) => tf.Scalar)(params);
      return [loss, ...grads];
    });
  });
});

interface TrainingRun {
  losses: number[];
  tensorCounts: number[];
  bufferCounts: number[];
  finalWeights: Float32Array[];
}

/**
 * Trains conv3x3(16) - relu - maxPool2 - conv3x3(32) - relu - maxPool2 - dense(3) with
 * Adam (lr 1e-3) for `steps` steps on one fixed batch of 32x32x3 inputs.
 */
async function trainSmallCnn(backend: Backend, steps: number): Promise<TrainingRun> {
  await tf.setBackend(backend);
  const rng = new SeededRng('training run');
  const batch = 4;
  const xs = tf.tensor4d(rng.normalArray(batch * 32 * 32 * 3), [batch, 32, 32, 3]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 3), 'int32'), 3);

  // He-normal initial weights, identical on both backends because they come from one seed.
  const weights = [
    tf.variable(tf.tensor4d(rng.normalArray(3 * 3 * 3 * 16, Math.sqrt(2 / 27)), [3, 3, 3, 16])),
    tf.variable(tf.zeros([16])),
    tf.variable(tf.tensor4d(rng.normalArray(3 * 3 * 16 * 32, Math.sqrt(2 / 144)), [3, 3, 16, 32])),
    tf.variable(tf.zeros([32])),
    tf.variable(tf.tensor2d(rng.normalArray(8 * 8 * 32 * 3, Math.sqrt(1 / 2048)), [2048, 3])),
    tf.variable(tf.zeros([3])),
  ];
  const [k1, b1, k2, b2, dense, bias] = weights;
  const optimizer = tf.train.adam(1e-3);

  const run: TrainingRun = { losses: [], tensorCounts: [], bufferCounts: [], finalWeights: [] };
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(() => {
      const h1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(xs, k1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D, 2, 2, 'valid');
      const h2 = tf.maxPool(tf.relu(tf.add(tf.conv2d(h1, k2 as tf.Tensor4D, 1, 'same'), b2)) as tf.Tensor4D, 2, 2, 'valid');
      const logits = tf.add(tf.matMul(tf.reshape(h2, [batch, 2048]), dense), bias);
      return tf.losses.softmaxCrossEntropy(labels, logits);
    }, true);
    run.losses.push((await loss!.data())[0]);
    loss!.dispose();
    run.tensorCounts.push(tf.memory().numTensors);
    run.bufferCounts.push(tf.backend().numDataIds());
  }

  run.finalWeights = weights.map((w) => w.dataSync() as Float32Array);
  optimizer.dispose();
  tf.dispose([xs, labels, ...weights]);
  return run;
}

/** The cpu run, computed once because cpu training is about 100x slower than wasm. */
let cpuRun: Promise<TrainingRun> | undefined;
function cpuReference(): Promise<TrainingRun> {
  cpuRun ??= trainSmallCnn('cpu', 10);
  return cpuRun;
}

function expectRunsAgree(wasm: TrainingRun, cpu: TrainingRun): void {
  expect(wasm.losses[9], 'wasm loss after 10 steps').toBeLessThan(wasm.losses[0]);
  expect(cpu.losses[9], 'cpu loss after 10 steps').toBeLessThan(cpu.losses[0]);
  wasm.losses.forEach((loss, step) => {
    expect(Math.abs(loss - cpu.losses[step]) / cpu.losses[step], `loss at step ${step}`).toBeLessThan(LOSS_TOLERANCE);
  });

  // Adam moves each weight by about lr = 1e-3 per step, so agreement to 1e-4 of the
  // largest weight after 10 steps shows the updates themselves agree.
  wasm.finalWeights.forEach((w, i) => {
    expect(maxRelativeError(w, cpu.finalWeights[i]), `weight ${i} after 10 steps`).toBeLessThan(1e-4);
  });
}

describe('small CNN training on wasm', () => {
  it('matches cpu step by step', async () => {
    const cpu = await cpuReference();
    const wasm = await trainSmallCnn('wasm', 10);
    expectRunsAgree(wasm, cpu);

    // Adam creates its moment accumulators in step 1, so every later step must end where step 1 did.
    expect(new Set(wasm.tensorCounts).size, `tensor counts per step: ${wasm.tensorCounts}`).toBe(1);
    expect(new Set(wasm.bufferCounts).size, `buffer counts per step: ${wasm.bufferCounts}`).toBe(1);
  });

  it('matches cpu with XNNPACK Conv2DBackpropInput', async () => {
    expect(registerWasmTrainingKernels({ replaceConv2DBackpropInput: true })).toEqual([tf.Conv2DBackpropInput]);
    const cpu = await cpuReference();
    const wasm = await trainSmallCnn('wasm', 10);
    expectRunsAgree(wasm, cpu);
    expect(new Set(wasm.tensorCounts).size, `tensor counts per step: ${wasm.tensorCounts}`).toBe(1);
    expect(new Set(wasm.bufferCounts).size, `buffer counts per step: ${wasm.bufferCounts}`).toBe(1);
  });
});
