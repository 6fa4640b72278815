import type { CheckpointTensor, CheckpointTensors } from '../clip/checkpoint-tensor';
import { asObject, readTriple } from '../clip/config-fields';
import { type VitConfig, type VitPooling, validateVitConfig } from './vit-config';
import { CheckpointTaker, expectedVitShapes } from './vit-weights';

/**
 * The timm `VisionTransformer` layout (timm/models/vision_transformer.py), as the kaiko.ai
 * pathology ViTs ship it on the Hugging Face hub: `patch_embed.proj`, `cls_token`, optional
 * `reg_token`, `pos_embed`, `blocks.N.{norm1, attn.qkv, attn.proj, ls1.gamma, norm2, mlp.fc1,
 * mlp.fc2, ls2.gamma}`, `norm` or `fc_norm`. The `config.json` beside it contains `architecture`,
 * `global_pool`, `model_args` and `pretrained_cfg` (`input_size`, `mean`, `std`).
 */

/** Attention heads of timm's named ViT sizes, used when `model_args.num_heads` is absent. */
const HEADS_BY_SIZE: Record<string, number> = { tiny: 3, small: 6, medium: 8, base: 12, large: 16, huge: 16, giant: 16, gigantic: 16 };

/** timm's VisionTransformer builds its LayerNorms with eps 1e-6. */
const TIMM_LAYER_NORM_EPS = 1e-6;

/** timm's default `pretrained_cfg` mean and std for ViTs (IMAGENET_INCEPTION_MEAN / STD). */
const TIMM_VIT_MEAN: [number, number, number] = [0.5, 0.5, 0.5];
const TIMM_VIT_STD: [number, number, number] = [0.5, 0.5, 0.5];

/**
 * Reads the architecture of a timm ViT from its `config.json` and the tensor shapes (embedding
 * width, patch size, depth, registers and layer scale are all visible in the weights).
 */
export function parseTimmVitConfig(json: unknown, tensors: CheckpointTensors, source: string, configSource = 'config.json'): VitConfig {
  const root = asObject(json);
  const modelArgs = asObject(root.model_args);
  const pretrained = asObject(root.pretrained_cfg);
  const architecture = typeof root.architecture === 'string' ? root.architecture : '';
  if (architecture && !architecture.startsWith('vit_')) {
    throw new Error(`${configSource}: architecture "${architecture}" is not a timm VisionTransformer (vit_*); only plain ViTs are supported.`);
  }

  const patchWeight = requireShape(tensors, 'patch_embed.proj.weight', 4, source);
  const [hiddenSize, numChannels, patchSize] = patchWeight;
  const fc1 = requireShape(tensors, 'blocks.0.mlp.fc1.weight', 2, source);
  const numHiddenLayers = countBlocks(tensors);
  const registerTokens = tensors.get('reg_token')?.shape[1] ?? 0;
  const classToken = tensors.has('cls_token');

  const numAttentionHeads = readHeads(modelArgs, architecture, configSource);
  const imageSize = readImageSize(pretrained, modelArgs, configSource);
  const grid = imageSize / patchSize;
  const positions = requireShape(tensors, 'pos_embed', 3, source)[1];
  const prefix = (classToken ? 1 : 0) + registerTokens;
  let positionEmbeddingPatchesOnly: boolean;
  if (positions === grid * grid) positionEmbeddingPatchesOnly = true;
  else if (positions === grid * grid + prefix) positionEmbeddingPatchesOnly = false;
  else {
    throw new Error(
      `${source}: tensor "pos_embed" has ${positions} positions, but a ${imageSize}px image in ${patchSize}px patches has ${grid * grid} patches (+${prefix} prefix tokens). ` +
        'Check pretrained_cfg.input_size in config.json.',
    );
  }

  const config: VitConfig = {
    layout: 'timm',
    hiddenSize,
    numHiddenLayers,
    numAttentionHeads,
    intermediateSize: fc1[0],
    patchSize,
    numChannels,
    imageSize,
    hiddenAct: readActivation(modelArgs, configSource),
    layerNormEps: TIMM_LAYER_NORM_EPS,
    qkvBias: tensors.has('blocks.0.attn.qkv.bias'),
    classToken,
    registerTokens,
    positionEmbeddingPatchesOnly,
    layerScale: tensors.has('blocks.0.ls1.gamma'),
    poolNorm: tensors.has('fc_norm.weight'),
    finalNorm: tensors.has('norm.weight'),
    pooling: readPooling(root, modelArgs, configSource),
    imageMean: readTriple(pretrained, 'mean', TIMM_VIT_MEAN, configSource),
    imageStd: readTriple(pretrained, 'std', TIMM_VIT_STD, configSource),
  };
  validateVitConfig(config, configSource);
  return config;
}

