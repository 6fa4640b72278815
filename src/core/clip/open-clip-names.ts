import { type CheckpointTensor, type CheckpointTensors } from './checkpoint-tensor';
import { type ClipConfig, validateClipConfig } from './clip-config';
import { assertNotCocaConfig, assertNotCocaTensorNames } from './coca-detection';
import { type ClipPreprocessConfig, defaultPreprocessConfig } from './preprocess-config';

/**
 * Conversion of open_clip checkpoints (`open_clip_pytorch_model.bin` + `open_clip_config.json`)
 * to Hugging Face CLIPModel names and layouts. open_clip stacks q, k, v in `attn.in_proj_*` (in that
 * order, as torch.nn.MultiheadAttention does) and stores `visual.proj` and `text_projection` as
 * [width, embed_dim], the transpose of the HF projection weights.
 */

/** Parses `open_clip_config.json`, whose model settings sit under `model_cfg` (or at the top level). */
export function parseOpenClipConfig(json: unknown, source = 'open_clip_config.json'): { config: ClipConfig; preprocess: ClipPreprocessConfig } {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: expected a JSON object.`);
  assertNotCocaConfig(json, source);

  const root = json as Record<string, unknown>;
  const model = (root.model_cfg ?? root) as Record<string, unknown>;
  const visionCfg = (model.vision_cfg ?? {}) as Record<string, unknown>;
  const textCfg = (model.text_cfg ?? {}) as Record<string, unknown>;

  if (visionCfg.timm_model_name) {
    throw new Error(`${source}: vision tower "${String(visionCfg.timm_model_name)}" is a timm model, which is not supported. Only ViT towers built by open_clip itself can be loaded.`);
  }
  if (textCfg.hf_model_name) {
    throw new Error(`${source}: text tower "${String(textCfg.hf_model_name)}" is a Hugging Face transformer, which is not supported. Only the open_clip text transformer can be loaded.`);
  }

  const imageSizeRaw = visionCfg.image_size ?? 224;
  const imageSize = Array.isArray(imageSizeRaw) ? Number(imageSizeRaw[0]) : Number(imageSizeRaw);
  const visionWidth = Number(visionCfg.width ?? 768);
  const textWidth = Number(textCfg.width ?? 512);
  const hiddenAct = model.quick_gelu ? 'quick_gelu' : 'gelu';

  const config: ClipConfig = {
    projectionDim: Number(model.embed_dim ?? 512),
    logitScaleInitValue: Math.log(1 / 0.07),
    vision: {
      hiddenSize: visionWidth,
      intermediateSize: Math.round(visionWidth * Number(visionCfg.mlp_ratio ?? 4)),
      numHiddenLayers: Number(visionCfg.layers ?? 12),
      numAttentionHeads: visionWidth / Number(visionCfg.head_width ?? 64),
      imageSize,
      patchSize: Number(visionCfg.patch_size ?? 16),
      numChannels: 3,
      hiddenAct,
      layerNormEps: 1e-5,
    },
    text: {
      hiddenSize: textWidth,
      intermediateSize: Math.round(textWidth * Number(textCfg.mlp_ratio ?? 4)),
      numHiddenLayers: Number(textCfg.layers ?? 12),
      numAttentionHeads: Number(textCfg.heads ?? 8),
      maxPositionEmbeddings: Number(textCfg.context_length ?? 77),
      vocabSize: Number(textCfg.vocab_size ?? 49408),
      hiddenAct,
      layerNormEps: 1e-5,
      // open_clip pools at argmax(ids), which is what the legacy eos_token_id 2 selects.
      eosTokenId: 2,
      bosTokenId: 49406,
      padTokenId: 0,
    },
  };
  validateClipConfig(config, source);

  const preprocessRaw = (root.preprocess_cfg ?? {}) as { mean?: [number, number, number]; std?: [number, number, number] };
  const preprocess = defaultPreprocessConfig(imageSize, preprocessRaw.mean, preprocessRaw.std);
  return { config, preprocess };
}

/** Renames open_clip tensors to HF CLIPModel names, splitting fused q/k/v and transposing projections. */
export function convertOpenClipTensors(tensors: CheckpointTensors, source: string): CheckpointTensors {
  assertNotCocaTensorNames(tensors.keys(), source);
  const converted: CheckpointTensors = new Map();

  for (const [name, tensor] of tensors) {
    // attn_mask is a non-learned causal-mask buffer that older open_clip versions saved.
    if (name === 'attn_mask') continue;

    const fused = /^(visual\.)?transformer\.resblocks\.(\d+)\.attn\.in_proj_(weight|bias)$/.exec(name);
    if (fused) {
      const prefix = `${fused[1] ? 'vision_model' : 'text_model'}.encoder.layers.${fused[2]}.self_attn`;
      const parts = splitRows(tensor, 3, name, source);
      ['q_proj', 'k_proj', 'v_proj'].forEach((projection, index) => {
        converted.set(`${prefix}.${projection}.${fused[3]}`, parts[index]);
      });
      continue;
    }

    if (name === 'visual.proj') {
      converted.set('visual_projection.weight', transpose2d(tensor, name, source));
      continue;
    }
    if (name === 'text_projection') {
      converted.set('text_projection.weight', transpose2d(tensor, name, source));
      continue;
    }

    const renamed = renameOpenClipTensor(name);
    if (renamed === null) {
      throw new Error(`${source}: tensor "${name}" has no Hugging Face CLIP equivalent, so this open_clip architecture is not supported.`);
    }
    converted.set(renamed, tensor);
  }
  return converted;
}

const DIRECT_NAMES: Record<string, string> = {
  'visual.conv1.weight': 'vision_model.embeddings.patch_embedding.weight',
  'visual.class_embedding': 'vision_model.embeddings.class_embedding',
  'visual.positional_embedding': 'vision_model.embeddings.position_embedding.weight',
  'visual.ln_pre.weight': 'vision_model.pre_layrnorm.weight',
  'visual.ln_pre.bias': 'vision_model.pre_layrnorm.bias',
  'visual.ln_post.weight': 'vision_model.post_layernorm.weight',
  'visual.ln_post.bias': 'vision_model.post_layernorm.bias',
  'token_embedding.weight': 'text_model.embeddings.token_embedding.weight',
  positional_embedding: 'text_model.embeddings.position_embedding.weight',
  'ln_final.weight': 'text_model.final_layer_norm.weight',
  'ln_final.bias': 'text_model.final_layer_norm.bias',
  logit_scale: 'logit_scale',
};

const BLOCK_PARTS: Record<string, string> = {
  'attn.out_proj': 'self_attn.out_proj',
  ln_1: 'layer_norm1',
  ln_2: 'layer_norm2',
  'mlp.c_fc': 'mlp.fc1',
  'mlp.c_proj': 'mlp.fc2',
};

function renameOpenClipTensor(name: string): string | null {
  if (name in DIRECT_NAMES) return DIRECT_NAMES[name];

  const block = /^(visual\.)?transformer\.resblocks\.(\d+)\.(attn\.out_proj|ln_1|ln_2|mlp\.c_fc|mlp\.c_proj)\.(weight|bias)$/.exec(name);
  if (!block) return null;
  const tower = block[1] ? 'vision_model' : 'text_model';
  return `${tower}.encoder.layers.${block[2]}.${BLOCK_PARTS[block[3]]}.${block[4]}`;
}

function splitRows(tensor: CheckpointTensor, parts: number, name: string, source: string): CheckpointTensor[] {
  const rows = tensor.shape[0];
  if (tensor.shape.length === 0 || rows % parts !== 0) {
    throw new Error(`${source}: tensor "${name}" with shape [${tensor.shape.join(', ')}] cannot be split into ${parts} equal q/k/v parts along its first axis.`);
  }

  const partLength = tensor.values.length / parts;
  const shape = [rows / parts, ...tensor.shape.slice(1)];
  return Array.from({ length: parts }, (_, index) => ({
    dtype: tensor.dtype,
    shape,
    values: tensor.values.slice(index * partLength, (index + 1) * partLength),
  }));
}

function transpose2d(tensor: CheckpointTensor, name: string, source: string): CheckpointTensor {
  if (tensor.shape.length !== 2) {
    throw new Error(`${source}: tensor "${name}" should be 2-D but has shape [${tensor.shape.join(', ')}].`);
  }

  const [rows, columns] = tensor.shape;
  const values = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) values[column * rows + row] = tensor.values[row * columns + column];
  }
  return { dtype: tensor.dtype, shape: [columns, rows], values };
}
