import * as tf from '@tensorflow/tfjs';

import { visionAttentionRollout } from '../core/eval/attention-rollout';
import { gradCam } from '../core/eval/grad-cam';
import { smallCnnGradCamModel } from '../core/eval/small-cnn-grad-cam';
import { preprocessImages } from '../core/clip/image-preprocess';
import type { PixelStore } from '../core/data/pixel-store';
import { SeededRng } from '../core/rng';
import { SmallCnn } from '../core/train/small-cnn';
import type { SaliencyInput, SaliencyMap, SaliencyWorkerApi } from '../saliency-protocol';
import { loadRunWeights } from '../storage/run-weights';
import { backendSelectionSettled } from './backend-select';
import { loadedClip } from './clip-api';
import { decodeFile, decodeForModel } from './decode-for-model';

/** The last run's model stays loaded, because a gallery requests many tiles of one run in a row. */
let cached: { runId: string; model: SmallCnn } | null = null;

/**
 * Requests run one at a time: a gallery sends one per tile at once, and a
 * request for another run must not dispose the model an earlier one still uses.
 */
let queue: Promise<unknown> = Promise.resolve();

function enqueue<T>(task: () => Promise<T>): Promise<T> {
  // A backend measurement switches backends between its steps, so saliency waits for it, as training does.
  const result = queue.then(async () => {
    await backendSelectionSettled();
    return task();
  });
  queue = result.catch(() => undefined);
  return result;
}

/** Builds the saliency API over the worker's decoded training images. */
export function createSaliencyApi(getPixels: () => PixelStore | null): SaliencyWorkerApi {
  return {
    saliency(runId: string, input: SaliencyInput, classIndex?: number): Promise<SaliencyMap> {
      return enqueue(() => gradCamMap(runId, input, classIndex, getPixels()));
    },

    clipAttentionRollout(file: Blob, path: string): Promise<SaliencyMap> {
      return enqueue(() => rolloutMap(file, path));
    },
  };
}

async function gradCamMap(runId: string, input: SaliencyInput, classIndex: number | undefined, pixels: PixelStore | null): Promise<SaliencyMap> {
  const model = await modelOfRun(runId);
  const image = await imageTensor(input, model.config.inputSize, pixels);

  try {
    const softmax = tf.tidy(() => tf.softmax(model.logits(image)));
    const probabilities = await softmax.data();
    softmax.dispose();
    const target = classIndex ?? argmaxOf(probabilities);
    const { heatmaps, logits } = gradCam(smallCnnGradCamModel(model), image, target);
    const values = (await heatmaps.data()) as Float32Array;
    tf.dispose([heatmaps, logits]);

    const size = model.config.inputSize;
    return { method: 'grad-cam', width: size, height: size, values, classIndex: target, probabilities: Array.from(probabilities) };
  } finally {
    image.dispose();
  }
}

async function rolloutMap(file: Blob, path: string): Promise<SaliencyMap> {
  const clip = loadedClip();
  if (!clip) throw new Error('No CLIP model is loaded: choose a CLIP folder before requesting attention rollout.');

  const decoded = await decodeFile(file, path);
  if (!decoded.ok) throw new Error(`${path} could not be decoded for attention rollout: ${decoded.detail}`);
  const { image } = decoded;
  const { values, shape } = preprocessImages([{ data: image.data, width: image.width, height: image.height, channels: 3 }], clip.model.preprocess);

  const pixelValues = tf.tensor4d(values, shape);
  const map = visionAttentionRollout(clip.model.weights, clip.model.config.vision, pixelValues);
  const grid = map.shape[1];
  const relevance = (await map.data()) as Float32Array;
  tf.dispose([pixelValues, map]);
  return { method: 'attention-rollout', width: grid, height: grid, values: relevance, classIndex: -1, probabilities: [] };
}

async function modelOfRun(runId: string): Promise<SmallCnn> {
  if (cached?.runId === runId) return cached.model;

  const weights = await loadRunWeights(runId);
  if (!weights) {
    throw new Error(`Run ${runId} has no stored weights, so no saliency map can be computed; train it again to keep its weights.`);
  }

  const { inputSize, channels, numClasses } = weights.model;
  // The seed only fills weights that importWeights overwrites at once.
  const model = new SmallCnn({ inputSize, channels, numClasses, dropout: 0 }, new SeededRng(0));
  try {
    model.importWeights(weights.tensors);
  } catch (error) {
    model.dispose();
    throw error;
  }

  cached?.model.dispose();
  cached = { runId, model };
  return model;
}

async function imageTensor(input: SaliencyInput, inputSize: number, pixels: PixelStore | null): Promise<tf.Tensor4D> {
  if (input.kind === 'tile') {
    if (!pixels || pixels.size !== inputSize || !pixels.has(input.index)) {
      throw new Error(`Tile ${input.index} is not decoded at ${inputSize}px in the worker; pass the image file instead.`);
    }
    return pixels.batch([input.index]);
  }

  const decoded = await decodeForModel(input.file, input.path, inputSize);
  if (!decoded.ok) throw new Error(`${input.path} could not be decoded for the saliency map: ${decoded.detail}`);
  return tf.tensor4d(Float32Array.from(decoded.rgb, (v) => v / 255), [1, inputSize, inputSize, 3]);
}

function argmaxOf(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
