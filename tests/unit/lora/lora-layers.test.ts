import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';

import { type LoraConfig } from '../../../src/core/lora/lora-config';
import { LoraConv2d } from '../../../src/core/lora/lora-conv';
import { LoraDense } from '../../../src/core/lora/lora-dense';
import { LoraEmbedding } from '../../../src/core/lora/lora-embedding';
import { SeededRng } from '../../../src/core/rng';

const CONFIG: LoraConfig = { rank: 4, alpha: 8, dropout: 0 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function randomTensor(shape: number[], rng: SeededRng): tf.Tensor {
  return tf.tensor(rng.normalArray(shape.reduce((p, s) => p * s, 1)), shape);
}

describe('LoraDense', () => {
  it('zero B leaves the output unchanged', () => {
    const rng = new SeededRng(1);
    const weight = randomTensor([6, 5], rng) as tf.Tensor2D;
    const bias = randomTensor([6], rng) as tf.Tensor1D;
    const x = randomTensor([2, 3, 5], rng);
    const adapter = new LoraDense('layer', weight, bias, CONFIG, rng);

    const base = tf.add(tf.reshape(tf.matMul(tf.reshape(x, [-1, 5]), weight, false, true), [2, 3, 6]), bias);
    const adapted = adapter.apply(x);

    expect(adapted.shape).toEqual([2, 3, 6]);
    expect(Array.from(adapted.dataSync())).toEqual(Array.from(base.dataSync()));
    tf.dispose([weight, bias, x, base, adapted]);
    adapter.dispose();
  });

  it('A starts uniform within 1/sqrt(in)', () => {
    const rng = new SeededRng(2);
    const weight = randomTensor([6, 25], rng) as tf.Tensor2D;
    const adapter = new LoraDense('layer', weight, undefined, CONFIG, rng);
    const values = adapter.a.dataSync();

    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(1 / 5);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.1);
    expect(adapter.b.dataSync().every((v) => v === 0)).toBe(true);
    tf.dispose(weight);
    adapter.dispose();
  });

  it('merged weight matches the adapter', () => {
    const rng = new SeededRng(3);
    const weight = randomTensor([6, 5], rng) as tf.Tensor2D;
    const bias = randomTensor([6], rng) as tf.Tensor1D;
    const x = randomTensor([7, 5], rng);
    const adapter = new LoraDense('layer', weight, bias, CONFIG, rng);
    adapter.b.assign(randomTensor([6, 4], rng));

    const adapted = adapter.apply(x);
    const merged = adapter.merge();
    const viaMerged = tf.add(tf.matMul(x, merged, false, true), bias);

    expect(maxAbsDifference(adapted, viaMerged)).toBeLessThan(1e-5);
    // The delta must be visible, or the comparison above proves nothing.
    expect(maxAbsDifference(merged, weight)).toBeGreaterThan(0.1);
    tf.dispose([weight, bias, x, adapted, merged, viaMerged]);
    adapter.dispose();
  });

  it('dropout only acts with a generator', () => {
    const rng = new SeededRng(4);
    const weight = randomTensor([6, 5], rng) as tf.Tensor2D;
    const x = randomTensor([8, 5], rng);
    const adapter = new LoraDense('layer', weight, undefined, { rank: 4, alpha: 8, dropout: 0.5 }, rng);
    adapter.b.assign(randomTensor([6, 4], rng));

    const evalA = adapter.apply(x);
    const evalB = adapter.apply(x);
    const trainA = adapter.apply(x, new SeededRng(9));
    const trainB = adapter.apply(x, new SeededRng(9));

    expect(maxAbsDifference(evalA, evalB)).toBe(0);
    expect(maxAbsDifference(trainA, trainB)).toBe(0);
    expect(maxAbsDifference(trainA, evalA)).toBeGreaterThan(1e-3);
    tf.dispose([weight, x, evalA, evalB, trainA, trainB]);
    adapter.dispose();
  });

  it('rejects an input of another width', () => {
    const rng = new SeededRng(5);
    const weight = randomTensor([6, 5], rng) as tf.Tensor2D;
    const adapter = new LoraDense('encoder.q_proj', weight, undefined, CONFIG, rng);
    const x = tf.zeros([2, 4]);

    expect(() => adapter.apply(x)).toThrow(/encoder\.q_proj.*5 features/);
    tf.dispose([weight, x]);
    adapter.dispose();
  });
});

