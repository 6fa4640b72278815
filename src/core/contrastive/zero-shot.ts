import * as tf from '@tensorflow/tfjs-core';

import { l2NormalizeRows } from './infonce-loss';

/** Default prompt templates; `{class}` is replaced by the class name. Edit or replace the list per data set. */
export const DEFAULT_PROMPT_TEMPLATES: readonly string[] = [
  'an H&E image of {class}.',
  'an H&E stained image of {class}.',
  'a histopathology image of {class}.',
  'a microscopy image of {class} tissue.',
  '{class}.',
];

/** Fills `{class}` in every template with `className`. */
export function fillTemplates(templates: readonly string[], className: string): string[] {
  if (templates.length === 0) throw new Error('Zero-shot: the prompt template list is empty. Add at least one template such as "{class}".');
  return templates.map((template) => {
    if (!template.includes('{class}')) throw new Error(`Zero-shot: prompt template "${template}" has no {class} placeholder.`);
    return template.split('{class}').join(className);
  });
}

/**
 * Builds one classifier weight per class as CLIP's zero-shot recipe does: embed every filled template,
 * L2-normalise each, average over templates, normalise the mean again. `embedTexts` returns
 * unnormalised embeddings [texts, dim]. Returns [classes, dim]; the caller disposes it.
 */
export function buildZeroShotWeights(
  classNames: readonly string[],
  templates: readonly string[],
  embedTexts: (texts: string[]) => tf.Tensor2D,
): tf.Tensor2D {
  if (classNames.length === 0) throw new Error('Zero-shot: the class list is empty.');

  const perClass = classNames.map((className) => {
    const embeds = embedTexts(fillTemplates(templates, className));
    const mean = tf.tidy(() => tf.mean(l2NormalizeRows(embeds), 0, true) as tf.Tensor2D);
    embeds.dispose();
    return mean;
  });
  const weights = tf.tidy(() => l2NormalizeRows(tf.concat(perClass, 0) as tf.Tensor2D));
  tf.dispose(perClass);
  return weights;
}

export interface ZeroShotResult {
  /** Index of the most similar class per image. */
  predictions: Int32Array;
  /** Row-major [images, classes] softmax over logitScale * cosine similarity. */
  probabilities: Float32Array;
}

/** Classifies images by cosine similarity to the class weights from `buildZeroShotWeights`; `logitScale` is the multiplier exp(logit_scale), as ClipModel.logitScale returns. */
export function zeroShotClassify(imageEmbeds: tf.Tensor2D, classWeights: tf.Tensor2D, logitScale = 100): ZeroShotResult {
  const probabilities = zeroShotProbabilities(imageEmbeds, classWeights, logitScale);
  const values = probabilities.dataSync() as Float32Array;
  const [images, classes] = probabilities.shape;
  probabilities.dispose();
  return predictFromProbabilities(values, images, classes);
}

/** Runs `zeroShotClassify` with an asynchronous read-back, for WebGPU and WebGL. */
export async function zeroShotClassifyAsync(imageEmbeds: tf.Tensor2D, classWeights: tf.Tensor2D, logitScale = 100): Promise<ZeroShotResult> {
  const probabilities = zeroShotProbabilities(imageEmbeds, classWeights, logitScale);
  const [images, classes] = probabilities.shape;
  try {
    return predictFromProbabilities((await probabilities.data()) as Float32Array, images, classes);
  } finally {
    probabilities.dispose();
  }
}

function zeroShotProbabilities(imageEmbeds: tf.Tensor2D, classWeights: tf.Tensor2D, logitScale: number): tf.Tensor2D {
  return tf.tidy(() => {
    const logits = tf.mul(tf.matMul(l2NormalizeRows(imageEmbeds), classWeights, false, true), logitScale);
    return tf.softmax(logits, -1) as tf.Tensor2D;
  });
}

function predictFromProbabilities(values: Float32Array, images: number, classes: number): ZeroShotResult {
  const predictions = new Int32Array(images);
  for (let image = 0; image < images; image++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[image * classes + c] > values[image * classes + best]) best = c;
    predictions[image] = best;
  }
  return { predictions, probabilities: Float32Array.from(values) };
}

/** Cosine similarities [images, texts] of unnormalised embeddings, row-major, read back asynchronously (for WebGPU and WebGL). */
export async function cosineSimilarityMatrixAsync(imageEmbeds: tf.Tensor2D, textEmbeds: tf.Tensor2D): Promise<Float32Array> {
  const similarity = tf.tidy(() => tf.matMul(l2NormalizeRows(imageEmbeds), l2NormalizeRows(textEmbeds), false, true));
  try {
    return Float32Array.from((await similarity.data()) as Float32Array);
  } finally {
    similarity.dispose();
  }
}

/** Cosine similarities [images, texts] of unnormalised embeddings, row-major, read back to the CPU. */
export function cosineSimilarityMatrix(imageEmbeds: tf.Tensor2D, textEmbeds: tf.Tensor2D): Float32Array {
  const similarity = tf.tidy(() => tf.matMul(l2NormalizeRows(imageEmbeds), l2NormalizeRows(textEmbeds), false, true));
  const values = Float32Array.from(similarity.dataSync() as Float32Array);
  similarity.dispose();
  return values;
}
