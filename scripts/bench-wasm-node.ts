/**
 * Measures training speed of the tfjs wasm backend against the cpu backend in Node.
 *
 * 1. Lists the kernels that the gradients of the studio's ops need and that wasm
 *    lacks, before and after `registerWasmTrainingKernels()`.
 * 2. Trains conv3x3(16) - relu - maxPool2 - conv3x3(32) - relu - maxPool2 - dense(3)
 *    on 64x64x3 inputs, batch 16, Adam, and prints images/s, the median of timed runs
 *    after warm-up steps. It runs on wasm, on wasm with the XNNPACK Conv2DBackpropInput
 *    (`replaceConv2DBackpropInput`), and on cpu.
 * 3. Prints matMul 1024x1024x1024 GFLOP/s (2 * 1024^3 flops per product).
 *
 * With --threads N it first forces the multi-threaded wasm build, which
 * tfjs-backend-wasm 4.22.0 turns off in Node, and stops if that build fails to start.
 *
 * Usage: node --import tsx scripts/bench-wasm-node.ts [--runs N] [--steps N] [--cpu-runs N] [--cpu-steps N] [--threads N]
 *   --runs, --steps          timed runs on wasm and training steps per run (default 5 and 5)
 *   --cpu-runs, --cpu-steps  the same on cpu, which is about 10x slower (default 3 and 1)
 *   --threads                wasm threads to request (default 0: the single-threaded SIMD build)
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

import { registerWasmTrainingKernels } from '../src/core/backend/wasm-training-kernels';
import { SeededRng } from '../src/core/rng';

type Backend = 'cpu' | 'wasm';

function parseArgs(argv: string[]): Record<string, number> {
  const options: Record<string, number> = { runs: 5, steps: 5, 'cpu-runs': 3, 'cpu-steps': 1, threads: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(name in options) || !Number.isInteger(value) || value < 0) {
      throw new Error(`Invalid option ${argv[i]} ${argv[i + 1]}: expected one of --${Object.keys(options).join(', --')} with a non-negative integer.`);
    }
    options[name] = value;
  }
  return options;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Gradient computations of the ops the studio's CNN and transformer models use. */
const GRADIENT_PROBES: Record<string, () => unknown> = {
  'conv2d same': () =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')))([tf.ones([2, 8, 8, 3]), tf.ones([3, 3, 3, 4])]),
  'conv2d stride 2 valid': () =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid')))([tf.ones([2, 9, 7, 3]), tf.ones([3, 3, 3, 4])]),
  'depthwiseConv2d': () =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')))([tf.ones([1, 6, 6, 3]), tf.ones([3, 3, 3, 2])]),
  'conv2dTranspose': () =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 8, 8, 3], 2, 'same')))([tf.ones([1, 4, 4, 5]), tf.ones([3, 3, 3, 5])]),
  'relu, maxPool, avgPool': () =>
    tf.grad((x: tf.Tensor) => tf.sum(tf.add(tf.maxPool(tf.relu(x) as tf.Tensor4D, 2, 2, 'same'), tf.avgPool(x as tf.Tensor4D, 2, 2, 'same'))))(tf.randomNormal([1, 7, 9, 2])),
  // batchNorm gets offset and scale because its gradient fails without them on every backend (tfjs 4.22.0).
  'batchNorm, dropout': () =>
    tf.grads((x: tf.Tensor, offset: tf.Tensor, scale: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.sum(tf.dropout(tf.batchNorm(x, mean, variance, offset, scale), 0.5));
    })([tf.randomNormal([2, 4, 4, 3]), tf.zeros([3]), tf.ones([3])]),
  'softmaxCrossEntropy, logSoftmax': () =>
    tf.grad((x: tf.Tensor) => tf.add(tf.losses.softmaxCrossEntropy(tf.oneHot([0, 2], 3), x), tf.sum(tf.logSoftmax(x))))(tf.randomNormal([2, 3])),
  'matMul, batchMatMul, softmax': () =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.softmax(tf.matMul(a, b, false, true))))([tf.randomNormal([2, 3, 4, 5]), tf.randomNormal([2, 3, 6, 5])]),
  'layerNorm (mean, sub, square, rsqrt)': () =>
    tf.grad((x: tf.Tensor) => {
      const centered = tf.sub(x, tf.mean(x, -1, true));
      return tf.sum(tf.mul(centered, tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), 1e-5))));
    })(tf.randomNormal([3, 6])),
  'gelu (tanh and erf)': () =>
    tf.grad((x: tf.Tensor) => tf.sum(tf.add(tf.tanh(tf.pow(x, 3)), tf.erf(x))))(tf.randomNormal([3, 6])),
  'reshape, transpose, concat, slice': () =>
    tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.concat([tf.transpose(tf.reshape(x, [2, 3, 4]), [0, 2, 1]), tf.slice(tf.reshape(x, [2, 4, 3]), [0, 0, 0], [2, 4, 1])], 2))))(
      tf.randomNormal([6, 4]),
    ),
  'gather (embedding)': () => tf.grad((table: tf.Tensor) => tf.sum(tf.gather(table, tf.tensor2d([[0, 2], [2, 1]], [2, 2], 'int32'))))(tf.randomNormal([5, 3])),
  'adam step': () => {
    const v = tf.variable(tf.randomNormal([3, 3]));
    const optimizer = tf.train.adam(1e-3);
    optimizer.minimize(() => tf.sum(tf.square(v)));
    optimizer.dispose();
    v.dispose();
  },
};