describe('LoraConv2d', () => {
  it('zero B leaves the output unchanged', () => {
    const rng = new SeededRng(6);
    const kernel = randomTensor([3, 3, 2, 4], rng) as tf.Tensor4D;
    const bias = randomTensor([4], rng) as tf.Tensor1D;
    const x = randomTensor([2, 6, 6, 2], rng) as tf.Tensor4D;
    const adapter = new LoraConv2d('conv0', kernel, bias, 1, 'same', CONFIG, rng);

    const base = tf.add(tf.conv2d(x, kernel, 1, 'same'), bias);
    const adapted = adapter.apply(x);

    expect(Array.from(adapted.dataSync())).toEqual(Array.from(base.dataSync()));
    tf.dispose([kernel, bias, x, base, adapted]);
    adapter.dispose();
  });

  it('merged kernel matches the adapter', () => {
    const rng = new SeededRng(7);
    const kernel = randomTensor([3, 3, 2, 4], rng) as tf.Tensor4D;
    const x = randomTensor([2, 7, 7, 2], rng) as tf.Tensor4D;
    const adapter = new LoraConv2d('conv0', kernel, undefined, 2, 'valid', CONFIG, rng);
    adapter.b.assign(randomTensor([1, 1, 4, 4], rng));

    const adapted = adapter.apply(x);
    const merged = adapter.merge();
    const viaMerged = tf.conv2d(x, merged, 2, 'valid');

    expect(adapted.shape).toEqual([2, 3, 3, 4]);
    expect(maxAbsDifference(adapted, viaMerged)).toBeLessThan(1e-5);
    expect(maxAbsDifference(merged, kernel)).toBeGreaterThan(0.1);
    tf.dispose([kernel, x, adapted, merged, viaMerged]);
    adapter.dispose();
  });
});

describe('LoraEmbedding', () => {
  it('untrained adapter leaves rows unchanged', () => {
    const rng = new SeededRng(8);
    const table = randomTensor([10, 6], rng) as tf.Tensor2D;
    const ids = [1, 2, 9, 0, 0, 3];
    const adapter = new LoraEmbedding('tokens', table, CONFIG, rng);

    const base = tf.gather(table, tf.tensor2d(ids, [2, 3], 'int32'));
    const adapted = adapter.lookup(ids, [2, 3]);

    expect(adapted.shape).toEqual([2, 3, 6]);
    expect(Array.from(adapted.dataSync())).toEqual(Array.from(base.dataSync()));
    tf.dispose([table, base, adapted]);
    adapter.dispose();
  });

  it('merged table matches the lookup', () => {
    const rng = new SeededRng(9);
    const table = randomTensor([10, 6], rng) as tf.Tensor2D;
    const ids = [4, 7, 7, 0];
    const adapter = new LoraEmbedding('tokens', table, CONFIG, rng);
    adapter.a.assign(randomTensor([10, 4], rng));

    const adapted = adapter.lookup(ids, [4]);
    const merged = adapter.merge();
    const viaMerged = tf.gather(merged, tf.tensor1d(ids, 'int32'));

    expect(maxAbsDifference(adapted, viaMerged)).toBeLessThan(1e-5);
    expect(maxAbsDifference(merged, table)).toBeGreaterThan(0.1);
    tf.dispose([table, adapted, merged, viaMerged]);
    adapter.dispose();
  });

  it('gradient reaches only the used rows of A', () => {
    const rng = new SeededRng(10);
    const table = randomTensor([10, 6], rng) as tf.Tensor2D;
    const adapter = new LoraEmbedding('tokens', table, CONFIG, rng);
    const ids = [4, 7, 7, 0];
    const weights = randomTensor([4, 6], rng);

    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(adapter.lookup(ids, [4]), weights)) as tf.Scalar, [adapter.a]);
    // Reference: the same objective through the merged table, whose gather gradient tfjs defines.
    const reference = tf.variableGrads(() => tf.sum(tf.mul(tf.gather(adapter.merge(), tf.tensor1d(ids, 'int32')), weights)) as tf.Scalar, [adapter.a]);

    const grad = grads[adapter.a.name];
    expect(maxAbsDifference(grad, reference.grads[adapter.a.name])).toBeLessThan(1e-5);
    const rowSums = tf.sum(tf.abs(grad), 1).arraySync() as number[];
    expect(rowSums.map((sum, row) => [row, sum > 0])).toEqual(rowSums.map((_, row) => [row, [0, 4, 7].includes(row)]));
    tf.dispose([table, weights, grad, reference.grads[adapter.a.name]]);
    adapter.dispose();
  });
});
