import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { type ClipModel, loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { fullFineTuneSetup, loraFineTuneSetup } from '../../../src/core/contrastive/clip-encoders';
import { ContrastiveTrainer } from '../../../src/core/contrastive/contrastive-trainer';
import { LOGIT_SCALE_MAX } from '../../../src/core/contrastive/infonce-loss';
import { recallAtK } from '../../../src/core/contrastive/retrieval-metrics';
import { cosineSimilarityMatrix } from '../../../src/core/contrastive/zero-shot';
import { ClipLora } from '../../../src/core/lora/clip-lora';
import { SeededRng } from '../../../src/core/rng';
import { initialClipWeights } from '../../../scripts/demo-clip/init-weights';
import { writeSafetensors } from '../../../scripts/demo-clip/safetensors-writer';
import { parseClipConfig } from '../../../src/core/clip/clip-config';

const VOCAB = 40;
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

/** Four random-noise images and four short token rows, pair i = (image i, text i). */
function toyPairs(): { pixels: tf.Tensor4D; ids: number[][] } {
  const values = new SeededRng('toy-pixels').normalArray(4 * 3 * 8 * 8);
  const ids = [
    [VOCAB - 2, 3, 4, VOCAB - 1],
    [VOCAB - 2, 5, 6, VOCAB - 1],
    [VOCAB - 2, 7, VOCAB - 1],
    [VOCAB - 2, 8, 9, 10, VOCAB - 1],
  ];
  return { pixels: tf.tensor4d(values, [4, 3, 8, 8]), ids };
}

function pairRecallAt1(model: ClipModel, pixels: tf.Tensor4D, ids: number[][]): number {
  const images = model.embedImages(pixels);
  const texts = model.embedText(ids);
  const recall = recallAtK(cosineSimilarityMatrix(images, texts), 4, 4, 1);
  tf.dispose([images, texts]);
  return recall;
}

describe('ContrastiveTrainer', () => {
  it('full fine-tuning learns toy pairs', () => {
    const model = tinyClip('full');
    const { pixels, ids } = toyPairs();
    const setup = fullFineTuneSetup(model);
    const trainer = new ContrastiveTrainer(setup.encoders, setup.params, setup.logitScale, {
      adam: { learningRate: 3e-3, beta1: 0.9, beta2: 0.98, epsilon: 1e-6, weightDecay: 0 },
      maxGradNorm: 1,
      learnLogitScale: true,
    });

    const first = trainer.trainStep({ pixelValues: pixels, tokenIds: ids }, 3e-3);
    let last = first;
    for (let step = 0; step < 80; step++) last = trainer.trainStep({ pixelValues: pixels, tokenIds: ids }, 3e-3);

    // log(4) is the loss of a model that cannot tell the pairs apart.
    expect(first.loss).toBeGreaterThan(Math.log(4) - 0.2);
    expect(last.loss).toBeLessThan(0.3);
    expect(last.logitScale).toBeGreaterThan(1 / 0.07);
    expect(Math.log(last.logitScale)).toBeLessThanOrEqual(LOGIT_SCALE_MAX + 1e-6);
    expect(trainer.step).toBe(81);
    expect(pairRecallAt1(model, pixels, ids)).toBe(1);
    trainer.dispose();
    model.dispose();
  });

  it('keeps the temperature fixed when asked', () => {
    const model = tinyClip('fixed');
    const { pixels, ids } = toyPairs();
    const setup = fullFineTuneSetup(model);
    const trainer = new ContrastiveTrainer(setup.encoders, setup.params, setup.logitScale, {
      adam: { learningRate: 1e-2, beta1: 0.9, beta2: 0.98, epsilon: 1e-6, weightDecay: 0 },
      maxGradNorm: 0,
      learnLogitScale: false,
    });
    const result = trainer.trainStep({ pixelValues: pixels, tokenIds: ids }, 1e-2);
    expect(result.logitScale).toBeCloseTo(1 / 0.07, 3);
    trainer.dispose();
    model.dispose();
  });

  it('LoRA moves only the adapters', () => {
    const model = tinyClip('lora');
    const { pixels, ids } = toyPairs();
    const before = model.weights.get('vision_model.encoder.layers.0.mlp.fc1.weight').dataSync().slice();
    const lora = new ClipLora(model, { lora: { rank: 4, alpha: 8, dropout: 0 }, vision: true, text: true, tokenEmbedding: true }, new SeededRng('lora-init'));
    const setup = loraFineTuneSetup(lora, new SeededRng('lora-dropout'));
    const trainer = new ContrastiveTrainer(setup.encoders, setup.params, setup.logitScale, {
      adam: { learningRate: 2e-2, beta1: 0.9, beta2: 0.98, epsilon: 1e-6, weightDecay: 0 },
      maxGradNorm: 1,
      learnLogitScale: true,
    });

    const first = trainer.trainStep({ pixelValues: pixels, tokenIds: ids }, 2e-2);
    let last = first;
    for (let step = 0; step < 40; step++) last = trainer.trainStep({ pixelValues: pixels, tokenIds: ids }, 2e-2);

    expect(last.loss).toBeLessThan(first.loss - 0.3);
    const after = model.weights.get('vision_model.encoder.layers.0.mlp.fc1.weight').dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    trainer.dispose();
    setup.logitScale.dispose();
    lora.dispose();
    model.dispose();
  });

  it('rejects a batch with unequal sides', () => {
    const model = tinyClip('unequal');
    const { pixels, ids } = toyPairs();
    const setup = fullFineTuneSetup(model);
    const trainer = new ContrastiveTrainer(setup.encoders, setup.params, setup.logitScale, {
      adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
      maxGradNorm: 1,
      learnLogitScale: true,
    });
    expect(() => trainer.trainStep({ pixelValues: pixels, tokenIds: ids.slice(0, 3) }, 1e-3)).toThrow(/4 images but 3 texts/);
    trainer.dispose();
    model.dispose();
  });
});
