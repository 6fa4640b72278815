import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { CnnBackbone } from '../../../src/core/clipit/cnn-backbone';
import { ClipItModel } from '../../../src/core/clipit/clipit-model';
import { type ClipItEpochProgress, type ClipItStepProgress, DEFAULT_CLIPIT_TRAIN_CONFIG } from '../../../src/core/clipit/clipit-train-config';
import { ClipItTrainer } from '../../../src/core/clipit/clipit-trainer';
import { PrecomputedTextTargets } from '../../../src/core/clipit/text-targets';
import { SeededRng } from '../../../src/core/rng';
import { ArrayBatchSource, makeSyntheticPairs } from './synthetic-pairs';

const COUNT = 96;
const data = makeSyntheticPairs({ count: COUNT, numClasses: 3, rule: 'argmax', side: 8, textDim: 16, signal: 0.08, noise: 0.2, seed: 7 });
const indices = Array.from({ length: COUNT }, (_, i) => i);
const split = { train: indices.slice(0, 64), val: indices.slice(64) };
const images = new ArrayBatchSource(data.images, data.imageShape);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function buildCnnModel(seed: number): ClipItModel {
  const rng = new SeededRng(seed);
  const backbone = new CnnBackbone({ inputSize: 8, channels: [8, 16], numClasses: 3, dropout: 0.2 }, rng);
  return new ClipItModel(backbone, { numClasses: 3, projectionDim: 16 }, rng);
}

function snapshot(params: Map<string, tf.Variable>): Map<string, Float32Array> {
  return new Map([...params].map(([name, v]) => [name, Float32Array.from(v.dataSync())]));
}

function unchanged(before: Float32Array, variable: tf.Variable): boolean {
  const after = variable.dataSync();
  return before.every((value, i) => value === after[i]);
}

