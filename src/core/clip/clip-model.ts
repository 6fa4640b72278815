import * as tf from '@tensorflow/tfjs';

import { type CheckpointTensors } from './checkpoint-tensor';
import { type ClipConfig, parseClipConfig } from './clip-config';
import { type LinearHook, plainLinear } from './clip-layers';
import { prepareTextBatch, textTowerForward } from './clip-text-tower';
import { visionTowerForward } from './clip-vision-tower';
import { type ClipWeights, buildClipWeights } from './clip-weights';
import { assertNotCocaTensorNames } from './coca-detection';
import { convertOpenClipTensors, parseOpenClipConfig } from './open-clip-names';
import { type ClipPreprocessConfig, defaultPreprocessConfig, parsePreprocessConfig } from './preprocess-config';
import { readSafetensors, readShardedSafetensors } from './safetensors-reader';
import { readTorchCheckpoint } from './torch-pickle-reader';

/** A loaded CLIP model: both towers over one weight map, in Hugging Face CLIPModel layout. */
export class ClipModel {
  constructor(
    readonly config: ClipConfig,
    readonly weights: ClipWeights,
    readonly preprocess: ClipPreprocessConfig,
    /** Hook every linear layer goes through unless a call passes its own (e.g. to add LoRA). */
    public linearHook: LinearHook = plainLinear,
  ) {}

  /**
   * Embeds tokenised texts (unpadded rows from ClipBpeTokenizer.encode). Returns projected,
   * unnormalised text embeddings [rows, projection_dim]; the caller disposes them.
   */
  embedText(ids: readonly (readonly number[])[], hook: LinearHook = this.linearHook): tf.Tensor2D {
    return tf.tidy(() => {
      const batch = prepareTextBatch(ids, this.config.text, this.textPadTokenId());
      return textTowerForward(this.weights, this.config.text, batch, hook);
    });
  }

  /**
   * Embeds preprocessed images `pixelValues` [batch, channels, size, size] (NCHW). Returns projected,
   * unnormalised image embeddings [batch, projection_dim]; the caller disposes them.
   */
  embedImages(pixelValues: tf.Tensor4D, hook: LinearHook = this.linearHook): tf.Tensor2D {
    return tf.tidy(() => visionTowerForward(this.weights, this.config.vision, pixelValues, hook));
  }

  /** The multiplier exp(logit_scale) that CLIP applies to cosine similarities. */
  get logitScale(): number {
    return Math.exp(this.weights.get('logit_scale').dataSync()[0]);
  }

  /** Computes exp(logit_scale) * cos(image, text) as a [images, texts] tensor, as CLIPModel's logits_per_image. */
  logitsPerImage(imageEmbeds: tf.Tensor2D, textEmbeds: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const images = tf.div(imageEmbeds, tf.norm(imageEmbeds, 'euclidean', -1, true));
      const texts = tf.div(textEmbeds, tf.norm(textEmbeds, 'euclidean', -1, true));
      return tf.mul(tf.matMul(images, texts, false, true), tf.exp(this.weights.get('logit_scale'))) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.weights.dispose();
  }

  /** `<|endoftext|>`: with the legacy eos id 2 it is the highest id of the CLIP vocabulary. */
  private textPadTokenId(): number {
    const text = this.config.text;
    return text.eosTokenId === 2 ? text.vocabSize - 1 : text.eosTokenId;
  }
}

/**
 * Loads a CLIP model from the files of a model folder (names relative to it). Accepts, in this
 * order: `model.safetensors.index.json` with its shards, `model.safetensors`,
 * `open_clip_model.safetensors`, `pytorch_model.bin` or `open_clip_pytorch_model.bin`. The config
 * comes from `config.json` or, for open_clip names, `open_clip_config.json`.
 * Every tensor the config requires is checked for presence and shape before any is uploaded.
 */
export function loadClipFromFiles(files: ReadonlyMap<string, Uint8Array>): ClipModel {
  const { tensors, source } = readCheckpoint(files);
  assertNotCocaTensorNames(tensors.keys(), source);

  const usesOpenClipNames = tensors.has('visual.conv1.weight') || [...tensors.keys()].some((name) => name.startsWith('visual.'));
  if (usesOpenClipNames) {
    const configBytes = files.get('open_clip_config.json');
    if (!configBytes) {
      throw new Error(`${source}: tensors use open_clip names but open_clip_config.json is missing. Add it to the model folder.`);
    }
    const { config, preprocess } = parseOpenClipConfig(parseJsonFile(configBytes, 'open_clip_config.json'), 'open_clip_config.json');
    const weights = buildClipWeights(convertOpenClipTensors(tensors, source), config, source);
    return new ClipModel(config, weights, preprocess);
  }

  const configBytes = files.get('config.json');
  if (!configBytes) throw new Error(`${source}: config.json is missing. Add the model's config.json to the folder.`);
  const config = parseClipConfig(parseJsonFile(configBytes, 'config.json'), 'config.json');

  const preprocessBytes = files.get('preprocessor_config.json');
  const preprocess = preprocessBytes
    ? parsePreprocessConfig(parseJsonFile(preprocessBytes, 'preprocessor_config.json'))
    : defaultPreprocessConfig(config.vision.imageSize);

  return new ClipModel(config, buildClipWeights(tensors, config, source), preprocess);
}

function readCheckpoint(files: ReadonlyMap<string, Uint8Array>): { tensors: CheckpointTensors; source: string } {
  const index = files.get('model.safetensors.index.json');
  if (index) return { tensors: readShardedSafetensors(index, files), source: 'model.safetensors.index.json' };

  for (const name of ['model.safetensors', 'open_clip_model.safetensors']) {
    const bytes = files.get(name);
    if (bytes) return { tensors: readSafetensors(bytes, name), source: name };
  }
  for (const name of ['pytorch_model.bin', 'open_clip_pytorch_model.bin']) {
    const bytes = files.get(name);
    if (bytes) return { tensors: readTorchCheckpoint(bytes, name), source: name };
  }

  throw new Error(`No CLIP weights found among [${[...files.keys()].join(', ')}]. Expected model.safetensors, model.safetensors.index.json, pytorch_model.bin or open_clip_pytorch_model.bin.`);
}

function parseJsonFile(bytes: Uint8Array, fileName: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`${fileName}: invalid JSON (${(error as Error).message}).`);
  }
}
