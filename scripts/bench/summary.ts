/**
 * Turns the runs of `npm run bench` into a table: one row per metric, one column per backend,
 * each cell the median of the runs with min-max, and the webgpu/cpu and webgpu/webgl ratios.
 */

/** A figure of one path: `rate` is better when higher (images/s), `time` when lower (ms), `count` is neither. */
export interface MetricSpec {
  id: string;
  label: string;
  kind: 'rate' | 'time' | 'count';
  digits: number;
}

/** Values of one metric on one backend, one per run that produced it, plus notes such as "timed out". */
export interface MetricCell {
  values: number[];
  notes: string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Formats a number with `digits` decimals, or 3 significant digits when that would print 0. */
export function formatNumber(value: number, digits: number): string {
  if (value !== 0 && Math.abs(value) < 10 ** -digits) return value.toPrecision(2);
  return value.toFixed(digits);
}

/** "median (min-max)" over several runs, the value alone for one run; notes follow in brackets. */
export function formatCell(cell: MetricCell | undefined, digits: number): string {
  if (!cell || (cell.values.length === 0 && cell.notes.length === 0)) return 'n/a';
  const notes = [...new Set(cell.notes)];
  if (cell.values.length === 0) return notes.join('; ');

  const { values } = cell;
  let text = formatNumber(median(values), digits);
  if (values.length > 1) text += ` (${formatNumber(Math.min(...values), digits)}-${formatNumber(Math.max(...values), digits)})`;
  return notes.length > 0 ? `${text} [${notes.join('; ')}]` : text;
}

/**
 * Returns how many times faster backend `a` is than `b` on a metric, from the medians: a/b for rates,
 * b/a for times. Undefined for counts or when either side has no value.
 */
export function speedRatio(kind: MetricSpec['kind'], a: MetricCell | undefined, b: MetricCell | undefined): number | undefined {
  if (kind === 'count' || !a?.values.length || !b?.values.length) return undefined;
  const medianA = median(a.values);
  const medianB = median(b.values);
  if (medianA <= 0 || medianB <= 0) return undefined;
  return kind === 'rate' ? medianA / medianB : medianB / medianA;
}

export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined) return '';
  return ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toPrecision(2);
}

/** Markdown table with a column per backend and, when those backends are present, the two ratios. */
export function formatTable(metrics: readonly MetricSpec[], backends: readonly string[], cells: ReadonlyMap<string, ReadonlyMap<string, MetricCell>>): string {
  const ratioPairs: [string, string][] = [
    ['webgpu', 'cpu'],
    ['webgpu', 'webgl'],
  ].filter(([a, b]) => backends.includes(a) && backends.includes(b)) as [string, string][];

  const header = ['path', ...backends, ...ratioPairs.map(([a, b]) => `${a}/${b}`)];
  const rows = metrics
    .filter((metric) => cells.has(metric.id))
    .map((metric) => {
      const byBackend = cells.get(metric.id)!;
      return [
        metric.label,
        ...backends.map((backend) => formatCell(byBackend.get(backend), metric.digits)),
        ...ratioPairs.map(([a, b]) => formatRatio(speedRatio(metric.kind, byBackend.get(a), byBackend.get(b)))),
      ];
    });

  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