/** Runs every gradient probe on the current backend and returns the kernel names reported missing. */
function missingKernels(): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  for (const [probe, run] of Object.entries(GRADIENT_PROBES)) {
    try {
      tf.tidy(() => {
        run();
      });
    } catch (error) {
      const match = /Kernel '(\w+)' not registered/.exec(String((error as Error).message));
      if (!match) throw error;
      missing.set(match[1], [...(missing.get(match[1]) ?? []), probe]);
    }
  }
  return missing;
}

async function surveyKernels(): Promise<void> {
  await tf.setBackend('wasm');
  const wasmKernels = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const cpuOnly = tf
    .getKernelsForBackend('cpu')
    .map((k) => k.kernelName)
    .filter((name) => !wasmKernels.has(name))
    .sort();
  console.log(`wasm registers ${wasmKernels.size} kernels; cpu has these that wasm lacks: ${cpuOnly.join(' ')}`);

  const before = missingKernels();
  for (const [kernel, probes] of before) console.log(`  missing for training: ${kernel} (needed by ${probes.join('; ')})`);

  console.log(`registerWasmTrainingKernels() registered: ${registerWasmTrainingKernels().join(' ') || 'nothing'}`);
  const after = missingKernels();
  console.log(`still missing after registration: ${[...after.keys()].join(' ') || 'none'}`);
}

interface CnnState {
  xs: tf.Tensor4D;
  labels: tf.Tensor2D;
  weights: tf.Variable[];
  optimizer: tf.Optimizer;
}

const BATCH = 16;
const SIZE = 64;

function makeCnn(): CnnState {
  const rng = new SeededRng('bench-wasm-node');
  const flat = (SIZE / 4) * (SIZE / 4) * 32;
  const weights = [
    tf.variable(tf.tensor4d(rng.normalArray(3 * 3 * 3 * 16, Math.sqrt(2 / 27)), [3, 3, 3, 16])),
    tf.variable(tf.zeros([16])),
    tf.variable(tf.tensor4d(rng.normalArray(3 * 3 * 16 * 32, Math.sqrt(2 / 144)), [3, 3, 16, 32])),
    tf.variable(tf.zeros([32])),
    tf.variable(tf.tensor2d(rng.normalArray(flat * 3, Math.sqrt(1 / flat)), [flat, 3])),
    tf.variable(tf.zeros([3])),
  ];
  return {
    xs: tf.tensor4d(rng.uniformArray(BATCH * SIZE * SIZE * 3, 0, 1), [BATCH, SIZE, SIZE, 3]),
    labels: tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 3), 'int32'), 3) as tf.Tensor2D,
    weights,
    optimizer: tf.train.adam(1e-3),
  };
}

