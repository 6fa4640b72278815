import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { parseClipConfig } from '../../../src/core/clip/clip-config';
import { type ClipModel, loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { type ContrastiveEpochEvent, DEFAULT_CONTRASTIVE_SETTINGS, runContrastiveFineTuning } from '../../../src/core/contrastive/contrastive-run';
import { mergeLoraIntoClip } from '../../../src/core/contrastive/fine-tuned-clip';
import { ListPairSource } from '../../../src/core/contrastive/pair-sources';
import { ClipLora, DEFAULT_CLIP_LORA_OPTIONS } from '../../../src/core/lora/clip-lora';
import { SeededRng } from '../../../src/core/rng';
import { RunControl } from '../../../src/core/train/run-control';
import { initialClipWeights } from '../../../scripts/demo-clip/init-weights';
import { writeSafetensors } from '../../../scripts/demo-clip/safetensors-writer';

const VOCAB = 40;
const PAIRS = 8;
const CONFIG_JSON = {
  projection_dim: 8,
  text_config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 8, vocab_size: VOCAB, eos_token_id: VOCAB - 1, bos_token_id: VOCAB - 2 },
  vision_config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, image_size: 8, patch_size: 4 },
};

function tinyClip(seed: string): ClipModel {
  const config = parseClipConfig(CONFIG_JSON);
  const files = new Map<string, Uint8Array>([
    ['config.json', new TextEncoder().encode(JSON.stringify(CONFIG_JSON))],
    ['model.safetensors', writeSafetensors(initialClipWeights(config, new SeededRng(seed)))],
  ]);
  return loadClipFromFiles(files);
}

/** Text "t<i>" becomes a short token row that no other pair shares. */
const toyTokenizer = {
  encode(text: string): number[] {
    const index = Number(text.slice(1));
    return [VOCAB - 2, 1 + 2 * index, 2 + 2 * index, VOCAB - 1];
  },
};

/** Eight random-noise images paired one to one with eight texts. The held-out set is the training set, to measure fit. */
function toyData() {
  const values = new SeededRng('toy-run-pixels').normalArray(PAIRS * 3 * 8 * 8);
  const texts = Array.from({ length: PAIRS }, (_, index) => `t${index}`);
  const rows = texts.map((_, index) => index);
  return {
    pixels: { values: Float32Array.from(values), shape: [PAIRS, 3, 8, 8] as [number, number, number, number] },
    plan: { trainRows: rows, pairs: new ListPairSource(texts), heldOut: { imageRows: rows, texts } },
  };
}

function weightValues(model: ClipModel): Map<string, Float32Array> {
  return new Map(model.weights.names().map((name) => [name, Float32Array.from(model.weights.get(name).dataSync() as Float32Array)]));
}

