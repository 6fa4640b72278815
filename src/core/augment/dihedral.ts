/**
 * Flips and 90-degree rotations of images as pixel index maps, so a whole
 * batch with a different transform per image is one `tf.gather`.
 */

export interface DihedralTransform {
  flipHorizontal: boolean;
  flipVertical: boolean;

  /** Number of 90-degree counter-clockwise turns, 0..3, applied after the flips. */
  quarterTurns: number;
}

/**
 * Returns, for each output pixel in row-major order, the row-major index of
 * the input pixel it copies. Output = rot90^k(flipV(flipH(input))), where one
 * rot90 maps A (h x w) to B (w x h) with B[i][j] = A[j][w - 1 - i], as
 * numpy.rot90 does. Odd turns need a square image, so the output keeps the
 * input shape.
 */
export function dihedralSourceIndices(height: number, width: number, transform: DihedralTransform): Int32Array {
  const turns = ((transform.quarterTurns % 4) + 4) % 4;
  if (turns % 2 === 1 && height !== width) {
    throw new Error(
      `Cannot rotate a ${height}x${width} image by ${turns * 90} degrees in place; odd quarter turns need a square image.`,
    );
  }

  const indices = new Int32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Undo the rotations one by one: B (hB x wB) at (i, j) came from A at (j, hB - 1 - i).
      let i = y;
      let j = x;
      let rows = height;
      let cols = width;
      for (let t = 0; t < turns; t++) {
        const previousI = j;
        const previousJ = rows - 1 - i;
        i = previousI;
        j = previousJ;
        const swap = rows;
        rows = cols;
        cols = swap;
      }

      if (transform.flipHorizontal) j = width - 1 - j;
      if (transform.flipVertical) i = height - 1 - i;
      indices[y * width + x] = i * width + j;
    }
  }
  return indices;
}

/** Tests whether the transform leaves the image unchanged. */
export function isIdentity(transform: DihedralTransform): boolean {
  return !transform.flipHorizontal && !transform.flipVertical && transform.quarterTurns % 4 === 0;
}
