import * as tf from '@tensorflow/tfjs-core';

import { type ClipBpeTokenizer } from '../../src/core/clip/bpe-tokenizer';
import { type ClipModel } from '../../src/core/clip/clip-model';
import { preprocessImages } from '../../src/core/clip/image-preprocess';
import { recallAtK } from '../../src/core/contrastive/retrieval-metrics';
import { cosineSimilarityMatrix } from '../../src/core/contrastive/zero-shot';
import { TILE_CLASSES, type Passage, type Tile, type TileClass, decodeTile } from './demo-data';

export interface TypeMatchResult {
  /** Fraction of tiles whose most similar passage is of the tile's own type. */
  typeMatch: number;
  perClass: Record<TileClass, number>;
  tiles: number;
  passages: number;
}

export interface PairRecallResult {
  /** Image-to-text recall@1 and @5 over the fixed (tile, passage) pairs. */
  imageToTextAt1: number;
  imageToTextAt5: number;
  textToImageAt1: number;
  pairs: number;
}

/** Embeds tiles in batches; returns unnormalised image embeddings [tiles, dim] the caller disposes. */
export function embedTiles(model: ClipModel, lungFolder: string, tiles: readonly Tile[], batchSize = 64): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < tiles.length; start += batchSize) {
    const images = tiles.slice(start, start + batchSize).map((tile) => decodeTile(lungFolder, tile));
    const { values, shape } = preprocessImages(images, model.preprocess);
    const pixels = tf.tensor4d(values, shape);
    parts.push(model.embedImages(pixels));
    pixels.dispose();
  }
  const all = tf.concat(parts, 0) as tf.Tensor2D;
  tf.dispose(parts);
  return all;
}

/** Embeds passages in batches; returns unnormalised text embeddings [passages, dim] the caller disposes. */
export function embedPassages(model: ClipModel, tokenizer: ClipBpeTokenizer, texts: readonly string[], batchSize = 128): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < texts.length; start += batchSize) parts.push(model.embedText(tokenizer.encodeBatch(texts.slice(start, start + batchSize))));
  const all = tf.concat(parts, 0) as tf.Tensor2D;
  tf.dispose(parts);
  return all;
}

/**
 * Type match: for each tile, the most similar passage of the pool (cosine similarity) is of the tile's
 * own type, LUAD for adenocarcinoma, LUSC for squamous cell carcinoma, background lung for benign tissue.
 */
export function measureTypeMatch(similarity: Float32Array, tiles: readonly Tile[], passages: readonly Passage[]): TypeMatchResult {
  const hits = { lung_aca: 0, lung_n: 0, lung_scc: 0 };
  const totals = { lung_aca: 0, lung_n: 0, lung_scc: 0 };
  tiles.forEach((tile, row) => {
    let best = 0;
    for (let column = 1; column < passages.length; column++) if (similarity[row * passages.length + column] > similarity[row * passages.length + best]) best = column;
    totals[tile.className] += 1;
    if (passages[best].className === tile.className) hits[tile.className] += 1;
  });

  const perClass = Object.fromEntries(TILE_CLASSES.map((name) => [name, totals[name] ? hits[name] / totals[name] : 0])) as Record<TileClass, number>;
  const totalHits = hits.lung_aca + hits.lung_n + hits.lung_scc;
  return { typeMatch: totalHits / tiles.length, perClass, tiles: tiles.length, passages: passages.length };
}

/**
 * Measures instance-level recall on fixed pairs, where row i of `imageEmbeds` is paired with row i of
 * `pairedTextEmbeds`. Recall@k is the fraction of tiles whose own passage is among their k most similar
 * passages of the pair list, and the reverse for text-to-image. Chance level is k / pairs.
 */
export function measurePairRecall(imageEmbeds: tf.Tensor2D, pairedTextEmbeds: tf.Tensor2D): PairRecallResult {
  const pairs = imageEmbeds.shape[0];
  const similarity = cosineSimilarityMatrix(imageEmbeds, pairedTextEmbeds);
  const reverse = cosineSimilarityMatrix(pairedTextEmbeds, imageEmbeds);
  return {
    imageToTextAt1: recallAtK(similarity, pairs, pairs, 1),
    imageToTextAt5: recallAtK(similarity, pairs, pairs, 5),
    textToImageAt1: recallAtK(reverse, pairs, pairs, 1),
    pairs,
  };
}
