import * as tf from '@tensorflow/tfjs-core';

import { type ClipModel } from '../clip/clip-model';
import { type ClipLora } from '../lora/clip-lora';
import { type SeededRng } from '../rng';
import { type ContrastiveEncoders } from './contrastive-trainer';
import { LOGIT_SCALE_INIT } from './infonce-loss';

/** Inputs of ContrastiveTrainer for one CLIP model: the towers, the weights that move and the temperature. */
export interface ContrastiveSetup {
  encoders: ContrastiveEncoders;
  params: Map<string, tf.Variable>;
  logitScale: tf.Variable;
}

/**
 * Prepares full fine-tuning: every weight of `model`, `logit_scale` included, is replaced in place by a
 * trainable tf.Variable with the same value, so the model's own embed calls see each update.
 */
export function fullFineTuneSetup(model: ClipModel): ContrastiveSetup {
  const params = new Map<string, tf.Variable>();
  for (const name of model.weights.names()) {
    const current = model.weights.get(name);
    const variable = current instanceof tf.Variable ? current : tf.variable(current, true);
    model.weights.set(name, variable);
    params.set(name, variable);
  }

  const logitScale = params.get('logit_scale')!;
  params.delete('logit_scale');
  return {
    encoders: {
      embedImages: (pixelValues) => model.embedImages(pixelValues),
      embedText: (tokenIds) => model.embedText(tokenIds),
    },
    params,
    logitScale,
  };
}

/**
 * Prepares LoRA fine-tuning: only the adapters of `lora` move, the CLIP weights stay frozen. The
 * temperature starts from `initialLogitScale` (the log of the multiplier), else from the model's
 * `logit_scale`, in a new variable the caller disposes.
 * `rng` draws the adapters' dropout masks during training.
 */
export function loraFineTuneSetup(lora: ClipLora, rng: SeededRng, initialLogitScale?: number): ContrastiveSetup {
  const params = new Map<string, tf.Variable>([...lora.visionParams, ...lora.textParams]);
  const start = initialLogitScale ?? (lora.clip.weights.has('logit_scale') ? lora.clip.weights.get('logit_scale').dataSync()[0] : LOGIT_SCALE_INIT);
  // tf.variable shares the initial tensor's data, so the scalar itself can go at once.
  const initial = tf.scalar(start);
  const logitScale = tf.variable(initial, true);
  initial.dispose();
  return {
    encoders: {
      embedImages: (pixelValues) => lora.embedImages(pixelValues, rng),
      embedText: (tokenIds) => lora.embedText(tokenIds, rng),
    },
    params,
    logitScale,
  };
}