/** Renames timm tensors to this project's names, splitting the fused `attn.qkv` into q, k and v. */
export function convertTimmVitTensors(tensors: CheckpointTensors, config: VitConfig, source: string): Map<string, CheckpointTensor> {
  const taker = new CheckpointTaker(tensors, source);
  const shapes = expectedVitShapes(config);
  const named = new Map<string, CheckpointTensor>();
  const hidden = config.hiddenSize;

  const map = (ours: string, theirs: string) => named.set(ours, taker.take(theirs, shapes.get(ours)!));
  const mapPair = (ours: string, theirs: string) => {
    map(`${ours}.weight`, `${theirs}.weight`);
    map(`${ours}.bias`, `${theirs}.bias`);
  };

  mapPair('patch_embed', 'patch_embed.proj');
  if (config.classToken) map('cls_token', 'cls_token');
  if (config.registerTokens > 0) map('reg_token', 'reg_token');
  map('pos_embed', 'pos_embed');

  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const block = `blocks.${layer}`;
    mapPair(`${block}.norm1`, `${block}.norm1`);

    // qkv.weight [3 * hidden, hidden] stacks the query, key and value rows in that order.
    const qkv = taker.take(`${block}.attn.qkv.weight`, [3 * hidden, hidden]);
    const qkvBias = config.qkvBias ? taker.take(`${block}.attn.qkv.bias`, [3 * hidden]) : undefined;
    ['q', 'k', 'v'].forEach((projection, part) => {
      named.set(`${block}.attn.${projection}.weight`, sliceRows(qkv, part * hidden, hidden, hidden));
      if (qkvBias) named.set(`${block}.attn.${projection}.bias`, sliceRows(qkvBias, part * hidden, hidden, 1));
    });

    mapPair(`${block}.attn.proj`, `${block}.attn.proj`);
    mapPair(`${block}.norm2`, `${block}.norm2`);
    mapPair(`${block}.mlp.fc1`, `${block}.mlp.fc1`);
    mapPair(`${block}.mlp.fc2`, `${block}.mlp.fc2`);
    if (config.layerScale) {
      map(`${block}.ls1`, `${block}.ls1.gamma`);
      map(`${block}.ls2`, `${block}.ls2.gamma`);
    }
  }
  if (config.finalNorm) mapPair('norm', 'norm');
  if (config.poolNorm) mapPair('fc_norm', 'fc_norm');

  // A classifier head does not enter the features.
  for (const name of taker.unused()) if (name.startsWith('head.')) taker.skip(name);
  const unused = taker.unused();
  if (unused.length > 0) {
    throw new Error(
      `${source}: tensor "${unused[0]}" (and ${unused.length - 1} more) belongs to a layer this ViT reader does not run ` +
        '(supported: patch_embed, cls_token, reg_token, pos_embed, blocks with norm1/attn.qkv/attn.proj/ls1/norm2/mlp.fc1/mlp.fc2/ls2, norm, fc_norm).',
    );
  }
  return named;
}

function sliceRows(tensor: CheckpointTensor, firstRow: number, rows: number, rowLength: number): CheckpointTensor {
  const values = tensor.values.slice(firstRow * rowLength, (firstRow + rows) * rowLength);
  return { dtype: tensor.dtype, shape: rowLength === 1 ? [rows] : [rows, rowLength], values };
}

function requireShape(tensors: CheckpointTensors, name: string, rank: number, source: string): number[] {
  const tensor = tensors.get(name);
  if (!tensor) throw new Error(`${source}: tensor "${name}" is missing; a timm ViT checkpoint needs it.`);
  if (tensor.shape.length !== rank) throw new Error(`${source}: tensor "${name}" has shape [${tensor.shape.join(', ')}], expected ${rank} dimensions.`);
  return tensor.shape;
}

function countBlocks(tensors: CheckpointTensors): number {
  let count = 0;
  while (tensors.has(`blocks.${count}.norm1.weight`)) count++;
  return count;
}

function readHeads(modelArgs: Record<string, unknown>, architecture: string, source: string): number {
  if (typeof modelArgs.num_heads === 'number') return modelArgs.num_heads;
  const size = /^vit_([a-z]+)_/.exec(architecture)?.[1];
  const heads = size ? HEADS_BY_SIZE[size] : undefined;
  if (!heads) {
    throw new Error(`${source}: cannot tell the number of attention heads of architecture "${architecture}". Add "model_args": {"num_heads": N} to config.json.`);
  }
  return heads;
}

function readImageSize(pretrained: Record<string, unknown>, modelArgs: Record<string, unknown>, source: string): number {
  const inputSize = pretrained.input_size;
  if (Array.isArray(inputSize) && inputSize.length === 3) {
    const [, height, width] = inputSize as number[];
    if (height !== width) throw new Error(`${source}: pretrained_cfg.input_size [${inputSize.join(', ')}] is not square; only square inputs are supported.`);
    return height;
  }
  if (typeof modelArgs.img_size === 'number') return modelArgs.img_size;
  throw new Error(`${source}: the image size is missing. Add "pretrained_cfg": {"input_size": [3, H, W]} to config.json.`);
}

function readPooling(root: Record<string, unknown>, modelArgs: Record<string, unknown>, source: string): VitPooling {
  const pool = root.global_pool ?? modelArgs.global_pool ?? 'token';
  if (pool === 'token') return 'cls';
  if (pool === 'avg') return 'mean';
  throw new Error(`${source}: global_pool ${JSON.stringify(pool)} is not supported; use "token" (class token) or "avg" (mean of the patch tokens).`);
}

function readActivation(modelArgs: Record<string, unknown>, source: string): 'gelu' {
  const act = modelArgs.act_layer ?? 'gelu';
  if (act !== 'gelu') throw new Error(`${source}: model_args.act_layer ${JSON.stringify(act)} is not supported; timm ViTs with the default GELU are.`);
  return 'gelu';
}
