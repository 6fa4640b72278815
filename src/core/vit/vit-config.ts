import type { HiddenAct } from '../clip/clip-config';

/** Checkpoint layout a ViT was read from: Hugging Face `ViTModel` names or timm `VisionTransformer` names. */
export type VitLayout = 'hf-vit' | 'timm';

/**
 * Pooling of the last hidden state into one feature vector: `cls` takes the class token
 * (Phikon, timm `global_pool: 'token'`), `mean` averages the patch tokens without the class
 * and register tokens (timm `global_pool: 'avg'`).
 */
export type VitPooling = 'cls' | 'mean';

/**
 * Architecture of a pre-LayerNorm vision transformer, the same for both layouts once the
 * tensors carry this project's names (see vit-weights.ts).
 */
export interface VitConfig {
  layout: VitLayout;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  patchSize: number;
  numChannels: number;
  /** Side of the square image the position embeddings were trained for, in pixels. */
  imageSize: number;
  hiddenAct: HiddenAct;
  layerNormEps: number;
  /** Biases on the query, key and value projections. */
  qkvBias: boolean;
  classToken: boolean;
  /** Extra learned prefix tokens after the class token (timm `reg_token`, DINOv2-style registers). */
  registerTokens: number;
  /** True when the position embeddings cover only the patches (timm `no_embed_class`). */
  positionEmbeddingPatchesOnly: boolean;
  /** Per-channel scales on both residual branches (timm `ls1.gamma`, `ls2.gamma`). */
  layerScale: boolean;
  /** LayerNorm on the pooled vector (timm `fc_norm`), in place of the final `norm`. */
  poolNorm: boolean;
  /** LayerNorm on the whole last hidden state before pooling. */
  finalNorm: boolean;
  pooling: VitPooling;
  /** Normalisation of RGB values in [0, 1]: (x - mean) / std per channel. */
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

/** Number of tokens before the patch tokens. */
export function prefixTokenCount(config: VitConfig): number {
  return (config.classToken ? 1 : 0) + config.registerTokens;
}

/** Checks the sizes that the forward pass divides by; throws naming the config source. */
export function validateVitConfig(config: VitConfig, source: string): void {
  const positive: (keyof VitConfig)[] = ['hiddenSize', 'numHiddenLayers', 'numAttentionHeads', 'intermediateSize', 'patchSize', 'numChannels', 'imageSize'];
  for (const key of positive) {
    const value = config[key] as number;
    if (!Number.isInteger(value) || value < 1) throw new Error(`${source}: ${key} is ${value}; expected a positive integer.`);
  }
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new Error(`${source}: hidden size ${config.hiddenSize} is not divisible by ${config.numAttentionHeads} attention heads.`);
  }
  if (config.imageSize % config.patchSize !== 0) {
    throw new Error(`${source}: image size ${config.imageSize} is not a multiple of the patch size ${config.patchSize}.`);
  }
  if (config.numChannels !== 3) throw new Error(`${source}: ${config.numChannels} input channels; only RGB (3 channels) ViTs are supported.`);
  if (config.pooling === 'cls' && !config.classToken) {
    throw new Error(`${source}: class-token pooling needs a class token, but the model has none. Set global_pool to "avg".`);
  }
}
