/** Typed reads of optional fields from parsed JSON config files, with the file name in every error. */

export function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function readNumber(object: Record<string, unknown>, key: string, fallback: number, source: string): number {
  const value = object[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${source}: "${key}" must be a number, got ${JSON.stringify(value)}.`);
  }
  return value;
}

export function readTriple(
  object: Record<string, unknown>,
  key: string,
  fallback: [number, number, number],
  source: string,
): [number, number, number] {
  const value = object[key];
  if (value === undefined || value === null) return fallback;
  if (!Array.isArray(value) || value.length !== 3 || !value.every((item) => typeof item === 'number')) {
    throw new Error(`${source}: "${key}" must be an array of 3 numbers, got ${JSON.stringify(value)}.`);
  }
  return value as [number, number, number];
}
