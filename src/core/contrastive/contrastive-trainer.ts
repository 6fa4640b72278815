import * as tf from '@tensorflow/tfjs-core';

import { type AdamConfig, TorchAdam } from '../train/adam-torch';
import { clipByGlobalNorm } from '../train/grad-clip';
import { LOGIT_SCALE_MAX, symmetricInfoNceLoss } from './infonce-loss';

/** The two towers as the trainer calls them, in training mode (dropout on where the model has it). */
export interface ContrastiveEncoders {
  /** Projected, unnormalised image embeddings [batch, dim] of NCHW pixel values. */
  embedImages(pixelValues: tf.Tensor4D): tf.Tensor2D;
  /** Projected, unnormalised text embeddings [batch, dim] of unpadded token-id rows. */
  embedText(tokenIds: readonly (readonly number[])[]): tf.Tensor2D;
}

/** One training batch: row i of the pixels and row i of the token ids form a positive pair. */
export interface ContrastiveBatch {
  pixelValues: tf.Tensor4D;
  tokenIds: readonly (readonly number[])[];
}

export interface ContrastiveTrainerOptions {
  adam: AdamConfig;
  /** Global gradient-norm limit, as torch's clip_grad_norm_. 0 or Infinity turns clipping off. */
  maxGradNorm: number;
  /** Learns the temperature, as CLIP does. When false, `logitScaleVariable` stays fixed. */
  learnLogitScale: boolean;
}

export interface ContrastiveStepResult {
  loss: number;
  /** exp(logit_scale) after the update. */
  logitScale: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/**
 * Trains CLIP towers with the symmetric InfoNCE loss. Which weights move is decided by `params`:
 * every CLIP weight for full fine-tuning, or only adapter weights for LoRA (see `clip-encoders.ts`).
 * `logitScaleVariable` is the log of the similarity multiplier. After each step it is clamped to
 * at most log(100), as CLIP's training code does.
 */
export class ContrastiveTrainer {
  private readonly optimizer: TorchAdam;
  private readonly variables: tf.Variable[];
  /** Maps tfjs variable names, which variableGrads keys its output by, back to parameter names. */
  private readonly paramNameByVariable = new Map<string, string>();

  constructor(
    private readonly encoders: ContrastiveEncoders,
    params: ReadonlyMap<string, tf.Variable>,
    readonly logitScaleVariable: tf.Variable,
    readonly options: ContrastiveTrainerOptions,
  ) {
    const trainable = new Map(params);
    if (options.learnLogitScale) trainable.set('logit_scale', logitScaleVariable);
    else trainable.delete('logit_scale');
    if (trainable.size === 0) throw new Error('ContrastiveTrainer: no trainable parameters. Pass the CLIP weights or LoRA adapters as params.');

    for (const [name, variable] of trainable) this.paramNameByVariable.set(variable.name, name);
    this.variables = [...trainable.values()];
    this.optimizer = new TorchAdam(trainable, options.adam);
  }

  get step(): number {
    return this.optimizer.step;
  }

  /** Runs one forward and backward pass on `batch` and applies one Adam update at `learningRate`. */
  trainStep(batch: ContrastiveBatch, learningRate: number): ContrastiveStepResult {
    const { value, norm } = this.update(batch, learningRate);
    const result: ContrastiveStepResult = {
      loss: value.dataSync()[0],
      logitScale: Math.exp(this.logitScaleVariable.dataSync()[0]),
      gradNorm: norm.dataSync()[0],
    };
    tf.dispose([value, norm]);
    return result;
  }

  /**
   * Runs the same step as `trainStep` but reads the figures back asynchronously. Use it on WebGPU and
   * WebGL, where tfjs 4.22 reads synchronously through a canvas copy.
   * NOTE: with `trainStep` and other dataSync calls in the studio's worker (Chromium, WebGPU on
   * SwiftShader), a later tensor upload failed with "createBuffer failed ... mappedAtCreation"; the
   * async path did not. The cause inside tfjs or Dawn was not isolated.
   */
  async trainStepAsync(batch: ContrastiveBatch, learningRate: number): Promise<ContrastiveStepResult> {
    const { value, norm } = this.update(batch, learningRate);
    const scale = tf.clone(this.logitScaleVariable);
    try {
      const [loss, logScale, gradNorm] = await Promise.all([value.data(), scale.data(), norm.data()]);
      return { loss: loss[0], logitScale: Math.exp(logScale[0]), gradNorm: gradNorm[0] };
    } finally {
      tf.dispose([value, norm, scale]);
    }
  }

  /** Applies one update and returns the loss and the gradient norm before clipping, as tensors the caller disposes. */
  private update(batch: ContrastiveBatch, learningRate: number): { value: tf.Scalar; norm: tf.Scalar } {
    if (batch.pixelValues.shape[0] !== batch.tokenIds.length) {
      throw new Error(`ContrastiveTrainer: batch has ${batch.pixelValues.shape[0]} images but ${batch.tokenIds.length} texts. Pass one text per image.`);
    }

    const { value, grads } = tf.variableGrads(() => {
      const imageEmbeds = this.encoders.embedImages(batch.pixelValues);
      const textEmbeds = this.encoders.embedText(batch.tokenIds);
      return symmetricInfoNceLoss(imageEmbeds, textEmbeds, this.logitScaleVariable as tf.Scalar);
    }, this.variables);

    const named: Record<string, tf.Tensor> = {};
    for (const [variableName, grad] of Object.entries(grads)) named[this.paramNameByVariable.get(variableName)!] = grad;
    const clipped = clipByGlobalNorm(named, this.options.maxGradNorm);
    this.optimizer.applyGradients(clipped.grads, learningRate);

    tf.tidy(() => {
      this.logitScaleVariable.assign(tf.minimum(this.logitScaleVariable, LOGIT_SCALE_MAX));
    });

    tf.dispose([...Object.values(grads), ...Object.values(clipped.grads)]);
    return { value, norm: clipped.norm as tf.Scalar };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
