import * as tf from '@tensorflow/tfjs-core';

import { ClipModel } from '../clip/clip-model';
import { ClipWeights } from '../clip/clip-weights';
import { ClipLora } from '../lora/clip-lora';
import type { SeededRng } from '../rng';
import type { BackboneExportConfig, VisionBackbone } from './vision-backbone';

/**
 * The CLIP vision tower as a CLIP-IT backbone: frozen base weights with the vision LoRA adapters
 * of `lora` (none for an imported, merged model). Input: preprocessed NCHW pixel values.
 * Features: the projected image embedding (`visual_projection` output, projection_dim wide),
 * the vector CLIP aligns with text, because the tower returns only that and the projection is
 * itself adapted by LoRA.
 */
export class ClipVisionBackbone implements VisionBackbone {
  readonly featureDim: number;

  constructor(
    readonly clip: ClipModel,
    /** Adapters to train; undefined runs the tower as it is. Not disposed by this class. */
    readonly lora: ClipLora | undefined,
    /** True when this backbone built `clip` itself (an import) and must dispose it. */
    private readonly ownsClip = false,
  ) {
    if (lora && lora.clip !== clip) throw new Error('ClipVisionBackbone: the LoRA adapters were built for a different CLIP model.');
    this.featureDim = clip.config.projectionDim;
  }

  get params(): Map<string, tf.Variable> {
    return this.lora ? this.lora.visionParams : new Map();
  }

  features(images: tf.Tensor4D, rng?: SeededRng): tf.Tensor2D {
    return this.lora ? this.lora.embedImages(images, rng) : this.clip.embedImages(images);
  }

  exportWeights(): { config: BackboneExportConfig; tensors: Map<string, tf.Tensor> } {
    const tensors = this.lora ? this.lora.mergedVisionWeights() : copyVisionWeights(this.clip.weights);
    return { config: { kind: 'clip-vision', clip: this.clip.config, preprocess: this.clip.preprocess }, tensors };
  }

  /** Rebuilds a vision-only CLIP from exported weights; the text tower is absent, so only embedImages works. */
  static fromExport(config: Extract<BackboneExportConfig, { kind: 'clip-vision' }>, tensors: ReadonlyMap<string, tf.Tensor>): ClipVisionBackbone {
    const weights = new ClipWeights();
    for (const [name, tensor] of tensors) weights.set(name, tf.clone(tensor));
    return new ClipVisionBackbone(new ClipModel(config.clip, weights, config.preprocess), undefined, true);
  }

  /** Disposes the CLIP model only when this backbone built it; passed-in models and adapters belong to the caller. */
  dispose(): void {
    if (this.ownsClip) this.clip.dispose();
  }
}

function copyVisionWeights(weights: ClipWeights): Map<string, tf.Tensor> {
  const tensors = new Map<string, tf.Tensor>();
  for (const name of weights.names()) {
    if (name.startsWith('vision_model.') || name === 'visual_projection.weight') tensors.set(name, tf.clone(weights.get(name)));
  }
  return tensors;
}
