import * as tf from '@tensorflow/tfjs';

import { type CheckpointTensors } from './checkpoint-tensor';
import { type ClipConfig } from './clip-config';

/** CLIP parameters as tfjs tensors (or variables), keyed by Hugging Face CLIPModel names. */
export class ClipWeights {
  private readonly tensors = new Map<string, tf.Tensor>();

  get(name: string): tf.Tensor {
    const tensor = this.tensors.get(name);
    if (!tensor) throw new Error(`CLIP weight "${name}" is not loaded.`);
    return tensor;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** Stores `tensor` under `name`, disposing the tensor it replaces (e.g. to swap in a tf.Variable). */
  set(name: string, tensor: tf.Tensor): void {
    const previous = this.tensors.get(name);
    if (previous && previous !== tensor) previous.dispose();
    this.tensors.set(name, tensor);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  dispose(): void {
    for (const tensor of this.tensors.values()) tensor.dispose();
    this.tensors.clear();
  }
}

/** Lists the shape of every tensor a CLIPModel with `config` needs, by Hugging Face name. */
export function expectedClipShapes(config: ClipConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const { text, vision, projectionDim } = config;

  const addEncoder = (prefix: string, hidden: number, intermediate: number, layers: number): void => {
    for (let layer = 0; layer < layers; layer++) {
      const name = `${prefix}.encoder.layers.${layer}`;
      for (const projection of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
        shapes.set(`${name}.self_attn.${projection}.weight`, [hidden, hidden]);
        shapes.set(`${name}.self_attn.${projection}.bias`, [hidden]);
      }
      for (const norm of ['layer_norm1', 'layer_norm2']) {
        shapes.set(`${name}.${norm}.weight`, [hidden]);
        shapes.set(`${name}.${norm}.bias`, [hidden]);
      }
      shapes.set(`${name}.mlp.fc1.weight`, [intermediate, hidden]);
      shapes.set(`${name}.mlp.fc1.bias`, [intermediate]);
      shapes.set(`${name}.mlp.fc2.weight`, [hidden, intermediate]);
      shapes.set(`${name}.mlp.fc2.bias`, [hidden]);
    }
  };

  shapes.set('text_model.embeddings.token_embedding.weight', [text.vocabSize, text.hiddenSize]);
  shapes.set('text_model.embeddings.position_embedding.weight', [text.maxPositionEmbeddings, text.hiddenSize]);
  addEncoder('text_model', text.hiddenSize, text.intermediateSize, text.numHiddenLayers);
  shapes.set('text_model.final_layer_norm.weight', [text.hiddenSize]);
  shapes.set('text_model.final_layer_norm.bias', [text.hiddenSize]);
  shapes.set('text_projection.weight', [projectionDim, text.hiddenSize]);

  const patches = (vision.imageSize / vision.patchSize) ** 2;
  shapes.set('vision_model.embeddings.class_embedding', [vision.hiddenSize]);
  shapes.set('vision_model.embeddings.patch_embedding.weight', [vision.hiddenSize, vision.numChannels, vision.patchSize, vision.patchSize]);
  shapes.set('vision_model.embeddings.position_embedding.weight', [patches + 1, vision.hiddenSize]);
  shapes.set('vision_model.pre_layrnorm.weight', [vision.hiddenSize]);
  shapes.set('vision_model.pre_layrnorm.bias', [vision.hiddenSize]);
  addEncoder('vision_model', vision.hiddenSize, vision.intermediateSize, vision.numHiddenLayers);
  shapes.set('vision_model.post_layernorm.weight', [vision.hiddenSize]);
  shapes.set('vision_model.post_layernorm.bias', [vision.hiddenSize]);
  shapes.set('visual_projection.weight', [projectionDim, vision.hiddenSize]);

  shapes.set('logit_scale', []);
  return shapes;
}

/**
 * Checks every tensor `config` requires against `tensors` and uploads them as float32 tfjs tensors.
 * Extra tensors such as the `position_ids` buffers are ignored.
 */
export function buildClipWeights(tensors: CheckpointTensors, config: ClipConfig, source: string): ClipWeights {
  const expected = expectedClipShapes(config);

  for (const [name, shape] of expected) {
    const tensor = tensors.get(name);
    if (!tensor) {
      throw new Error(`${source}: tensor "${name}" is missing; expected shape [${shape.join(', ')}] from the model config. The checkpoint does not match config.json.`);
    }
    // A scalar logit_scale is sometimes saved with shape [1].
    const matches = sameShape(tensor.shape, shape) || (name === 'logit_scale' && tensor.values.length === 1);
    if (!matches) {
      throw new Error(`${source}: tensor "${name}" has shape [${tensor.shape.join(', ')}] but the model config expects [${shape.join(', ')}].`);
    }
    if (tensor.dtype !== 'float32') {
      throw new Error(`${source}: tensor "${name}" has integer dtype; CLIP weights must be floating point.`);
    }
  }

  const weights = new ClipWeights();
  for (const [name, shape] of expected) {
    weights.set(name, tf.tensor(tensors.get(name)!.values as Float32Array, shape, 'float32'));
  }
  return weights;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}
