/**
 * Small dense linear algebra for 3-channel colour work: 3x3 inverse,
 * symmetric eigen-decomposition and percentiles.
 */

export type Matrix3 = number[][];

/** Inverse of a 3x3 matrix by cofactors; throws when it is singular. */
export function invert3x3(m: readonly (readonly number[])[]): Matrix3 {
  const [a, b, c] = m[0];
  const [d, e, f] = m[1];
  const [g, h, i] = m[2];
  const cofactor00 = e * i - f * h;
  const cofactor01 = -(d * i - f * g);
  const cofactor02 = d * h - e * g;
  const det = a * cofactor00 + b * cofactor01 + c * cofactor02;
  if (Math.abs(det) < 1e-12) {
    throw new Error(`Matrix ${JSON.stringify(m)} is singular (determinant ${det}); its rows must be independent.`);
  }

  return [
    [cofactor00 / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [cofactor01 / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [cofactor02 / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

export interface SymmetricEigen3 {
  /** Eigenvalues in ascending order (as numpy.linalg.eigh returns them). */
  values: [number, number, number];

  /** vectors[k] is the unit eigenvector of values[k]. */
  vectors: [number[], number[], number[]];
}

/**
 * Eigen-decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations.
 * Converges to machine precision in well under 50 sweeps for 3x3 input.
 */
export function symmetricEigen3(matrix: readonly (readonly number[])[]): SymmetricEigen3 {
  const a = matrix.map((row) => row.slice());
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];

  for (let sweep = 0; sweep < 50; sweep++) {
    const offDiagonal = Math.abs(a[0][1]) + Math.abs(a[0][2]) + Math.abs(a[1][2]);
    if (offDiagonal < 1e-15 * (Math.abs(a[0][0]) + Math.abs(a[1][1]) + Math.abs(a[2][2]) + 1e-300)) break;

    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      if (a[p][q] === 0) continue;

      // Rotation that zeroes a[p][q]; t = tan(angle) is the smaller root of t^2 + 2 theta t - 1 = 0, for stability.
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;

      for (let k = 0; k < 3; k++) {
        const akp = a[k][p];
        const akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k];
        const aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p];
        const vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }

  const order = [0, 1, 2].sort((i, j) => a[i][i] - a[j][j]);
  return {
    values: [a[order[0]][order[0]], a[order[1]][order[1]], a[order[2]][order[2]]],
    vectors: [
      [v[0][order[0]], v[1][order[0]], v[2][order[0]]],
      [v[0][order[1]], v[1][order[1]], v[2][order[1]]],
      [v[0][order[2]], v[1][order[2]], v[2][order[2]]],
    ],
  };
}

/**
 * Percentile with linear interpolation between order statistics (numpy's
 * default method). `p` is in [0, 100]. Sorts a copy of `values`.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) throw new Error('percentile: the value array is empty.');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile: p must be in [0, 100], got ${p}.`);

  const sorted = Float64Array.from(values).sort();
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (rank - lower) * (sorted[upper] - sorted[lower]);
}
