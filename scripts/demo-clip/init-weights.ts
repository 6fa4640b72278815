import { expectedClipShapes } from '../../src/core/clip/clip-weights';
import { type ClipConfig } from '../../src/core/clip/clip-config';
import { LOGIT_SCALE_INIT } from '../../src/core/contrastive/infonce-loss';
import { type SeededRng } from '../../src/core/rng';
import { type NamedTensor } from './safetensors-writer';

/**
 * Random initial weights for a CLIPModel with `config`, close to transformers' CLIPPreTrainedModel
 * init: normal(0, 0.02) for linear layers and token embeddings, normal(0, hidden^-0.5) for the class
 * embedding and both projections, zero biases, unit LayerNorm gains, logit_scale = log(1 / 0.07).
 */
export function initialClipWeights(config: ClipConfig, rng: SeededRng): Map<string, NamedTensor> {
  const weights = new Map<string, NamedTensor>();
  for (const [name, shape] of expectedClipShapes(config)) {
    const size = shape.reduce((product, length) => product * length, 1);
    weights.set(name, { shape, values: initialValues(name, size, config, rng) });
  }
  return weights;
}

function initialValues(name: string, size: number, config: ClipConfig, rng: SeededRng): Float32Array {
  if (name === 'logit_scale') return Float32Array.of(LOGIT_SCALE_INIT);
  if (name.endsWith('.bias')) return new Float32Array(size);
  if (/layer_norm|layrnorm|layernorm/.test(name)) return new Float32Array(size).fill(1);
  if (name === 'vision_model.embeddings.class_embedding') return rng.normalArray(size, config.vision.hiddenSize ** -0.5);
  if (name === 'visual_projection.weight') return rng.normalArray(size, config.vision.hiddenSize ** -0.5);
  if (name === 'text_projection.weight') return rng.normalArray(size, config.text.hiddenSize ** -0.5);
  if (name.endsWith('position_embedding.weight')) return rng.normalArray(size, 0.01);
  return rng.normalArray(size, 0.02);
}
