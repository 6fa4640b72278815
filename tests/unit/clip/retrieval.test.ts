import { createRequire } from 'node:module';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { retrieveTopK } from '../../../src/core/clip/retrieval';

// The wasm backend loads its binary from the package folder instead of a web server.
setWasmPaths(path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);

/** Deterministic uniform values in [-1, 1) from a linear congruential generator. */
function pseudoRandom(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** Reference top-k by float64 cosine similarity, sorting ties by lower index. */
function bruteForceTopK(images: Float32Array, texts: Float32Array, dim: number, k: number): { indices: number[][]; scores: number[][] } {
  const norm = (values: Float32Array, row: number): number => Math.hypot(...values.subarray(row * dim, (row + 1) * dim)) || 1;
  const imageCount = images.length / dim;
  const textCount = texts.length / dim;
  const indices: number[][] = [];
  const scores: number[][] = [];

  for (let image = 0; image < imageCount; image++) {
    const ranked = Array.from({ length: textCount }, (_, text) => {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += images[image * dim + d] * texts[text * dim + d];
      return { text, score: dot / (norm(images, image) * norm(texts, text)) };
    }).sort((a, b) => b.score - a.score || a.text - b.text);

    indices.push(ranked.slice(0, k).map((entry) => entry.text));
    scores.push(ranked.slice(0, k).map((entry) => entry.score));
  }
  return { indices, scores };
}

function rows(values: Int32Array | Float32Array, k: number): number[][] {
  return Array.from({ length: values.length / k }, (_, row) => Array.from(values.subarray(row * k, (row + 1) * k)));
}

describe.each(['cpu', 'wasm'])('retrieveTopK on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    expect(tf.getBackend()).toBe(backend);
  });

  const dim = 16;
  const textCount = 50;
  const imageCount = 37;
  const texts = pseudoRandom(textCount * dim, 7);
  // Image i is a scaled, slightly noisy copy of text permutation[i], so its best text is known.
  const permutation = Array.from({ length: imageCount }, (_, i) => (i * 17 + 3) % textCount);
  const noise = pseudoRandom(imageCount * dim, 11);
  const images = new Float32Array(imageCount * dim);
  permutation.forEach((text, image) => {
    for (let d = 0; d < dim; d++) images[image * dim + d] = (1 + image) * texts[text * dim + d] + 0.01 * noise[image * dim + d];
  });

  it('finds known permutation in small blocks', async () => {
    const imageTensor = tf.tensor2d(images, [imageCount, dim]);
    const textTensor = tf.tensor2d(texts, [textCount, dim]);

    const result = await retrieveTopK(imageTensor, textTensor, { k: 5, imageBlockSize: 7, textBlockSize: 6 });
    expect(Array.from(result.top1Indices)).toEqual(permutation);
    expect(result.k).toBe(5);
    tf.dispose([imageTensor, textTensor]);
  });

  it('matches brute force for all block sizes', async () => {
    const imageTensor = tf.tensor2d(images, [imageCount, dim]);
    const textTensor = tf.tensor2d(texts, [textCount, dim]);
    const expected = bruteForceTopK(images, texts, dim, 5);

    for (const [imageBlockSize, textBlockSize] of [[1, 1], [7, 6], [37, 50], [100, 1000], [5, 49]]) {
      const result = await retrieveTopK(imageTensor, textTensor, { k: 5, imageBlockSize, textBlockSize });
      expect(rows(result.topIndices, 5), `blocks ${imageBlockSize}x${textBlockSize}`).toEqual(expected.indices);

      const scoreError = Math.max(...rows(result.topScores, 5).flatMap((row, i) => row.map((score, j) => Math.abs(score - expected.scores[i][j]))));
      expect(scoreError).toBeLessThan(1e-5);
      expect(Array.from(result.top1Scores)).toEqual(rows(result.topScores, 5).map((row) => row[0]));
    }
    tf.dispose([imageTensor, textTensor]);
  });

  it('keeps lowest index among ties', async () => {
    // Text j is the one-hot vector e_(j mod 4), so each image ties with three texts at score 1
    // and with the other nine at score 0.
    const tieDim = 4;
    const tieTexts = new Float32Array(12 * tieDim);
    for (let text = 0; text < 12; text++) tieTexts[text * tieDim + (text % tieDim)] = 1;
    const tieImages = new Float32Array(4 * tieDim);
    for (let image = 0; image < 4; image++) tieImages[image * tieDim + ((image + 2) % tieDim)] = 2;

    const imageTensor = tf.tensor2d(tieImages, [4, tieDim]);
    const textTensor = tf.tensor2d(tieTexts, [12, tieDim]);
    const result = await retrieveTopK(imageTensor, textTensor, { k: 5, imageBlockSize: 3, textBlockSize: 5 });

    expect(rows(result.topIndices, 5)).toEqual([
      [2, 6, 10, 0, 1],
      [3, 7, 11, 0, 1],
      [0, 4, 8, 1, 2],
      [1, 5, 9, 0, 2],
    ]);
    expect(rows(result.topIndices, 5)).toEqual(bruteForceTopK(tieImages, tieTexts, tieDim, 5).indices);
    expect(Array.from(result.topScores.subarray(0, 5))).toEqual([1, 1, 1, 0, 0]);
    tf.dispose([imageTensor, textTensor]);
  });

  it('clips k to the number of texts', async () => {
    const imageTensor = tf.tensor2d(images, [imageCount, dim]);
    const textTensor = tf.tensor2d(texts.subarray(0, 3 * dim), [3, dim]);

    const result = await retrieveTopK(imageTensor, textTensor, { k: 10, textBlockSize: 2 });
    expect(result.k).toBe(3);
    expect(result.topIndices.length).toBe(imageCount * 3);
    expect(rows(result.topIndices, 3)).toEqual(bruteForceTopK(images, texts.subarray(0, 3 * dim), dim, 3).indices);
    tf.dispose([imageTensor, textTensor]);
  });

  it('leaves the tensor count unchanged', async () => {
    const imageTensor = tf.tensor2d(images, [imageCount, dim]);
    const textTensor = tf.tensor2d(texts, [textCount, dim]);
    const before = tf.memory().numTensors;

    await retrieveTopK(imageTensor, textTensor, { k: 3, imageBlockSize: 4, textBlockSize: 9 });

    expect(tf.memory().numTensors).toBe(before);
    expect(imageTensor.isDisposed).toBe(false);
    tf.dispose([imageTensor, textTensor]);
  });

  it('rejects embeddings of different dimensions', async () => {
    const imageTensor = tf.zeros([2, 8]) as tf.Tensor2D;
    const textTensor = tf.zeros([2, 4]) as tf.Tensor2D;
    await expect(retrieveTopK(imageTensor, textTensor, { k: 1 })).rejects.toThrow(/dimension 8 but text embeddings have 4/);
    tf.dispose([imageTensor, textTensor]);
  });

  it('rejects a non-positive block size', async () => {
    const imageTensor = tf.zeros([2, 4]) as tf.Tensor2D;
    const textTensor = tf.zeros([2, 4]) as tf.Tensor2D;
    await expect(retrieveTopK(imageTensor, textTensor, { k: 1, textBlockSize: 0 })).rejects.toThrow(/textBlockSize must be a positive integer, got 0/);
    tf.dispose([imageTensor, textTensor]);
  });
});