describe('ClipItTrainer', () => {
  it('keeps the tensor count flat across epochs', async () => {
    const model = buildCnnModel(1);
    const text = new PrecomputedTextTargets(data.informativeText, 16);
    const trainer = new ClipItTrainer({ model, mode: 'clipit', images, labels: data.labels, split, text, config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 4, batchSize: 16 } });
    const counts: number[] = [];

    await trainer.run({ onEpoch: () => counts.push(tf.memory().numTensors) });

    expect(counts.length).toBe(4);
    // Epoch 1 may allocate the kept best weights; afterwards nothing may accumulate.
    expect(new Set(counts.slice(1)).size, `tensor counts ${counts.join(', ')}`).toBe(1);
    trainer.dispose();
    text.dispose();
    model.dispose();
  });

  it('reports every loss component', async () => {
    const model = buildCnnModel(2);
    const text = new PrecomputedTextTargets(data.informativeText, 16);
    const config = { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 2, batchSize: 16, lambda: 0.5, schedule: 'cosine' as const };
    const trainer = new ClipItTrainer({ model, mode: 'clipit', images, labels: data.labels, split, text, config });
    const steps: ClipItStepProgress[] = [];
    const epochs: ClipItEpochProgress[] = [];

    await trainer.run({ onStep: (p) => steps.push(p), onEpoch: (p) => epochs.push(p) });

    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const step of steps) {
      expect(step.loss).toBeCloseTo(step.ce + 0.5 * step.cosine, 5);
      expect(step.cosine).toBeGreaterThan(0);
      expect(step.gradNorm).toBeGreaterThan(0);
      expect(step.imagesPerSecond).toBeGreaterThan(0);
      expect(step.totalSteps).toBe(8);
    }
    // Cosine schedule: lr(0) = base, then strictly decreasing.
    expect(steps[0].learningRate).toBe(1e-3);
    expect(steps[7].learningRate).toBeLessThan(steps[6].learningRate);

    expect(epochs.length).toBe(2);
    expect(epochs[0].val.loss).toBeCloseTo(epochs[0].val.ce + 0.5 * epochs[0].val.cosine, 5);
    expect(epochs[0].val.balancedAccuracy).toBeGreaterThanOrEqual(0);
    expect(epochs[0].val.probabilities.length).toBe(32 * 3);
    expect(epochs[0].isBest).toBe(true);
    trainer.dispose();
    text.dispose();
    model.dispose();
  });

  it('restores the best validation epoch', async () => {
    const model = buildCnnModel(3);
    const text = new PrecomputedTextTargets(data.informativeText, 16);
    const trainer = new ClipItTrainer({ model, mode: 'clipit', images, labels: data.labels, split, text, config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 4, batchSize: 16, learningRate: 1e-2 } });
    const valLosses: number[] = [];

    const result = await trainer.run({ onEpoch: (p) => valLosses.push(p.val.loss) });
    const after = await trainer.evaluate(split.val);

    expect(result.bestValLoss).toBe(Math.min(...valLosses));
    expect(result.bestEpoch).toBe(valLosses.indexOf(result.bestValLoss) + 1);
    expect(after.loss).toBeCloseTo(result.bestValLoss, 5);
    trainer.dispose();
    text.dispose();
    model.dispose();
  });

  it('unimodal mode trains only backbone and vision head', async () => {
    const model = buildCnnModel(4);
    const projectionBefore = snapshot(model.projection.params);
    const fusionBefore = snapshot(model.fusionHead.params);
    const headBefore = snapshot(model.visionHead.params);
    const trainer = new ClipItTrainer({ model, mode: 'unimodal', images, labels: data.labels, split, config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 1, batchSize: 16 } });
    const steps: ClipItStepProgress[] = [];

    await trainer.run({ onStep: (p) => steps.push(p) });

    expect(model.outputHead).toBe('vision');
    expect(steps.every((s) => s.cosine === 0 && s.loss === s.ce)).toBe(true);
    for (const [name, values] of projectionBefore) expect(unchanged(values, model.projection.params.get(name)!)).toBe(true);
    for (const [name, values] of fusionBefore) expect(unchanged(values, model.fusionHead.params.get(name)!)).toBe(true);
    for (const [name, values] of headBefore) expect(unchanged(values, model.visionHead.params.get(name)!)).toBe(false);
    trainer.dispose();
    model.dispose();
  });

  it('stops between steps on request', async () => {
    const model = buildCnnModel(5);
    const trainer = new ClipItTrainer({ model, mode: 'unimodal', images, labels: data.labels, split, config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 3, batchSize: 16 } });
    const steps: number[] = [];

    const result = await trainer.run({
      onStep: (p) => {
        steps.push(p.step);
        if (p.step === 2) trainer.control.stop();
      },
    });

    expect(result.stopped).toBe(true);
    expect(steps).toEqual([1, 2]);
    trainer.dispose();
    model.dispose();
  });

  it('waits while paused', async () => {
    const model = buildCnnModel(9);
    const trainer = new ClipItTrainer({ model, mode: 'unimodal', images, labels: data.labels, split, config: { ...DEFAULT_CLIPIT_TRAIN_CONFIG, epochs: 1, batchSize: 16 } });
    const steps: number[] = [];
    let stepsWhilePaused = -1;

    const running = trainer.run({
      onStep: (p) => {
        steps.push(p.step);
        if (p.step === 1) {
          trainer.control.pause();
          setTimeout(() => {
            stepsWhilePaused = steps.length;
            trainer.control.resume();
          }, 100);
        }
      },
    });
    const result = await running;

    expect(stepsWhilePaused).toBe(1);
    expect(result.stopped).toBe(false);
    expect(steps).toEqual([1, 2, 3, 4]);
    trainer.dispose();
    model.dispose();
  });

  it('starts CLIP-IT from the baseline weights', () => {
    const baseline = buildCnnModel(6);
    const model = buildCnnModel(7);
    model.initialiseFromBaseline(baseline);

    for (const [name, param] of baseline.backbone.params) expect(Array.from(model.backbone.params.get(name)!.dataSync())).toEqual(Array.from(param.dataSync()));
    expect(Array.from(model.visionHead.weight.dataSync())).toEqual(Array.from(baseline.visionHead.weight.dataSync()));
    baseline.dispose();
    model.dispose();
  });

  it('rejects text of the wrong width', () => {
    const model = buildCnnModel(8);
    const text = new PrecomputedTextTargets(new Float32Array(COUNT * 8), 8);
    expect(() => new ClipItTrainer({ model, mode: 'clipit', images, labels: data.labels, split, text, config: DEFAULT_CLIPIT_TRAIN_CONFIG })).toThrow(/8 values.*16/);
    expect(() => new ClipItTrainer({ model, mode: 'clipit', images, labels: data.labels, split, config: DEFAULT_CLIPIT_TRAIN_CONFIG })).toThrow(/needs the paired report embeddings/);
    text.dispose();
    model.dispose();
  });
});
