import { type ClipConfig, parseClipConfig } from '../../src/core/clip/clip-config';
import { CLIP_IMAGE_MEAN, CLIP_IMAGE_STD } from '../../src/core/clip/preprocess-config';

/** BPE vocabulary size: 512 byte symbols, 3,582 merges and the two special tokens. */
export const VOCAB_SIZE = 4096;

/**
 * Tiles are resized from 224 px to 64 px and cut into 4 x 4 patches of 16 px, so the vision tower runs
 * on 17 tokens per tile and costs less than the text tower per training step.
 */
export const IMAGE_SIZE = 64;

/** Seed and pool size of the held-out type-match measurement, shared by the training script and its test. */
export const EVALUATION_SEED = 'demo-clip-eval-v1';
export const EVALUATION_PASSAGES_PER_CLASS = 60;

/** Returns the Hugging Face CLIPModel config.json of the demo CLIP. */
export function demoClipConfigJson(): Record<string, unknown> {
  return {
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: 64,
    logit_scale_init_value: 2.6592,
    torch_dtype: 'float32',
    text_config: {
      model_type: 'clip_text_model',
      hidden_size: 64,
      intermediate_size: 256,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      max_position_embeddings: 77,
      vocab_size: VOCAB_SIZE,
      hidden_act: 'quick_gelu',
      layer_norm_eps: 1e-5,
      bos_token_id: VOCAB_SIZE - 2,
      eos_token_id: VOCAB_SIZE - 1,
      pad_token_id: VOCAB_SIZE - 1,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      hidden_size: 64,
      intermediate_size: 256,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      image_size: IMAGE_SIZE,
      patch_size: 16,
      num_channels: 3,
      hidden_act: 'quick_gelu',
      layer_norm_eps: 1e-5,
    },
  };
}

export const DEMO_CLIP_CONFIG: ClipConfig = parseClipConfig(demoClipConfigJson(), 'demo CLIP config');

/** CLIPImageProcessor settings: bicubic resize of the shorter side to 64 px, centre crop 64, CLIP mean and std. */
export function demoPreprocessorConfig(): Record<string, unknown> {
  return {
    image_processor_type: 'CLIPImageProcessor',
    do_resize: true,
    size: { shortest_edge: IMAGE_SIZE },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: IMAGE_SIZE, width: IMAGE_SIZE },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    do_convert_rgb: true,
    image_mean: CLIP_IMAGE_MEAN,
    image_std: CLIP_IMAGE_STD,
  };
}

export function demoTokenizerConfig(): Record<string, unknown> {
  return {
    tokenizer_class: 'CLIPTokenizer',
    model_max_length: 77,
    do_lower_case: true,
    bos_token: '<|startoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    errors: 'replace',
  };
}
