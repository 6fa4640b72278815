import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  benchmarkBackends,
  measureTrainingSpeed,
  orderFromBenchmark,
  rankSpeeds,
  type SpeedMeasurementOptions,
} from '../../../src/compute/backend-benchmark';
import { registerWasmTrainingKernels } from '../../../src/core/backend/wasm-training-kernels';
import type { BackendBenchmark, BackendName, BackendSpeed } from '../../../src/worker-protocol';

// A smaller model than the studio's default keeps the cpu runs to a few seconds on 2 cores.
const SMALL: SpeedMeasurementOptions = {
  inputSize: 32,
  batchSize: 4,
  channels: [4, 8],
  timedSteps: 3,
  budgetMs: 20_000,
  warmupLimitMs: 20_000,
  slowStepMs: 20_000,
  seed: 3,
};

beforeAll(async () => {
  registerWasmTrainingKernels({ replaceConv2DBackpropInput: true });
  for (const name of ['cpu', 'wasm']) {
    if (!(await tf.setBackend(name))) throw new Error(`Backend ${name} failed to initialise.`);
  }
});

function speed(backend: BackendName, imagesPerSecond: number | null): BackendSpeed {
  return { backend, imagesPerSecond, warmupMs: 1, stepMs: [1], warmupOnly: false };
}

describe('measureTrainingSpeed', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`times warm-up and steps on ${backend}`, async () => {
      await tf.setBackend(backend);
      const tensorsBefore = tf.memory().numTensors;

      const result = await measureTrainingSpeed(SMALL);

      expect(result.warmupMs).toBeGreaterThan(0);
      expect(result.stepMs).toHaveLength(3);
      expect(result.warmupOnly).toBe(false);
      const expected = (SMALL.batchSize * 3 * 1000) / result.stepMs.reduce((a, b) => a + b, 0);
      expect(result.imagesPerSecond).toBeCloseTo(expected, 6);
      expect(tf.memory().numTensors - tensorsBefore).toBe(0);
    });
  }

  it('stops after one timed step when outranked', async () => {
    await tf.setBackend('cpu');
    const result = await measureTrainingSpeed(SMALL, { stopBelowImagesPerSecond: Number.MAX_VALUE });
    expect(result.stepMs).toHaveLength(1);
    expect(result.warmupOnly).toBe(false);
  });

  it('reports warm-up speed past the warm-up limit', async () => {
    await tf.setBackend('cpu');
    const result = await measureTrainingSpeed({ ...SMALL, warmupLimitMs: 0 });
    expect(result.stepMs).toEqual([]);
    expect(result.warmupOnly).toBe(true);
    expect(result.imagesPerSecond).toBeCloseTo((SMALL.batchSize * 1000) / result.warmupMs!, 6);
  });

  it('stops after the step in progress when aborted', async () => {
    await tf.setBackend('cpu');
    const controller = new AbortController();
    controller.abort();
    const result = await measureTrainingSpeed(SMALL, { signal: controller.signal });
    expect(result.stepMs).toEqual([]);
    expect(result.warmupOnly).toBe(true);
  });
});

describe('benchmarkBackends', () => {
  it('ranks measured backends and records failures', async () => {
    const activated: BackendName[] = [];
    const benchmark = await benchmarkBackends(
      ['cpu', 'webgpu', 'wasm'],
      async (backend) => {
        activated.push(backend);
        if (backend === 'webgpu') return 'no adapter in Node';
        await tf.setBackend(backend);
        return null;
      },
      SMALL,
    );

    expect(activated).toEqual(['cpu', 'webgpu', 'wasm']);
    expect(benchmark.complete).toBe(true);
    expect(benchmark.results.map((r) => r.backend).sort()).toEqual(['cpu', 'wasm', 'webgpu']);

    const failed = benchmark.results.find((r) => r.backend === 'webgpu')!;
    expect(failed.imagesPerSecond).toBeNull();
    expect(failed.error).toBe('no adapter in Node');
    expect(benchmark.results[2]).toBe(failed);

    const [first, second] = benchmark.results;
    expect(first.imagesPerSecond!).toBeGreaterThanOrEqual(second.imagesPerSecond!);
  });

  it('skips remaining backends once aborted', async () => {
    const controller = new AbortController();
    const benchmark = await benchmarkBackends(
      ['cpu', 'wasm'],
      async (backend) => {
        await tf.setBackend(backend);
        controller.abort();
        return null;
      },
      SMALL,
      controller.signal,
    );
    expect(benchmark.complete).toBe(false);
    expect(benchmark.results.map((r) => r.backend)).toEqual(['cpu']);
  });
});

describe('rankSpeeds and orderFromBenchmark', () => {
  const results = [speed('webgpu', 3), speed('cpu', null), speed('wasm', 150), speed('webgl', 10)];

  it('sorts fastest first with failures last', () => {
    expect(rankSpeeds(results).map((r) => r.backend)).toEqual(['wasm', 'webgl', 'webgpu', 'cpu']);
  });

  it('keeps the input order for equal speeds', () => {
    expect(rankSpeeds([speed('webgl', 5), speed('wasm', 5)]).map((r) => r.backend)).toEqual(['webgl', 'wasm']);
  });

  it('orders measured backends first, then the rest', () => {
    const benchmark: BackendBenchmark = {
      inputSize: 64,
      batchSize: 16,
      channels: [16, 32, 64],
      results: [speed('wasm', 150), speed('webgpu', 3), speed('cpu', null)],
      complete: true,
      measuredAt: '2026-01-01T00:00:00.000Z',
    };
    expect(orderFromBenchmark(benchmark, ['webgpu', 'webgl', 'wasm', 'cpu'])).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
  });
});
