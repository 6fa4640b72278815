import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type CheckpointTensor } from '../../../src/core/clip/checkpoint-tensor';
import { loadClipTokenizerFromFiles } from '../../../src/core/clip/bpe-tokenizer';
import { type ClipModel, loadClipFromFiles } from '../../../src/core/clip/clip-model';
import { type LinearHook, plainLinear } from '../../../src/core/clip/clip-layers';
import { embedTextBatches } from '../../../src/core/clip/embed-text-batches';
import { readSafetensors } from '../../../src/core/clip/safetensors-reader';
import { maxAbsDifference, readModelFiles, readReference, readReferencePixels } from './tiny-clip-fixture';

const reference = readReference();
const referencePixels = readReferencePixels(reference);

const CHECKPOINTS: [string, () => Map<string, Uint8Array>][] = [
  ['model.safetensors', () => readModelFiles(['config.json', 'model.safetensors', 'preprocessor_config.json'])],
  ['pytorch_model.bin', () => readModelFiles(['config.json', 'pytorch_model.bin'])],
  ['open_clip_pytorch_model.bin', () => readModelFiles(['open_clip_config.json', 'open_clip_pytorch_model.bin'], 'open_clip')],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(CHECKPOINTS)('CLIP loaded from %s', (_name, readFiles) => {
  let model: ClipModel;

  beforeAll(() => {
    model = loadClipFromFiles(readFiles());
  });

  afterAll(() => {
    model.dispose();
  });

  it('matches reference text embeddings', () => {
    const embeds = model.embedText(reference.input_ids);
    expect(embeds.shape).toEqual([reference.texts.length, 32]);
    expect(maxAbsDifference(embeds.dataSync(), reference.text_embeds.flat())).toBeLessThan(1e-4);
    embeds.dispose();
  });

  it('matches reference image embeddings', () => {
    const pixels = tf.tensor4d(referencePixels, reference.pixel_values_shape);
    const embeds = model.embedImages(pixels);
    expect(embeds.shape).toEqual([reference.images.length, 32]);
    expect(maxAbsDifference(embeds.dataSync(), reference.image_embeds.flat())).toBeLessThan(1e-4);
    tf.dispose([pixels, embeds]);
  });

  it('matches reference logits_per_image', () => {
    const pixels = tf.tensor4d(referencePixels, reference.pixel_values_shape);
    const imageEmbeds = model.embedImages(pixels);
    const textEmbeds = model.embedText(reference.input_ids);
    const logits = model.logitsPerImage(imageEmbeds, textEmbeds);

    expect(logits.shape).toEqual([5, 12]);
    expect(maxAbsDifference(logits.dataSync(), reference.logits_per_image.flat())).toBeLessThan(1e-4);
    tf.dispose([pixels, imageEmbeds, textEmbeds, logits]);
  });
});

describe('ClipModel', () => {
  let model: ClipModel;

  beforeAll(() => {
    model = loadClipFromFiles(CHECKPOINTS[0][1]());
  });

  afterAll(() => {
    model.dispose();
  });

  it('embeds tokenizer output like the reference ids', () => {
    const tokenizer = loadClipTokenizerFromFiles(readModelFiles(['vocab.json', 'merges.txt']));
    const embeds = model.embedText(tokenizer.encodeBatch(reference.texts));
    expect(maxAbsDifference(embeds.dataSync(), reference.text_embeds.flat())).toBeLessThan(1e-4);
    embeds.dispose();
  });

  it('pads batches without changing embeddings', () => {
    const alone = model.embedText([reference.input_ids[0]]);
    const batched = model.embedText([reference.input_ids[0], reference.input_ids[11]]);
    expect(maxAbsDifference(alone.dataSync(), batched.dataSync().slice(0, 32))).toBeLessThan(1e-5);
    tf.dispose([alone, batched]);
  });

  it('pools at first eos when id is 49407', () => {
    const legacy = model.embedText(reference.input_ids);
    const modern = loadClipFromFiles(withConfig(CHECKPOINTS[0][1](), (config) => {
      (config.text_config as Record<string, unknown>).eos_token_id = 49407;
    }));
    const current = modern.embedText(reference.input_ids);
    expect(maxAbsDifference(current.dataSync(), legacy.dataSync())).toBeLessThan(1e-6);
    tf.dispose([legacy, current]);
    modern.dispose();
  });

  it('routes every linear layer through the hook', () => {
    const names = new Set<string>();
    const recordingHook: LinearHook = (name, x, weight, bias) => {
      names.add(name);
      return plainLinear(name, x, weight, bias);
    };
    const pixels = tf.tensor4d(referencePixels, reference.pixel_values_shape);
    tf.dispose([model.embedText([reference.input_ids[0]], recordingHook), model.embedImages(pixels, recordingHook)]);
    pixels.dispose();

    // Per tower: 2 layers x 6 linear layers, plus the projection; the vision tower adds the patch embedding.
    expect(names.size).toBe(2 * 12 + 2 + 1);
    expect(names).toContain('vision_model.embeddings.patch_embedding');
    expect(names).toContain('text_model.encoder.layers.1.mlp.fc2');
    expect(names).toContain('visual_projection');
    expect(names).toContain('text_projection');
  });

  it('lets gradients flow to the weights', () => {
    const weight = model.weights.get('visual_projection.weight');
    const pixels = tf.tensor4d(referencePixels, reference.pixel_values_shape);
    const gradient = tf.grad((w: tf.Tensor) => {
      const hook: LinearHook = (name, x, kernel, bias) => plainLinear(name, x, name === 'visual_projection' ? w : kernel, bias);
      return tf.sum(model.embedImages(pixels, hook));
    })(weight);

    expect(gradient.shape).toEqual(weight.shape);
    expect(tf.sum(tf.abs(gradient)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([pixels, gradient]);
  });

  it('keeps tensor count after embedding', async () => {
    const pixels = tf.tensor4d(referencePixels, reference.pixel_values_shape);
    const before = tf.memory().numTensors;

    tf.dispose([model.embedText(reference.input_ids), model.embedImages(pixels)]);
    await embedTextBatches(model, reference.input_ids, { batchSize: 4 });

    expect(tf.memory().numTensors).toBe(before);
    pixels.dispose();
  });

  it('embeds length-sorted batches in input order', async () => {
    const progress: number[] = [];
    const values = await embedTextBatches(model, reference.input_ids, { batchSize: 5, onProgress: (done) => progress.push(done) });

    expect(maxAbsDifference(values, reference.text_embeds.flat())).toBeLessThan(1e-4);
    expect(progress).toEqual([5, 10, 12]);
  });

  it('reports logit scale exp(logit_scale)', () => {
    expect(model.logitScale).toBeCloseTo(1 / 0.07, 3);
  });

  it('rejects images of the wrong size', () => {
    const pixels = tf.zeros([1, 3, 32, 32]) as tf.Tensor4D;
    expect(() => model.embedImages(pixels)).toThrow(/\[batch, 3, 64, 64\]/);
    pixels.dispose();
  });

  it('rejects token ids outside the vocabulary', () => {
    expect(() => model.embedText([[49406, 60000, 49407]])).toThrow(/60000/);
  });
});

describe('loadClipFromFiles', () => {
  it('names a missing tensor and its expected shape', () => {
    const files = withConfig(CHECKPOINTS[0][1](), (config) => {
      (config.text_config as Record<string, unknown>).num_hidden_layers = 3;
    });
    expect(() => loadClipFromFiles(files)).toThrow(/"text_model\.encoder\.layers\.2\.self_attn\.q_proj\.weight" is missing; expected shape \[64, 64\]/);
  });

  it('names a tensor with wrong shape', () => {
    const files = withConfig(CHECKPOINTS[0][1](), (config) => {
      config.projection_dim = 16;
    });
    expect(() => loadClipFromFiles(files)).toThrow(/"text_projection\.weight" has shape \[32, 64\] but the model config expects \[16, 64\]/);
  });

  it('loads a sharded safetensors checkpoint', () => {
    const tensors = readSafetensors(readModelFiles(['model.safetensors']).get('model.safetensors')!, 'model.safetensors');
    const names = [...tensors.keys()];
    const shards = [names.slice(0, 30), names.slice(30)].map((part) => writeFloat32Safetensors(part.map((name) => [name, tensors.get(name)!])));

    const files = readModelFiles(['config.json']);
    files.set('model-00001-of-00002.safetensors', shards[0]);
    files.set('model-00002-of-00002.safetensors', shards[1]);
    const weightMap = Object.fromEntries(names.map((name, index) => [name, `model-0000${index < 30 ? 1 : 2}-of-00002.safetensors`]));
    files.set('model.safetensors.index.json', new TextEncoder().encode(JSON.stringify({ weight_map: weightMap })));

    const model = loadClipFromFiles(files);
    const embeds = model.embedText(reference.input_ids);
    expect(maxAbsDifference(embeds.dataSync(), reference.text_embeds.flat())).toBeLessThan(1e-4);
    embeds.dispose();
    model.dispose();
  });

  it('rejects open_clip names without open_clip_config.json', () => {
    const files = readModelFiles(['open_clip_pytorch_model.bin'], 'open_clip');
    expect(() => loadClipFromFiles(files)).toThrow(/open_clip_config\.json is missing/);
  });

  it('reports a folder without weights', () => {
    expect(() => loadClipFromFiles(readModelFiles(['config.json']))).toThrow(/No CLIP weights found/);
  });
});

function writeFloat32Safetensors(entries: [string, CheckpointTensor][]): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, tensor] of entries) {
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + tensor.values.length * 4] };
    offset += tensor.values.length * 4;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + offset);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  let position = 8 + json.length;
  for (const [, tensor] of entries) {
    bytes.set(new Uint8Array(Float32Array.from(tensor.values).buffer), position);
    position += tensor.values.length * 4;
  }
  return bytes;
}

function withConfig(files: Map<string, Uint8Array>, edit: (config: Record<string, unknown>) => void): Map<string, Uint8Array> {
  const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
  edit(config);
  files.set('config.json', new TextEncoder().encode(JSON.stringify(config)));
  return files;
}
