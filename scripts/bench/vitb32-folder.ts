/**
 * Writes a CLIP folder with OpenAI ViT-B/32 shapes and random weights. Random weights cost
 * exactly what real ones do, and real ones cannot be downloaded on the benchmark machines.
 * The vocabulary comes from the shared tiny-clip fixture, which contains the real CLIP BPE files.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { parseClipConfig } from '../../src/core/clip/clip-config';
import { SeededRng } from '../../src/core/rng';
import { initialClipWeights } from '../demo-clip/init-weights';
import { writeSafetensors } from '../demo-clip/safetensors-writer';

export const VITB32_CONFIG = {
  architectures: ['CLIPModel'],
  model_type: 'clip',
  projection_dim: 512,
  logit_scale_init_value: 2.6592,
  text_config: { hidden_size: 512, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 8, max_position_embeddings: 77, vocab_size: 49408, hidden_act: 'quick_gelu', eos_token_id: 2, projection_dim: 512 },
  vision_config: { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 224, patch_size: 32, num_channels: 3, hidden_act: 'quick_gelu', projection_dim: 512 },
};

/** CLIPImageProcessor settings of openai/clip-vit-base-patch32. */
const PREPROCESSOR_CONFIG = {
  do_resize: true,
  size: { shortest_edge: 224 },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: 224, width: 224 },
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
};

/** Writes the folder (about 600 MB of float32 weights) into `dir` and returns `dir`. */
export function writeVitB32Folder(dir: string, tinyClipDir: string): string {
  mkdirSync(dir, { recursive: true });
  const config = parseClipConfig(VITB32_CONFIG, 'config.json');
  const weights = initialClipWeights(config, new SeededRng('vitb32'));
  writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(weights));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(VITB32_CONFIG));
  writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify(PREPROCESSOR_CONFIG));
  for (const name of ['vocab.json', 'merges.txt', 'tokenizer_config.json']) copyFileSync(path.join(tinyClipDir, name), path.join(dir, name));
  return dir;
}
