import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { type Float32TensorData, writeSafetensors } from '../../../src/core/clipit/safetensors-writer';
import { SeededRng } from '../../../src/core/rng';

/**
 * Tiny random ViTs written in the transformers ViTModel layout and the timm layout, for the
 * ViT reader tests. `writeSharedWeightFolders` writes the same weights in both layouts.
 */

export const TINY = { hidden: 32, heads: 4, layers: 2, intermediate: 64, patch: 8, imageSize: 32, channels: 3 };
export const MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const STD: [number, number, number] = [0.229, 0.224, 0.225];

type Tensors = Map<string, Float32TensorData>;

function random(rng: SeededRng, shape: number[], std = 0.2): Float32TensorData {
  const count = shape.reduce((a, b) => a * b, 1);
  return { shape, values: rng.normalArray(count, std) };
}

/** Norm weights near 1, so the LayerNorms are not identity but stay well scaled. */
function normWeight(rng: SeededRng, size: number): Float32TensorData {
  return { shape: [size], values: Float32Array.from(rng.normalArray(size, 0.1), (v) => 1 + v) };
}

/** Block weights in timm names (fused qkv), from which the transformers names are derived. */
function timmBlocks(rng: SeededRng, layers: number, options: { layerScale: boolean }): Tensors {
  const { hidden, intermediate } = TINY;
  const tensors: Tensors = new Map();
  for (let layer = 0; layer < layers; layer++) {
    const b = `blocks.${layer}`;
    tensors.set(`${b}.norm1.weight`, normWeight(rng, hidden));
    tensors.set(`${b}.norm1.bias`, random(rng, [hidden], 0.1));
    tensors.set(`${b}.attn.qkv.weight`, random(rng, [3 * hidden, hidden]));
    tensors.set(`${b}.attn.qkv.bias`, random(rng, [3 * hidden], 0.1));
    tensors.set(`${b}.attn.proj.weight`, random(rng, [hidden, hidden]));
    tensors.set(`${b}.attn.proj.bias`, random(rng, [hidden], 0.1));
    tensors.set(`${b}.norm2.weight`, normWeight(rng, hidden));
    tensors.set(`${b}.norm2.bias`, random(rng, [hidden], 0.1));
    tensors.set(`${b}.mlp.fc1.weight`, random(rng, [intermediate, hidden]));
    tensors.set(`${b}.mlp.fc1.bias`, random(rng, [intermediate], 0.1));
    tensors.set(`${b}.mlp.fc2.weight`, random(rng, [hidden, intermediate]));
    tensors.set(`${b}.mlp.fc2.bias`, random(rng, [hidden], 0.1));
    if (options.layerScale) {
      tensors.set(`${b}.ls1.gamma`, random(rng, [hidden], 0.5));
      tensors.set(`${b}.ls2.gamma`, random(rng, [hidden], 0.5));
    }
  }
  return tensors;
}

/** Weights of a plain ViT (class token, position embeddings for class + patches, final norm) in timm names. */
export function plainTimmTensors(seed: number): Tensors {
  const rng = new SeededRng(seed);
  const { hidden, patch, imageSize, channels } = TINY;
  const grid = imageSize / patch;
  const tensors: Tensors = new Map();
  tensors.set('cls_token', random(rng, [1, 1, hidden], 0.5));
  tensors.set('pos_embed', random(rng, [1, grid * grid + 1, hidden], 0.5));
  tensors.set('patch_embed.proj.weight', random(rng, [hidden, channels, patch, patch], 0.1));
  tensors.set('patch_embed.proj.bias', random(rng, [hidden], 0.1));
  for (const [name, tensor] of timmBlocks(rng, TINY.layers, { layerScale: false })) tensors.set(name, tensor);
  tensors.set('norm.weight', normWeight(rng, hidden));
  tensors.set('norm.bias', random(rng, [hidden], 0.1));
  return tensors;
}

