import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';

import { PixelStore } from '../../../src/core/data/pixel-store';
import { resizeRgbSquare, rgbaToRgb } from '../../../src/core/data/resize-rgb';
import { SeededRng } from '../../../src/core/rng';
import { ClassifierTrainer, type StepProgress } from '../../../src/core/train/classifier-trainer';
import { clipByGlobalNorm } from '../../../src/core/train/grad-clip';
import { TorchAdam } from '../../../src/core/train/adam-torch';
import { SmallCnn } from '../../../src/core/train/small-cnn';
import { sharedPath } from '../shared-path';

const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];
const SIZE = 32;

/** Decodes the first `perClass` real tiles of each class at SIZE px. */
function loadRealTiles(perClass: number): { store: PixelStore; labels: Int32Array } {
  const files: { path: string; label: number }[] = [];
  CLASSES.forEach((name, label) => {
    const dir = sharedPath('data/lc25000-lung', name);
    const names = fs.readdirSync(dir).sort().slice(0, perClass);
    for (const file of names) files.push({ path: `${dir}/${file}`, label });
  });

  const store = new PixelStore(files.length, SIZE);
  const labels = new Int32Array(files.length);
  files.forEach((file, i) => {
    const decoded = jpeg.decode(fs.readFileSync(file.path), { useTArray: true });
    const rgb = rgbaToRgb(decoded.data);
    store.set(i, resizeRgbSquare(rgb, decoded.width, decoded.height, SIZE));
    labels[i] = file.label;
  });
  return { store, labels };
}

describe('training step on real tiles', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('lowers the loss on a tiny real batch', async () => {
    const { store, labels } = loadRealTiles(4);
    const model = new SmallCnn({ inputSize: SIZE, channels: [4, 8], numClasses: 3, dropout: 0 }, new SeededRng(0));
    const all = [...labels.keys()];
    const trainer = new ClassifierTrainer(
      { params: model.params, numClasses: 3, logits: (x) => model.logits(x) },
      store,
      labels,
      { train: all, val: [] },
      { epochs: 20, batchSize: 12, learningRate: 1e-2, weightDecay: 0, clipNorm: 0, schedule: 'constant', seed: 0 },
    );

    const before = await trainer.evaluate(all);
    const losses: number[] = [];
    await trainer.run({ onStep: (p: StepProgress) => losses.push(p.loss) });
    const after = await trainer.evaluate(all);

    expect(losses.length).toBe(20);
    expect(after.loss).toBeLessThan(before.loss * 0.85);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);

    trainer.dispose();
    model.dispose();
  });

  it('keeps the tensor count flat across epochs', async () => {
    const { store, labels } = loadRealTiles(2);
    const model = new SmallCnn({ inputSize: SIZE, channels: [4, 8], numClasses: 3, dropout: 0.2 }, new SeededRng(1));
    const all = [...labels.keys()];
    const trainer = new ClassifierTrainer(
      { params: model.params, numClasses: 3, logits: (x, training, rng) => model.logits(x, training ? model.dropoutMask(x.shape[0], rng) : undefined) },
      store,
      labels,
      { train: all, val: all },
      { epochs: 1, batchSize: 3, learningRate: 1e-3, weightDecay: 1e-4, clipNorm: 0.5, schedule: 'cosine', seed: 0 },
    );

    const counts: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      await trainer.run({});
      counts.push(tf.memory().numTensors);
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);

    trainer.dispose();
    model.dispose();
  });
});

describe('TorchAdam', () => {
  it('matches a hand-computed torch.optim.Adam step with weight decay', async () => {
    await tf.setBackend('cpu');
    const param = tf.variable(tf.tensor1d([1, -2]));
    const adam = new TorchAdam(new Map([['w', param]]), { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.5 });

    // g = grad + wd * p = [0.5 + 0.5, -1 - 1] = [1, -2]; the first step moves
    // each weight by lr * sign(g) because m_hat / sqrt(v_hat) = g / |g|.
    const grad = tf.tensor1d([0.5, -1]);
    adam.applyGradients({ w: grad });
    const values = await param.data();

    expect(values[0]).toBeCloseTo(0.9, 6);
    expect(values[1]).toBeCloseTo(-1.9, 6);

    adam.dispose();
    tf.dispose([param, grad]);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales gradients to the maximum norm', async () => {
    await tf.setBackend('cpu');
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);

    expect((await norm.data())[0]).toBeCloseTo(5, 5);
    expect(Array.from(await clipped.a.data())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(await clipped.b.data())[1]).toBeCloseTo(0.8, 5);

    tf.dispose([...Object.values(grads), ...Object.values(clipped), norm]);
  });
});
