/** Formats a fraction as a percentage with one decimal, or a dash when it is undefined. */
export function percent(value: number | undefined | null): string {
  return value !== undefined && value !== null && Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '–';
}

/** Formats a byte count in bytes, KB, MB or GB (powers of 1024). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
