/**
 * Merges neighbouring axes that an index computation can treat as one, so a shader divides the
 * thread index by as few sizes as possible. `sameRun(axis)` returns whether `axis` continues the run
 * of the axis before it.
 */
export function mergeAxes<T>(sizes: number[], sameRun: (axis: number) => boolean, merge: (run: number[]) => T): T[] {
  const runs: number[][] = [];
  sizes.forEach((_, axis) => {
    if (axis > 0 && sameRun(axis)) runs[runs.length - 1]!.push(axis);
    else runs.push([axis]);
  });
  return runs.map(merge);
}

/**
 * Returns, for axes of the given sizes (outermost first), the WGSL expression of each axis's
 * coordinate in a row-major index named `thread`.
 */
export function threadCoordinates(sizes: number[]): string[] {
  return sizes.map((size, i) => {
    const inner = sizes.slice(i + 1).reduce((product, axisSize) => product * axisSize, 1);
    return `((thread / ${inner}) % ${size})`;
  });
}