describe('runContrastiveFineTuning', () => {
  it('LoRA run learns pairs, leaves base untouched', async () => {
    const base = tinyClip('run-lora');
    const before = weightValues(base);
    const { pixels, plan } = toyData();
    const tensorsBefore = tf.memory().numTensors;
    const epochs: ContrastiveEpochEvent[] = [];

    const outcome = await runContrastiveFineTuning(
      base,
      toyTokenizer,
      pixels,
      plan,
      { ...DEFAULT_CONTRASTIVE_SETTINGS, mode: 'lora', epochs: 40, batchSize: PAIRS, learningRate: 1e-2, loraRank: 4, loraAlpha: 8 },
      new RunControl(),
      { onEpoch: (event) => epochs.push(event) },
    );

    expect(epochs.map((event) => event.epoch)).toEqual(Array.from({ length: 41 }, (_, index) => index));
    expect(outcome.steps).toBe(40);
    expect(outcome.stopped).toBe(false);
    expect(outcome.after.imageToText1).toBeGreaterThan(outcome.before.imageToText1);
    // Chance is 1 / 8. The adapters start at zero (B = 0), so 40 steps reach about 5 of 8 pairs.
    expect(outcome.after.imageToText1).toBeGreaterThanOrEqual(0.5);
    expect(epochs[40].meanLoss).toBeLessThan(epochs[1].meanLoss);

    for (const [name, values] of weightValues(base)) expect(values, name).toEqual(before.get(name));
    expect(outcome.model).not.toBe(base);
    expect(outcome.model.weights.names().sort()).toEqual(base.weights.names().sort());

    // Only the fine-tuned model's weights remain beyond what existed before the run.
    expect(tf.memory().numTensors).toBe(tensorsBefore + outcome.model.weights.names().length);
    outcome.model.dispose();
    base.dispose();
  });

  it('full run changes the copy only', async () => {
    const base = tinyClip('run-full');
    const before = weightValues(base);
    const { pixels, plan } = toyData();

    const outcome = await runContrastiveFineTuning(base, toyTokenizer, pixels, plan, { ...DEFAULT_CONTRASTIVE_SETTINGS, mode: 'full', epochs: 30, batchSize: PAIRS, learningRate: 3e-3 }, new RunControl());

    expect(outcome.after.imageToText1).toBeGreaterThan(outcome.before.imageToText1);
    for (const [name, values] of weightValues(base)) expect(values, name).toEqual(before.get(name));
    const changed = [...weightValues(outcome.model)].filter(([name, values]) => values.some((value, i) => value !== before.get(name)![i]));
    expect(changed.length).toBeGreaterThan(10);
    outcome.model.dispose();
    base.dispose();
  });

  it('stops at the next step when asked', async () => {
    const base = tinyClip('run-stop');
    const { pixels, plan } = toyData();
    const control = new RunControl();
    const outcome = await runContrastiveFineTuning(base, toyTokenizer, pixels, plan, { ...DEFAULT_CONTRASTIVE_SETTINGS, epochs: 10, batchSize: 4 }, control, {
      onStep: (event) => {
        if (event.step === 3) control.stop();
      },
    });

    expect(outcome.stopped).toBe(true);
    expect(outcome.steps).toBe(3);
    outcome.model.dispose();
    base.dispose();
  });

  it('rejects a batch larger than the pairs', async () => {
    const base = tinyClip('run-batch');
    const { pixels, plan } = toyData();
    await expect(runContrastiveFineTuning(base, toyTokenizer, pixels, plan, { ...DEFAULT_CONTRASTIVE_SETTINGS, batchSize: 16 }, new RunControl())).rejects.toThrow(/fewer than one batch of 16/);
    base.dispose();
  });
});

describe('mergeLoraIntoClip', () => {
  it('merged model embeds like the adapters', () => {
    const base = tinyClip('merge');
    const lora = new ClipLora(base, { ...DEFAULT_CLIP_LORA_OPTIONS, lora: { rank: 2, alpha: 4, dropout: 0 } }, new SeededRng('merge-lora'));
    // LoRA B starts at zero, so give every adapter weight a random value to make the merge matter.
    const rng = new SeededRng('merge-values');
    for (const variable of [...lora.visionParams.values(), ...lora.textParams.values()]) variable.assign(tf.tensor(rng.normalArray(variable.size), variable.shape).mul(0.3));

    const merged = mergeLoraIntoClip(lora, Math.log(20));
    const { pixels } = toyData();
    const input = tf.tensor4d(pixels.values, pixels.shape);
    const ids = [0, 1, 2].map((index) => toyTokenizer.encode(`t${index}`));

    const adaptedImages = lora.embedImages(input);
    const mergedImages = merged.embedImages(input);
    const adaptedTexts = lora.embedText(ids);
    const mergedTexts = merged.embedText(ids);
    expect(Array.from(mergedImages.dataSync())).toEqual(Array.from(adaptedImages.dataSync()).map((value) => expect.closeTo(value, 4)));
    expect(Array.from(mergedTexts.dataSync())).toEqual(Array.from(adaptedTexts.dataSync()).map((value) => expect.closeTo(value, 4)));
    expect(merged.logitScale).toBeCloseTo(20, 4);

    tf.dispose([input, adaptedImages, mergedImages, adaptedTexts, mergedTexts]);
    merged.dispose();
    lora.dispose();
    base.dispose();
  });
});
