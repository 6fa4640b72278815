import * as tf from '@tensorflow/tfjs-core';

import type { LoraConfig } from '../lora/lora-config';
import { LoraDense } from '../lora/lora-dense';
import { createLoraHook } from '../lora/lora-hook';
import type { SeededRng } from '../rng';
import type { VitConfig } from '../vit/vit-config';
import { VitModel } from '../vit/vit-model';
import { ATTENTION_PROJECTIONS, expectedVitShapes } from '../vit/vit-weights';
import type { BackboneExportConfig, VisionBackbone } from './vision-backbone';

/**
 * A pretrained ViT as a CLIP-IT backbone: the base weights stay frozen and LoRA adapters on the
 * attention projections (query, key, value, output of every block) are the only trained weights.
 * Input: NHWC RGB images in [0, 1] of any side that is a multiple of the patch size.
 * Features: the pooled last hidden state (class token or patch mean, as the checkpoint's config selects).
 */
export class VitBackbone implements VisionBackbone {
  readonly adapters = new Map<string, LoraDense>();

  constructor(
    readonly vit: VitModel,
    /** Side in pixels of the tiles this backbone is trained and run at; recorded in the export. */
    readonly inputSize: number,
    /** LoRA settings; undefined runs the ViT as it is (an imported model with merged adapters). */
    lora: LoraConfig | undefined,
    rng: SeededRng | undefined,
    /** True when this backbone built `vit` itself (an import) and must dispose it. */
    private readonly ownsVit = false,
  ) {
    if (!Number.isInteger(inputSize) || inputSize % vit.config.patchSize !== 0) {
      throw new Error(`ViT input size ${inputSize} px is not a multiple of the patch size ${vit.config.patchSize}; choose a size such as ${vit.config.imageSize}.`);
    }
    if (lora) {
      if (!rng) throw new Error('VitBackbone: LoRA adapters need a random generator for their initial weights.');
      const initRng = rng.fork('vit-lora-init');
      for (let layer = 0; layer < vit.config.numHiddenLayers; layer++) {
        for (const projection of ATTENTION_PROJECTIONS) {
          const name = `blocks.${layer}.${projection}`;
          const bias = vit.weights.get(`${name}.bias`) as tf.Tensor1D | undefined;
          this.adapters.set(name, new LoraDense(name, vit.weights.get(`${name}.weight`) as tf.Tensor2D, bias, lora, initRng));
        }
      }
    }
  }

  get featureDim(): number {
    return this.vit.config.hiddenSize;
  }

  get params(): Map<string, tf.Variable> {
    const params = new Map<string, tf.Variable>();
    for (const adapter of this.adapters.values()) for (const [name, variable] of adapter.params) params.set(name, variable);
    return params;
  }

  features(images: tf.Tensor4D, rng?: SeededRng): tf.Tensor2D {
    return this.vit.features(images, this.adapters.size > 0 ? createLoraHook(this.adapters, rng) : undefined);
  }

  /** Copies of every ViT weight under this project's names, with the adapters merged into the attention projections. */
  exportWeights(): { config: BackboneExportConfig; tensors: Map<string, tf.Tensor> } {
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, weight] of this.vit.weights) {
      const adapter = name.endsWith('.weight') ? this.adapters.get(name.slice(0, -'.weight'.length)) : undefined;
      tensors.set(name, adapter ? adapter.merge(weight) : tf.clone(weight));
    }
    return { config: { kind: 'vit', vit: { ...this.vit.config }, inputSize: this.inputSize }, tensors };
  }

  /** Rebuilds an exported ViT backbone (adapters already merged, so none are added). */
  static fromExport(config: VitConfig, inputSize: number, tensors: ReadonlyMap<string, tf.Tensor>): VitBackbone {
    const weights = new Map<string, tf.Tensor>();
    for (const [name, shape] of expectedVitShapes(config)) {
      const tensor = tensors.get(name);
      if (!tensor || tensor.shape.join(',') !== shape.join(',')) {
        tf.dispose([...weights.values()]);
        const found = tensor ? `has shape [${tensor.shape.join(', ')}]` : 'is missing';
        throw new Error(`ViT backbone import: tensor "backbone.${name}" ${found}, expected [${shape.join(', ')}].`);
      }
      weights.set(name, tf.clone(tensor));
    }
    return new VitBackbone(new VitModel(config, weights), inputSize, undefined, undefined, true);
  }

  /** Disposes the adapters, and the ViT only when this backbone built it. */
  dispose(): void {
    for (const adapter of this.adapters.values()) adapter.dispose();
    this.adapters.clear();
    if (this.ownsVit) this.vit.dispose();
  }
}
