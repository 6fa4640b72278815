/**
 * CLIP model configuration, read from a Hugging Face `config.json`. Defaults are those of
 * transformers' CLIPTextConfig, CLIPVisionConfig and CLIPConfig, so a config that omits a field
 * behaves as it does in transformers.
 */

import { assertNotCocaConfig } from './coca-detection';
import { asObject, readNumber } from './config-fields';

export type HiddenAct = 'quick_gelu' | 'gelu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'relu';

export interface ClipTextConfig {
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  maxPositionEmbeddings: number;
  vocabSize: number;
  hiddenAct: HiddenAct;
  layerNormEps: number;
  /** 2 is the legacy value: pool at the position of the highest token id instead of the first eos. */
  eosTokenId: number;
  bosTokenId: number;
  padTokenId: number;
}

export interface ClipVisionConfig {
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  imageSize: number;
  patchSize: number;
  numChannels: number;
  hiddenAct: HiddenAct;
  layerNormEps: number;
}

export interface ClipConfig {
  projectionDim: number;
  logitScaleInitValue: number;
  text: ClipTextConfig;
  vision: ClipVisionConfig;
}

const SUPPORTED_ACTS: HiddenAct[] = ['quick_gelu', 'gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'];

/** Parses a Hugging Face CLIPModel `config.json`, including the legacy `text_config_dict` / `vision_config_dict` keys. */
export function parseClipConfig(json: unknown, source = 'config.json'): ClipConfig {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: expected a JSON object.`);
  assertNotCocaConfig(json, source);

  const root = json as Record<string, unknown>;
  // Configs without model_type still load (open_clip folders and hand-written configs omit it).
  if (typeof root.model_type === 'string' && root.model_type !== 'clip') {
    throw new Error(
      `${source}: model_type "${root.model_type}" is not a CLIP model. Choose a folder with a Hugging Face CLIPModel checkpoint (model_type "clip"), such as PLIP or QuiltNet.`,
    );
  }

  const textRaw = { ...asObject(root.text_config), ...asObject(root.text_config_dict) };
  const visionRaw = { ...asObject(root.vision_config), ...asObject(root.vision_config_dict) };
  const projectionDim = readNumber(root, 'projection_dim', 512, source);

  const text: ClipTextConfig = {
    hiddenSize: readNumber(textRaw, 'hidden_size', 512, source),
    intermediateSize: readNumber(textRaw, 'intermediate_size', 2048, source),
    numHiddenLayers: readNumber(textRaw, 'num_hidden_layers', 12, source),
    numAttentionHeads: readNumber(textRaw, 'num_attention_heads', 8, source),
    maxPositionEmbeddings: readNumber(textRaw, 'max_position_embeddings', 77, source),
    vocabSize: readNumber(textRaw, 'vocab_size', 49408, source),
    hiddenAct: readAct(textRaw, source),
    layerNormEps: readNumber(textRaw, 'layer_norm_eps', 1e-5, source),
    eosTokenId: readNumber(textRaw, 'eos_token_id', 49407, source),
    bosTokenId: readNumber(textRaw, 'bos_token_id', 49406, source),
    padTokenId: readNumber(textRaw, 'pad_token_id', 1, source),
  };

  const vision: ClipVisionConfig = {
    hiddenSize: readNumber(visionRaw, 'hidden_size', 768, source),
    intermediateSize: readNumber(visionRaw, 'intermediate_size', 3072, source),
    numHiddenLayers: readNumber(visionRaw, 'num_hidden_layers', 12, source),
    numAttentionHeads: readNumber(visionRaw, 'num_attention_heads', 12, source),
    imageSize: readNumber(visionRaw, 'image_size', 224, source),
    patchSize: readNumber(visionRaw, 'patch_size', 32, source),
    numChannels: readNumber(visionRaw, 'num_channels', 3, source),
    hiddenAct: readAct(visionRaw, source),
    layerNormEps: readNumber(visionRaw, 'layer_norm_eps', 1e-5, source),
  };

  const config: ClipConfig = {
    projectionDim,
    logitScaleInitValue: readNumber(root, 'logit_scale_init_value', 2.6592, source),
    text,
    vision,
  };
  validateClipConfig(config, source);
  return config;
}

/** Checks the divisibility rules the towers rely on. */
export function validateClipConfig(config: ClipConfig, source: string): void {
  const { text, vision } = config;
  if (text.hiddenSize % text.numAttentionHeads !== 0) {
    throw new Error(`${source}: text hidden_size ${text.hiddenSize} is not divisible by num_attention_heads ${text.numAttentionHeads}.`);
  }
  if (vision.hiddenSize % vision.numAttentionHeads !== 0) {
    throw new Error(`${source}: vision hidden_size ${vision.hiddenSize} is not divisible by num_attention_heads ${vision.numAttentionHeads}.`);
  }
  if (vision.imageSize % vision.patchSize !== 0) {
    throw new Error(`${source}: vision image_size ${vision.imageSize} is not divisible by patch_size ${vision.patchSize}.`);
  }
}

function readAct(object: Record<string, unknown>, source: string): HiddenAct {
  const value = object.hidden_act ?? 'quick_gelu';
  if (!SUPPORTED_ACTS.includes(value as HiddenAct)) {
    throw new Error(`${source}: hidden_act ${JSON.stringify(value)} is not supported. Supported: ${SUPPORTED_ACTS.join(', ')}.`);
  }
  return value as HiddenAct;
}
