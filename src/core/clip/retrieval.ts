import * as tf from '@tensorflow/tfjs';

/**
 * Top-k retrieval of texts (e.g. report passages) for images by cosine similarity, computed block by
 * block so that only an [imageBlockSize, textBlockSize] slice of the similarity matrix exists at a time.
 */

export interface RetrievalOptions {
  /** Texts kept per image; clipped to the number of texts. */
  k: number;
  /** Image rows per block. Default 1024. */
  imageBlockSize?: number;
  /** Text columns per block. Default 4096. */
  textBlockSize?: number;
}

export interface RetrievalResult {
  /** Texts per image actually kept: min(k, number of texts). */
  k: number;
  /** Row-major [images, k]: text indices by decreasing similarity, lowest index first among ties. */
  topIndices: Int32Array;
  /** Row-major [images, k]: cosine similarities matching topIndices. */
  topScores: Float32Array;
  /** Best text per image, equal to column 0 of topIndices. */
  top1Indices: Int32Array;
  top1Scores: Float32Array;
}

/** Divides each row by its L2 norm (rows of norm 0 stay 0). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), 1e-12)) as tf.Tensor2D);
}

/**
 * Finds the k most similar texts for every image. Inputs are unnormalised embeddings
 * [images, dim] and [texts, dim]; they are not disposed. Ties keep the lowest text index, because
 * tf.topk orders equal values by index and earlier text blocks precede later ones in every merge.
 */
export async function retrieveTopK(imageEmbeds: tf.Tensor2D, textEmbeds: tf.Tensor2D, options: RetrievalOptions): Promise<RetrievalResult> {
  const [imageCount, dim] = imageEmbeds.shape;
  const [textCount, textDim] = textEmbeds.shape;
  if (dim !== textDim) {
    throw new Error(`Retrieval: image embeddings have dimension ${dim} but text embeddings have ${textDim}. Use embeddings from the same CLIP model.`);
  }
  if (textCount === 0) throw new Error('Retrieval: there are no text embeddings to search.');

  const imageBlockSize = checkBlockSize(options.imageBlockSize ?? 1024, 'imageBlockSize');
  const textBlockSize = checkBlockSize(options.textBlockSize ?? 4096, 'textBlockSize');
  if (!Number.isInteger(options.k) || options.k < 1) throw new Error(`Retrieval: k must be a positive integer, got ${options.k}.`);
  const k = Math.min(options.k, textCount);

  const topIndices = new Int32Array(imageCount * k);
  const topScores = new Float32Array(imageCount * k);
  const texts = l2Normalize(textEmbeds);

  try {
    for (let rowStart = 0; rowStart < imageCount; rowStart += imageBlockSize) {
      const rows = Math.min(imageBlockSize, imageCount - rowStart);
      const [values, indices] = searchImageBlock(imageEmbeds, texts, rowStart, rows, k, textBlockSize);

      try {
        const [valueData, indexData] = await Promise.all([values.data(), indices.data()]);
        topScores.set(valueData as Float32Array, rowStart * k);
        topIndices.set(indexData as Int32Array, rowStart * k);
      } finally {
        values.dispose();
        indices.dispose();
      }
    }
  } finally {
    texts.dispose();
  }

  const top1Indices = new Int32Array(imageCount);
  const top1Scores = new Float32Array(imageCount);
  for (let row = 0; row < imageCount; row++) {
    top1Indices[row] = topIndices[row * k];
    top1Scores[row] = topScores[row * k];
  }
  return { k, topIndices, topScores, top1Indices, top1Scores };
}

/** Returns the running top-k [values, text indices] of one image block after all text blocks. */
function searchImageBlock(
  imageEmbeds: tf.Tensor2D,
  texts: tf.Tensor2D,
  rowStart: number,
  rows: number,
  k: number,
  textBlockSize: number,
): [tf.Tensor2D, tf.Tensor2D] {
  const [, dim] = imageEmbeds.shape;
  const textCount = texts.shape[0];
  const images = tf.tidy(() => l2Normalize(tf.slice(imageEmbeds, [rowStart, 0], [rows, dim])));

  let bestValues: tf.Tensor2D | null = null;
  let bestIndices: tf.Tensor2D | null = null;
  for (let columnStart = 0; columnStart < textCount; columnStart += textBlockSize) {
    const columns = Math.min(textBlockSize, textCount - columnStart);

    const [values, indices] = tf.tidy(() => {
      const similarities = tf.matMul(images, tf.slice(texts, [columnStart, 0], [columns, dim]), false, true);
      const block = tf.topk(similarities, Math.min(k, columns), true);
      const blockIndices = tf.add(block.indices, tf.scalar(columnStart, 'int32'));
      if (!bestValues || !bestIndices) return [block.values, blockIndices] as [tf.Tensor2D, tf.Tensor2D];

      // The running best comes first, so among equal scores the lower text index wins.
      const candidates = tf.concat([bestValues, block.values], 1);
      const candidateIndices = tf.concat([bestIndices, blockIndices], 1);
      const candidateCount = bestValues.shape[1] + block.values.shape[1]!;
      const merged = tf.topk(candidates, Math.min(k, candidateCount), true);

      // Gather from the flattened candidates at row * candidateCount + position, because
      // gather with batchDims crashes the wasm backend of tfjs 4.22.
      const rowOffsets = tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(candidateCount, 'int32')).reshape([rows, 1]);
      const flatPositions = tf.reshape(tf.add(merged.indices, rowOffsets), [-1]);
      const mergedIndices = tf.reshape(tf.gather(tf.reshape(candidateIndices, [-1]), flatPositions), merged.indices.shape);
      return [merged.values, mergedIndices] as [tf.Tensor2D, tf.Tensor2D];
    });

    bestValues?.dispose();
    bestIndices?.dispose();
    bestValues = values;
    bestIndices = indices;
  }

  images.dispose();
  return [bestValues!, bestIndices!];
}

function checkBlockSize(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`Retrieval: ${name} must be a positive integer, got ${value}.`);
  return value;
}
