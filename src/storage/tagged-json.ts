/**
 * JSON that keeps what IndexedDB records may contain but plain JSON loses:
 * typed arrays, ArrayBuffers, Maps, Sets and non-finite numbers (a diverged
 * loss is NaN). Each such value becomes an object with a `$type` tag.
 */

const TYPED_ARRAYS = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
} as const;

type TypedArrayName = keyof typeof TYPED_ARRAYS;

function toBase64(bytes: Uint8Array): string {
  let text = '';
  // Chunks keep String.fromCharCode below the engine's argument limit.
  for (let start = 0; start < bytes.length; start += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function encodeValue(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return { $type: 'number', value: String(value) };
  if (value instanceof ArrayBuffer) return { $type: 'ArrayBuffer', base64: toBase64(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name as TypedArrayName;
    if (name in TYPED_ARRAYS) {
      return { $type: name, base64: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
    }
  }
  if (value instanceof Map) return { $type: 'Map', entries: [...value.entries()].map(([k, v]) => [encodeValue(k), encodeValue(v)]) };
  if (value instanceof Set) return { $type: 'Set', values: [...value].map(encodeValue) };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeValue(v)]));
  }
  return value;
}

function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value === null || typeof value !== 'object') return value;

  const tagged = value as { $type?: string; base64?: string; value?: string; entries?: unknown[][]; values?: unknown[] };
  switch (tagged.$type) {
    case 'number':
      return Number(tagged.value);
    case 'ArrayBuffer':
      return fromBase64(tagged.base64 ?? '').buffer;
    case 'Map':
      return new Map((tagged.entries ?? []).map(([k, v]) => [decodeValue(k), decodeValue(v)]));
    case 'Set':
      return new Set((tagged.values ?? []).map(decodeValue));
    default:
      break;
  }
  if (tagged.$type !== undefined && tagged.$type in TYPED_ARRAYS) {
    const bytes = fromBase64(tagged.base64 ?? '');
    const Type = TYPED_ARRAYS[tagged.$type as TypedArrayName];
    return new Type(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / Type.BYTES_PER_ELEMENT);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeValue(v)]));
}

export function stringifyTagged(value: unknown): string {
  return JSON.stringify(encodeValue(value));
}

/** Parses text from `stringifyTagged`. Throws SyntaxError on invalid JSON. */
export function parseTagged(text: string): unknown {
  return decodeValue(JSON.parse(text));
}