/** Runs one Adam step and returns its loss. Reading the loss waits for the backend to finish. */
async function trainStep(state: CnnState): Promise<number> {
  const [k1, b1, k2, b2, dense, bias] = state.weights;
  const loss = state.optimizer.minimize(() => {
    const h1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(state.xs, k1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D, 2, 2, 'valid');
    const h2 = tf.maxPool(tf.relu(tf.add(tf.conv2d(h1, k2 as tf.Tensor4D, 1, 'same'), b2)) as tf.Tensor4D, 2, 2, 'valid');
    const logits = tf.add(tf.matMul(tf.reshape(h2, [BATCH, -1]), dense), bias);
    return tf.losses.softmaxCrossEntropy(state.labels, logits);
  }, true)!;
  const value = (await loss.data())[0];
  loss.dispose();
  return value;
}

async function benchTraining(label: string, backend: Backend, runs: number, stepsPerRun: number, warmUpSteps: number): Promise<number> {
  await tf.setBackend(backend);
  const state = makeCnn();
  for (let i = 0; i < warmUpSteps; i++) await trainStep(state);

  const tensorsAfterWarmUp = tf.memory().numTensors;
  const rates: number[] = [];
  let loss = NaN;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    for (let step = 0; step < stepsPerRun; step++) loss = await trainStep(state);
    rates.push((BATCH * stepsPerRun) / ((performance.now() - start) / 1000));
  }

  const leaked = tf.memory().numTensors - tensorsAfterWarmUp;
  console.log(
    `${label}: train ${median(rates).toFixed(1)} images/s (median of ${runs} runs x ${stepsPerRun} steps after ${warmUpSteps} warm-up; ` +
      `runs ${rates.map((r) => r.toFixed(1)).join(', ')}; loss ${loss.toFixed(4)}; tensors leaked ${leaked})`,
  );
  state.optimizer.dispose();
  tf.dispose([state.xs, state.labels, ...state.weights]);
  return median(rates);
}

async function benchMatMul(backend: Backend, runs: number): Promise<number> {
  await tf.setBackend(backend);
  const n = 1024;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  // The product is disposed by hand, because returning its 1M values from tf.tidy makes
  // tidy walk every element looking for tensors, which took 15x longer than the wasm product.
  const multiply = () => {
    const product = tf.matMul(a, b);
    product.dataSync();
    product.dispose();
  };
  multiply();

  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    multiply();
    rates.push((2 * n ** 3) / ((performance.now() - start) / 1000) / 1e9);
  }
  tf.dispose([a, b]);

  console.log(`${backend}: matMul ${n}^3 ${median(rates).toFixed(2)} GFLOP/s (median of ${runs} runs)`);
  return median(rates);
}

/**
 * Forces the multi-threaded wasm build before wasm starts. tfjs-backend-wasm 4.22.0
 * reports no thread support in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there), so
 * the flag is overridden. Returns false when the threaded build fails to start.
 */
async function startThreadedWasm(threads: number): Promise<boolean> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) {
    console.log(`threads: the threaded wasm build did not start in Node ${process.version}; see the error above.`);
    return false;
  }
  console.log(`threads: wasm runs with ${getThreadsCount()} threads`);
  return true;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.threads > 0 && !(await startThreadedWasm(options.threads))) process.exit(1);
  await surveyKernels();

  const wasmTrain = await benchTraining('wasm', 'wasm', options.runs, options.steps, 2);
  registerWasmTrainingKernels({ replaceConv2DBackpropInput: true });
  const fastTrain = await benchTraining('wasm + XNNPACK Conv2DBackpropInput', 'wasm', options.runs, options.steps, 2);
  const cpuTrain = await benchTraining('cpu', 'cpu', options['cpu-runs'], options['cpu-steps'], 1);
  console.log(`train speed-up over cpu: wasm ${(wasmTrain / cpuTrain).toFixed(1)}x, wasm + XNNPACK Conv2DBackpropInput ${(fastTrain / cpuTrain).toFixed(1)}x`);

  const wasmMatMul = await benchMatMul('wasm', options.runs);
  const cpuMatMul = await benchMatMul('cpu', options['cpu-runs']);
  console.log(`matMul speed-up wasm / cpu: ${(wasmMatMul / cpuMatMul).toFixed(1)}x`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
