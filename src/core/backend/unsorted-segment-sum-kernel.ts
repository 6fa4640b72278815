import * as tf from '@tensorflow/tfjs-core';

import { kernelInput } from './kernel-tensors';

/**
 * `UnsortedSegmentSum` (the gradient of `gather`, so of embedding lookups) written as
 * one `scatterND`, which adds updates that share an index.
 *
 * out[s, ...] = sum of x[i, ...] over the positions i (of segmentIds' shape) where segmentIds[i] == s.
 * Ids outside [0, numSegments) contribute nothing, as in TensorFlow. They are sent to
 * segment 0 with a zero update rather than masked by multiplication, so a NaN or
 * Infinity in a dropped row cannot leak into the sums.
 */
export function unsortedSegmentSum(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;

  return tf.tidy(() => {
    const x = kernelInput(tf.UnsortedSegmentSum, args.inputs, 'x');
    const segmentIds = kernelInput(tf.UnsortedSegmentSum, args.inputs, 'segmentIds');

    const idsRank = segmentIds.rank;
    const leading = x.shape.slice(0, idsRank);
    if (segmentIds.shape.some((size, i) => size !== leading[i])) {
      throw new Error(
        `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]. ` +
          'Pass one segment id per leading element of x.',
      );
    }
    if (!Number.isInteger(numSegments) || numSegments < 0) {
      throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}.`);
    }

    const sliceShape = x.shape.slice(idsRank);
    const outShape = [numSegments, ...sliceShape];
    const count = segmentIds.size;
    if (count === 0 || numSegments === 0) return tf.zeros(outShape, x.dtype);

    const ids = tf.reshape(tf.cast(segmentIds, 'int32'), [count]);
    const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
    const safeIds = tf.where(valid, ids, tf.zerosLike(ids));

    const sliceSize = sliceShape.reduce((product, size) => product * size, 1);
    const rows = tf.reshape(x, [count, sliceSize]);
    const validRows = tf.tile(tf.reshape(valid, [count, 1]), [1, sliceSize]);
    const updates = tf.where(validRows, rows, tf.zerosLike(rows));

    const summed = tf.scatterND(tf.reshape(safeIds, [count, 1]), updates, [numSegments, sliceSize]);
    return tf.reshape(summed, outShape);
  });
}
