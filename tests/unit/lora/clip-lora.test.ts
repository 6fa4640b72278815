import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ClipModel, loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { ClipLora, DEFAULT_CLIP_LORA_OPTIONS } from '../../../src/core/lora/clip-lora';
import { SeededRng } from '../../../src/core/rng';
import { readModelFiles, readReference, readReferencePixels } from '../clip/tiny-clip-fixture';

const reference = readReference();
let clip: ClipModel;
let pixels: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  clip = loadClipFromFiles(readModelFiles(['config.json', 'model.safetensors', 'preprocessor_config.json']));
  pixels = tf.tensor4d(readReferencePixels(reference), reference.pixel_values_shape);
});

afterAll(() => {
  pixels.dispose();
  clip.dispose();
});

function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Gives every adapter a non-zero delta, as training would. */
function perturbAdapters(lora: ClipLora, rng: SeededRng): void {
  for (const adapter of [...lora.vision.values(), ...lora.text.values()]) {
    adapter.b.assign(tf.tensor(rng.normalArray(adapter.b.size, 0.05), adapter.b.shape));
  }
  const tokens = lora.tokenEmbedding!;
  tokens.a.assign(tf.tensor(rng.normalArray(tokens.a.size, 0.05), tokens.a.shape));
}

describe('ClipLora on the tiny CLIP', () => {
  it('adapts every linear layer by default', () => {
    const lora = new ClipLora(clip, DEFAULT_CLIP_LORA_OPTIONS, new SeededRng(0));
    const layersPerEncoder = 2 * 6;

    expect(lora.vision.size).toBe(layersPerEncoder + 2);
    expect(lora.vision.has('vision_model.embeddings.patch_embedding')).toBe(true);
    expect(lora.vision.has('visual_projection')).toBe(true);
    expect(lora.text.size).toBe(layersPerEncoder + 1);
    expect(lora.text.has('text_projection')).toBe(true);
    expect(lora.tokenEmbedding?.a.shape).toEqual([49408, 16]);
    expect(lora.vision.get('vision_model.encoder.layers.1.mlp.fc1')!.a.shape).toEqual([16, 64]);
    expect(lora.vision.get('vision_model.embeddings.patch_embedding')!.a.shape).toEqual([16, 3 * 16 * 16]);
    lora.dispose();
  });

  it('target modules restrict the adapters', () => {
    const lora = new ClipLora(clip, { ...DEFAULT_CLIP_LORA_OPTIONS, tokenEmbedding: false, targetModules: ['q_proj', 'v_proj'] }, new SeededRng(0));

    expect([...lora.vision.keys()].sort()).toEqual([
      'vision_model.encoder.layers.0.self_attn.q_proj',
      'vision_model.encoder.layers.0.self_attn.v_proj',
      'vision_model.encoder.layers.1.self_attn.q_proj',
      'vision_model.encoder.layers.1.self_attn.v_proj',
    ]);
    expect(lora.text.size).toBe(4);
    expect(lora.tokenEmbedding).toBeUndefined();
    lora.dispose();
  });

  it('untrained adapters change no embedding', () => {
    const lora = new ClipLora(clip, DEFAULT_CLIP_LORA_OPTIONS, new SeededRng(1));

    const baseImages = clip.embedImages(pixels);
    const adaptedImages = lora.embedImages(pixels);
    const baseTexts = clip.embedText(reference.input_ids);
    const adaptedTexts = lora.embedText(reference.input_ids);

    expect(maxAbsDifference(adaptedImages, baseImages)).toBe(0);
    expect(maxAbsDifference(adaptedTexts, baseTexts)).toBe(0);
    tf.dispose([baseImages, adaptedImages, baseTexts, adaptedTexts]);
    lora.dispose();
  });

  it('merged vision weights match the adapted tower', () => {
    const rng = new SeededRng(2);
    const lora = new ClipLora(clip, DEFAULT_CLIP_LORA_OPTIONS, rng);
    perturbAdapters(lora, rng);

    const adapted = lora.embedImages(pixels);
    const base = clip.embedImages(pixels);

    const merged = lora.mergedVisionWeights();
    const originals = new Map([...merged.keys()].map((name) => [name, clip.weights.get(name)]));
    for (const [name, tensor] of merged) clip.weights.set(name, tensor);
    const viaMerged = clip.embedImages(pixels);
    for (const [name, tensor] of originals) clip.weights.set(name, tensor);

    expect(merged.get('vision_model.embeddings.patch_embedding.weight')!.shape).toEqual([64, 3, 16, 16]);
    expect(maxAbsDifference(adapted, viaMerged)).toBeLessThan(1e-4);
    expect(maxAbsDifference(adapted, base)).toBeGreaterThan(1e-2);
    tf.dispose([adapted, base, viaMerged]);
    lora.dispose();
  });

  it('token adapter changes the text embedding', () => {
    const rng = new SeededRng(3);
    const lora = new ClipLora(clip, { ...DEFAULT_CLIP_LORA_OPTIONS, vision: false }, rng);
    const tokens = lora.tokenEmbedding!;
    tokens.a.assign(tf.tensor(rng.normalArray(tokens.a.size, 0.05), tokens.a.shape));

    const base = clip.embedText(reference.input_ids);
    const adapted = lora.embedText(reference.input_ids);

    expect(maxAbsDifference(adapted, base)).toBeGreaterThan(1e-3);
    tf.dispose([base, adapted]);
    lora.dispose();
  });
});
