/**
 * The retrieval benchmark: top-k of random text embeddings for random image embeddings with the
 * studio's blocked cosine search, one image block at a time so a time budget can end it early.
 */
import * as tf from '@tensorflow/tfjs';

import type { BenchRetrievalRequest, BenchRetrievalResult } from '../../bench-protocol';
import { retrieveTopK } from '../../core/clip/retrieval';
import type { BackendName } from '../../worker-protocol';
import { median, readMemory } from './bench-helpers';

export async function benchRetrieval(request: BenchRetrievalRequest): Promise<BenchRetrievalResult> {
  const { images, texts, dim, k, imageBlockSize, textBlockSize, budgetMs, seed } = request;
  for (const [name, value] of Object.entries({ images, texts, dim, k, imageBlockSize, textBlockSize })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`benchRetrieval: ${name} must be a positive integer, got ${value}.`);
  }

  const memoryBefore = readMemory();
  const imageEmbeds = tf.randomNormal([images, dim], 0, 1, 'float32', seed) as tf.Tensor2D;
  const textEmbeds = tf.randomNormal([texts, dim], 0, 1, 'float32', seed + 1) as tf.Tensor2D;
  const options = { k, imageBlockSize, textBlockSize };
  const imageBlocks = Math.ceil(images / imageBlockSize);
  const blockMs: number[] = [];
  let warmupMs = 0;

  try {
    // retrieveTopK over a slice of image rows runs exactly the loop body of the full search for that block.
    const searchBlock = async (block: number): Promise<number> => {
      const rows = Math.min(imageBlockSize, images - block * imageBlockSize);
      const slice = tf.slice(imageEmbeds, [block * imageBlockSize, 0], [rows, dim]);
      const started = performance.now();
      try {
        await retrieveTopK(slice, textEmbeds, options);
        return performance.now() - started;
      } finally {
        slice.dispose();
      }
    };

    warmupMs = await searchBlock(0);
    const started = performance.now();
    for (let block = 0; block < imageBlocks; block++) {
      if (block > 0 && performance.now() - started > budgetMs) break;
      blockMs.push(await searchBlock(block));
    }
  } finally {
    tf.dispose([imageEmbeds, textEmbeds]);
  }

  const complete = blockMs.length === imageBlocks;
  return {
    backend: tf.getBackend() as BackendName,
    warmupMs,
    blockMs,
    imageBlocks,
    totalMs: complete ? blockMs.reduce((sum, ms) => sum + ms, 0) : median(blockMs) * imageBlocks,
    complete,
    memoryBefore,
    memoryAfter: readMemory(),
  };
}
