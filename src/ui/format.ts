/** Formats a fraction as a percentage with one decimal, or a dash when it is undefined. */
export function percent(value: number | undefined | null): string {
  return value !== undefined && value !== null && Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '–';
}
