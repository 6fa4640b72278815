import type { ClipConfig } from '../clip/clip-config';

/** Hugging Face name of the text tower's token embedding table (without `.weight`). */
export const TOKEN_EMBEDDING = 'text_model.embeddings.token_embedding';

/** Hugging Face name of the patch embedding, run by the vision tower as a linear layer over flattened patches. */
export const PATCH_EMBEDDING = 'vision_model.embeddings.patch_embedding';

export type ClipTower = 'vision' | 'text';

/**
 * Names of every linear layer a CLIP tower runs through its LinearHook: the attention and MLP
 * projections of each encoder layer and the output projection, plus the patch embedding for
 * the vision tower. The token embedding is a table lookup, not a linear layer, so it is not listed.
 */
export function listClipLinearLayers(config: ClipConfig, tower: ClipTower): string[] {
  const prefix = tower === 'vision' ? 'vision_model' : 'text_model';
  const layers = tower === 'vision' ? config.vision.numHiddenLayers : config.text.numHiddenLayers;
  const names: string[] = tower === 'vision' ? [PATCH_EMBEDDING] : [];

  for (let layer = 0; layer < layers; layer++) {
    const base = `${prefix}.encoder.layers.${layer}`;
    for (const projection of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) names.push(`${base}.self_attn.${projection}`);
    names.push(`${base}.mlp.fc1`, `${base}.mlp.fc2`);
  }

  names.push(tower === 'vision' ? 'visual_projection' : 'text_projection');
  return names;
}

/** True when the CLIP linear layer `name` has a bias (the projections and the patch embedding have none). */
export function clipLayerHasBias(name: string): boolean {
  return !(name === 'visual_projection' || name === 'text_projection' || name === PATCH_EMBEDDING);
}
