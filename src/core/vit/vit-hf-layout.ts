import type { HiddenAct } from '../clip/clip-config';
import type { CheckpointTensor, CheckpointTensors } from '../clip/checkpoint-tensor';
import { asObject, readNumber, readTriple } from '../clip/config-fields';
import { type VitConfig, validateVitConfig } from './vit-config';
import { CheckpointTaker, expectedVitShapes } from './vit-weights';

/**
 * The Hugging Face `ViTModel` layout (transformers' modeling_vit.py), as Phikon ships it:
 * `embeddings.{cls_token, position_embeddings, patch_embeddings.projection}`,
 * `encoder.layer.N.{layernorm_before, attention.attention.{query,key,value},
 * attention.output.dense, layernorm_after, intermediate.dense, output.dense}`, `layernorm`.
 * A `ViTForImageClassification` checkpoint has the same names under `vit.`.
 */

const HF_ACTS: HiddenAct[] = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu', 'quick_gelu'];

/** transformers' ViTImageProcessor defaults when preprocessor_config.json gives no mean or std. */
const VIT_PROCESSOR_MEAN: [number, number, number] = [0.5, 0.5, 0.5];
const VIT_PROCESSOR_STD: [number, number, number] = [0.5, 0.5, 0.5];

/** True when `config.json` describes a transformers model (it has `model_type`) rather than a timm one. */
export function isHfConfig(json: unknown): boolean {
  return typeof asObject(json).model_type === 'string';
}

/** Parses a transformers ViT `config.json` and the optional `preprocessor_config.json`. */
export function parseHfVitConfig(json: unknown, preprocessor: unknown | undefined, source = 'config.json'): VitConfig {
  const root = asObject(json);
  const modelType = root.model_type;
  if (modelType !== 'vit') {
    throw new Error(
      `${source}: model_type ${JSON.stringify(modelType)} is not supported. This reader runs transformers "vit" models (ViTModel, e.g. Phikon) and timm ViTs; ` +
        'DINOv2, DeiT and Swin checkpoints have other layers.',
    );
  }

  const hiddenAct = root.hidden_act ?? 'gelu';
  if (!HF_ACTS.includes(hiddenAct as HiddenAct)) throw new Error(`${source}: hidden_act ${JSON.stringify(hiddenAct)} is not supported. Supported: ${HF_ACTS.join(', ')}.`);

  const processor = asObject(preprocessor);
  const processorSource = 'preprocessor_config.json';

  const config: VitConfig = {
    layout: 'hf-vit',
    hiddenSize: readNumber(root, 'hidden_size', 768, source),
    numHiddenLayers: readNumber(root, 'num_hidden_layers', 12, source),
    numAttentionHeads: readNumber(root, 'num_attention_heads', 12, source),
    intermediateSize: readNumber(root, 'intermediate_size', 3072, source),
    patchSize: readNumber(root, 'patch_size', 16, source),
    numChannels: readNumber(root, 'num_channels', 3, source),
    imageSize: readNumber(root, 'image_size', 224, source),
    hiddenAct: hiddenAct as HiddenAct,
    layerNormEps: readNumber(root, 'layer_norm_eps', 1e-12, source),
    qkvBias: root.qkv_bias !== false,
    classToken: true,
    registerTokens: 0,
    positionEmbeddingPatchesOnly: false,
    layerScale: false,
    poolNorm: false,
    finalNorm: true,
    // Phikon and ViTModel users take the class token of last_hidden_state, not the tanh pooler.
    pooling: 'cls',
    imageMean: readTriple(processor, 'image_mean', VIT_PROCESSOR_MEAN, processorSource),
    imageStd: readTriple(processor, 'image_std', VIT_PROCESSOR_STD, processorSource),
  };

  validateVitConfig(config, source);
  return config;
}

/** Renames the tensors of a transformers ViT checkpoint to this project's names, checking every shape. */
export function convertHfVitTensors(tensors: CheckpointTensors, config: VitConfig, source: string): Map<string, CheckpointTensor> {
  const taker = new CheckpointTaker(tensors, source);
  const prefix = taker.has('vit.embeddings.cls_token') ? 'vit.' : '';
  const shapes = expectedVitShapes(config);
  const named = new Map<string, CheckpointTensor>();

  const map = (ours: string, theirs: string) => named.set(ours, taker.take(`${prefix}${theirs}`, shapes.get(ours)!));
  const mapLinear = (ours: string, theirs: string, bias = true) => {
    map(`${ours}.weight`, `${theirs}.weight`);
    if (bias) map(`${ours}.bias`, `${theirs}.bias`);
  };

  mapLinear('patch_embed', 'embeddings.patch_embeddings.projection');
  map('cls_token', 'embeddings.cls_token');
  map('pos_embed', 'embeddings.position_embeddings');

  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const ours = `blocks.${layer}`;
    const theirs = `encoder.layer.${layer}`;
    mapLinear(`${ours}.norm1`, `${theirs}.layernorm_before`);
    mapLinear(`${ours}.attn.q`, `${theirs}.attention.attention.query`, config.qkvBias);
    mapLinear(`${ours}.attn.k`, `${theirs}.attention.attention.key`, config.qkvBias);
    mapLinear(`${ours}.attn.v`, `${theirs}.attention.attention.value`, config.qkvBias);
    mapLinear(`${ours}.attn.proj`, `${theirs}.attention.output.dense`);
    mapLinear(`${ours}.norm2`, `${theirs}.layernorm_after`);
    mapLinear(`${ours}.mlp.fc1`, `${theirs}.intermediate.dense`);
    mapLinear(`${ours}.mlp.fc2`, `${theirs}.output.dense`);
  }
  mapLinear('norm', 'layernorm');

  // The tanh pooler, a classifier head and the masked-image-modelling token do not enter the features.
  for (const name of taker.unused()) {
    const bare = name.slice(name.startsWith('vit.') ? 4 : 0);
    if (bare.startsWith('pooler.') || bare.startsWith('classifier.') || bare === 'embeddings.mask_token' || bare.endsWith('position_ids')) taker.skip(name);
  }
  const unused = taker.unused();
  if (unused.length > 0) {
    throw new Error(`${source}: tensor "${unused[0]}" (and ${unused.length - 1} more) is not part of a transformers ViTModel; this layer type is not supported.`);
  }
  return named;
}
