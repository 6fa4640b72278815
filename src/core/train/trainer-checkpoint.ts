import type { RngState } from '../rng';
import type { AdamState } from './adam-torch';

/** Named float tensors as plain arrays: the weights of a model or a set of moments. */
export type WeightMap = Record<string, { shape: number[]; values: Float32Array }>;

/**
 * Everything needed to continue a run exactly where it stopped: weights,
 * optimizer moments, the random generator, and the position in the current
 * epoch's shuffled order.
 */
export interface TrainerCheckpoint {
  /** Optimizer steps completed. */
  step: number;
  /** Epoch the next step belongs to, counted from 1. */
  epoch: number;
  /** Steps of `epoch` already completed. */
  epochStep: number;
  /** The current epoch's shuffled training order. */
  order: number[];
  /** Sum of the training losses of the completed steps of `epoch`. */
  epochLossSum: number;
  rngState: RngState;
  optimizer: AdamState;
  weights: WeightMap;
  bestValLoss: number;
  /** Weights with the lowest validation loss so far, when an epoch has finished. */
  bestWeights: WeightMap | null;
}

/** Binary layout of weights: a JSON index (names, shapes, offsets) and one Float32 buffer. */
export interface PackedWeights {
  index: { name: string; shape: number[]; offset: number; length: number }[];
  buffer: ArrayBuffer;
}

/** Packs a weight map into one buffer, so storage writes one payload per checkpoint. */
export function packWeights(weights: WeightMap): PackedWeights {
  const names = Object.keys(weights).sort();
  const total = names.reduce((sum, name) => sum + weights[name].values.length, 0);
  const data = new Float32Array(total);
  const index: PackedWeights['index'] = [];

  let offset = 0;
  for (const name of names) {
    const { shape, values } = weights[name];
    data.set(values, offset);
    index.push({ name, shape, offset, length: values.length });
    offset += values.length;
  }
  return { index, buffer: data.buffer };
}

export function unpackWeights(packed: PackedWeights): WeightMap {
  const data = new Float32Array(packed.buffer);
  const weights: WeightMap = {};
  for (const entry of packed.index) {
    if (entry.offset + entry.length > data.length) {
      throw new Error(`Checkpoint tensor "${entry.name}" points past the end of the weight buffer; the checkpoint is damaged.`);
    }
    weights[entry.name] = { shape: entry.shape, values: data.slice(entry.offset, entry.offset + entry.length) };
  }
  return weights;
}

/** Packs optimizer moments the same way, names prefixed by `m:` and `v:`. */
export function adamStateToWeights(state: AdamState, shapes: Record<string, number[]>): WeightMap {
  const weights: WeightMap = {};
  state.names.forEach((name, i) => {
    weights[`m:${name}`] = { shape: shapes[name], values: state.firstMoments[i] };
    weights[`v:${name}`] = { shape: shapes[name], values: state.secondMoments[i] };
  });
  return weights;
}

export function weightsToAdamState(step: number, weights: WeightMap): AdamState {
  const names = Object.keys(weights)
    .filter((key) => key.startsWith('m:'))
    .map((key) => key.slice(2));
  return {
    step,
    names,
    firstMoments: names.map((name) => weights[`m:${name}`].values),
    secondMoments: names.map((name) => {
      const second = weights[`v:${name}`];
      if (!second) throw new Error(`Checkpoint has a first moment for "${name}" but no second moment; the checkpoint is damaged.`);
      return second.values;
    }),
  };
}