/** Renames timm weights to transformers ViTModel names, splitting q, k and v out of the fused qkv. */
export function toHfTensors(timm: Tensors, prefix = ''): Tensors {
  const hidden = TINY.hidden;
  const hf: Tensors = new Map();
  const put = (name: string, tensor: Float32TensorData) => hf.set(`${prefix}${name}`, tensor);
  const rows = (tensor: Float32TensorData, part: number): Float32TensorData => {
    const width = tensor.shape.length === 2 ? tensor.shape[1] : 1;
    const values = tensor.values.slice(part * hidden * width, (part + 1) * hidden * width);
    return { shape: tensor.shape.length === 2 ? [hidden, width] : [hidden], values };
  };

  put('embeddings.cls_token', timm.get('cls_token')!);
  put('embeddings.position_embeddings', timm.get('pos_embed')!);
  put('embeddings.patch_embeddings.projection.weight', timm.get('patch_embed.proj.weight')!);
  put('embeddings.patch_embeddings.projection.bias', timm.get('patch_embed.proj.bias')!);
  for (let layer = 0; layer < TINY.layers; layer++) {
    const b = `blocks.${layer}`;
    const e = `encoder.layer.${layer}`;
    put(`${e}.layernorm_before.weight`, timm.get(`${b}.norm1.weight`)!);
    put(`${e}.layernorm_before.bias`, timm.get(`${b}.norm1.bias`)!);
    ['query', 'key', 'value'].forEach((projection, part) => {
      put(`${e}.attention.attention.${projection}.weight`, rows(timm.get(`${b}.attn.qkv.weight`)!, part));
      put(`${e}.attention.attention.${projection}.bias`, rows(timm.get(`${b}.attn.qkv.bias`)!, part));
    });
    put(`${e}.attention.output.dense.weight`, timm.get(`${b}.attn.proj.weight`)!);
    put(`${e}.attention.output.dense.bias`, timm.get(`${b}.attn.proj.bias`)!);
    put(`${e}.layernorm_after.weight`, timm.get(`${b}.norm2.weight`)!);
    put(`${e}.layernorm_after.bias`, timm.get(`${b}.norm2.bias`)!);
    put(`${e}.intermediate.dense.weight`, timm.get(`${b}.mlp.fc1.weight`)!);
    put(`${e}.intermediate.dense.bias`, timm.get(`${b}.mlp.fc1.bias`)!);
    put(`${e}.output.dense.weight`, timm.get(`${b}.mlp.fc2.weight`)!);
    put(`${e}.output.dense.bias`, timm.get(`${b}.mlp.fc2.bias`)!);
  }
  put('layernorm.weight', timm.get('norm.weight')!);
  put('layernorm.bias', timm.get('norm.bias')!);
  return hf;
}

/** Weights of a timm ViT with 2 register tokens, patch-only position embeddings, layer scale and mean pooling with fc_norm. */
export function registerTimmTensors(seed: number): Tensors {
  const rng = new SeededRng(seed);
  const { hidden, patch, imageSize, channels } = TINY;
  const grid = imageSize / patch;
  const tensors: Tensors = new Map();
  tensors.set('cls_token', random(rng, [1, 1, hidden], 0.5));
  tensors.set('reg_token', random(rng, [1, 2, hidden], 0.5));
  tensors.set('pos_embed', random(rng, [1, grid * grid, hidden], 0.5));
  tensors.set('patch_embed.proj.weight', random(rng, [hidden, channels, patch, patch], 0.1));
  tensors.set('patch_embed.proj.bias', random(rng, [hidden], 0.1));
  for (const [name, tensor] of timmBlocks(rng, TINY.layers, { layerScale: true })) tensors.set(name, tensor);
  tensors.set('fc_norm.weight', normWeight(rng, hidden));
  tensors.set('fc_norm.bias', random(rng, [hidden], 0.1));
  return tensors;
}

export function hfConfigJson(): object {
  return {
    model_type: 'vit',
    architectures: ['ViTModel'],
    hidden_size: TINY.hidden,
    num_hidden_layers: TINY.layers,
    num_attention_heads: TINY.heads,
    intermediate_size: TINY.intermediate,
    hidden_act: 'gelu',
    // timm's eps, so that both layouts of the same weights compute the same function.
    layer_norm_eps: 1e-6,
    image_size: TINY.imageSize,
    patch_size: TINY.patch,
    num_channels: TINY.channels,
    qkv_bias: true,
  };
}

export function hfPreprocessorJson(): object {
  return { image_processor_type: 'ViTImageProcessor', do_resize: true, size: { height: TINY.imageSize, width: TINY.imageSize }, image_mean: MEAN, image_std: STD, resample: 3 };
}

export function timmConfigJson(globalPool: 'token' | 'avg', extraArgs: object = {}): object {
  return {
    architecture: 'vit_tiny_patch8_32',
    num_classes: 0,
    num_features: TINY.hidden,
    global_pool: globalPool,
    model_args: { num_heads: TINY.heads, ...extraArgs },
    pretrained_cfg: { input_size: [3, TINY.imageSize, TINY.imageSize], mean: MEAN, std: STD, interpolation: 'bicubic' },
  };
}

/** Writes a model folder: config.json, model.safetensors and optional preprocessor_config.json. */
export function writeModelFolder(dir: string, tensors: Tensors, config: object, preprocessor?: object): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(tensors));
  if (preprocessor) writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify(preprocessor));
  return dir;
}
