/** The worker's training benchmark on the tfjs CPU backend: step timings and no leaked tensors. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { benchApi } from '../../../src/compute/bench-api';

const SMALL = { inputSize: 16, channels: [4, 8], batchSize: 4, warmupSteps: 1, seed: 0 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('benchTrainStep', () => {
  it('times every step', async () => {
    const result = await benchApi.benchTrainStep({ ...SMALL, steps: 3 });

    expect(result.backend).toBe('cpu');
    expect(result.stepMs).toHaveLength(3);
    expect(result.firstStepMs).toBe(result.stepMs[0]);
    result.stepMs.forEach((ms) => expect(ms).toBeGreaterThan(0));
    expect(result.imagesPerSecond).toBeGreaterThan(0);
  });

  it('leaves no tensors behind', async () => {
    for (const steps of [2, 5]) {
      const result = await benchApi.benchTrainStep({ ...SMALL, steps });
      expect(result.memoryAfter.numTensors, `${steps} steps`).toBe(result.memoryBefore.numTensors);
      expect(result.memoryAfter.numBytes, `${steps} steps`).toBe(result.memoryBefore.numBytes);
    }
  });

  it('rejects steps not above warm-up', async () => {
    await expect(benchApi.benchTrainStep({ ...SMALL, steps: 1 })).rejects.toThrow(/steps > warmupSteps/);
  });
});
