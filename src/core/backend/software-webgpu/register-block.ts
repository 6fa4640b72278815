/**
 * WGSL snippets for a rows x cols block of accumulators held in registers by one thread.
 *
 * SwiftShader runs each invocation as one SIMD lane on the CPU, and workgroup barriers
 * there are costly, so the tiled shared-memory kernels of tfjs run at a fraction of the
 * CPU's speed. A thread that keeps a small block of outputs in registers and reads its
 * operands straight from storage does several times better. Measured in Chromium 156 on 2 CPU
 * cores for a 1024 x 64 x 1024 product: 0.44 GFLOP/s for the tfjs matmul, 2.6 GFLOP/s for an
 * 8 x 4 block.
 */
export interface RegisterBlock {
  rows: number;
  cols: number;
}

function each(block: RegisterBlock, line: (r: number, c: number) => string): string {
  const lines: string[] = [];
  for (let r = 0; r < block.rows; r++) for (let c = 0; c < block.cols; c++) lines.push(line(r, c));
  return lines.join('\n');
}

/** Declares the accumulators `acc_r_c`, all zero. */
export function declareAccumulators(block: RegisterBlock): string {
  return each(block, (r, c) => `var acc_${r}_${c} = 0.0;`);
}

/** Adds `a_r * b_c` to every accumulator; `a_r` and `b_c` must be in scope. */
export function accumulate(block: RegisterBlock): string {
  return each(block, (r, c) => `acc_${r}_${c} = fma(a_${r}, b_${c}, acc_${r}_${c});`);
}

/** Writes each accumulator whose row and column exist; `index(r, c)` gives its output index. */
export function storeAccumulators(block: RegisterBlock, rowValid: (r: number) => string, colValid: (c: number) => string, index: (r: number, c: number) => string): string {
  return each(block, (r, c) => `if (${rowValid(r)} && ${colValid(c)}) { result[${index(r, c)}] = acc_${r}_${c}; }`);
}

/** Repeats `line(i)` for i in [0, count). */
export function unroll(count: number, line: (i: number) => string): string {
  return Array.from({ length: count }, (_, i) => line(i)).join('\n');
}

/** Columns per thread: `max` (4 unless given), or fewer when the output has fewer columns. */
export function blockCols(columns: number, max = 4): number {
  return Math.max(1, Math.min(max, columns));
}
