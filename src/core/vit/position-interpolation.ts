import * as tf from '@tensorflow/tfjs-core';

/**
 * Resizing of a ViT's patch position embeddings to another patch grid, as transformers'
 * ViTEmbeddings.interpolate_pos_encoding does it: torch.nn.functional.interpolate with
 * mode "bicubic", align_corners=False (cubic convolution with a = -0.75, source coordinate
 * (i + 0.5) * in / out - 0.5, indices clamped at the border).
 * NOTE: timm resamples with antialias=True, which differs from this when the grid shrinks.
 */

/** torch's bicubic coefficient. */
const CUBIC_A = -0.75;

function cubicWeight(distance: number): number {
  const t = Math.abs(distance);
  if (t <= 1) return ((CUBIC_A + 2) * t - (CUBIC_A + 3)) * t * t + 1;
  if (t < 2) return ((CUBIC_A * t - 5 * CUBIC_A) * t + 8 * CUBIC_A) * t - 4 * CUBIC_A;
  return 0;
}

/** Interpolation matrix [outSize, inSize]: row i contains the weights of the input positions for output position i. */
export function bicubicMatrix(inSize: number, outSize: number): Float32Array {
  const matrix = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const source = (i + 0.5) * scale - 0.5;
    const floor = Math.floor(source);
    const fraction = source - floor;
    for (let offset = -1; offset <= 2; offset++) {
      const index = Math.min(Math.max(floor + offset, 0), inSize - 1);
      matrix[i * inSize + index] += cubicWeight(offset - fraction);
    }
  }
  return matrix;
}

/**
 * Resizes patch position embeddings [grid * grid, hidden] (row-major over the grid) to
 * [outGrid * outGrid, hidden]. The 2-D bicubic resize is separable, so it is two matrix products.
 */
export function interpolatePatchPositions(positions: tf.Tensor2D, grid: number, outGrid: number): tf.Tensor2D {
  return tf.tidy(() => {
    const hidden = positions.shape[1];
    const weights = tf.tensor2d(bicubicMatrix(grid, outGrid), [outGrid, grid]);

    // Rows: [grid, grid * hidden] -> [outGrid, grid * hidden].
    const rows = tf.matMul(weights, tf.reshape(positions, [grid, grid * hidden]));

    // Columns: move the column axis first, resize it, move it back.
    const columnsFirst = tf.reshape(tf.transpose(tf.reshape(rows, [outGrid, grid, hidden]), [1, 0, 2]), [grid, outGrid * hidden]);
    const columns = tf.reshape(tf.matMul(weights, columnsFirst), [outGrid, outGrid, hidden]);
    return tf.reshape(tf.transpose(columns, [1, 0, 2]), [outGrid * outGrid, hidden]);
  });
}
