import type * as tf from '@tensorflow/tfjs-core';

import { type LinearHook, plainLinear } from '../clip/clip-layers';
import type { SeededRng } from '../rng';
import type { LoraDense } from './lora-dense';

/**
 * Builds a LinearHook that runs each layer with an adapter through it and every other layer
 * through `fallback`. Pass `rng` only in training: it draws the adapters' dropout masks.
 */
export function createLoraHook(adapters: ReadonlyMap<string, LoraDense>, rng?: SeededRng, fallback: LinearHook = plainLinear): LinearHook {
  return (name: string, x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor => {
    const adapter = adapters.get(name);
    if (!adapter) return fallback(name, x, weight, bias);
    return adapter.apply(x, rng, weight, bias);
  };
}

/**
 * True when `layerName` is selected by `targetModules`, matched as peft matches a list of
 * module names: the whole name or its last dotted parts (`q_proj` selects every
 * `....self_attn.q_proj`). No list selects every layer.
 */
export function isTargetModule(layerName: string, targetModules: readonly string[] | undefined): boolean {
  if (!targetModules) return true;
  return targetModules.some((target) => layerName === target || layerName.endsWith(`.${target}`));
}
