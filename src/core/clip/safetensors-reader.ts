import {
  type CheckpointTensors,
  type StoredDtype,
  STORED_DTYPE_BYTES,
  countElements,
  decodeElements,
  isStoredDtype,
} from './checkpoint-tensor';

/**
 * Reader for the safetensors format (https://huggingface.co/docs/safetensors):
 * an unsigned 64-bit little-endian header length N, N bytes of JSON mapping each tensor name to
 * `{dtype, shape, data_offsets: [begin, end]}`, then the byte buffer those offsets index into.
 */

/** The safetensors reference implementation rejects headers above 100 MB, and so does this reader. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  name: string;
  dtype: StoredDtype;
  shape: number[];
  /** Offsets relative to the start of the byte buffer that follows the header. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  /** Absolute offset of the byte buffer in the file. */
  dataStart: number;
  metadata: Record<string, string>;
}

/**
 * Parses and validates the header of a safetensors file without decoding any tensor.
 * Every size and offset is checked against the file length before anything is allocated.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileName: string): SafetensorsHeader {
  if (bytes.byteLength < 8) {
    throw new Error(`${fileName}: truncated safetensors file (${bytes.byteLength} bytes, the 8-byte header length alone is missing). Download the file again.`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    throw new Error(`${fileName}: safetensors header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes). The file is truncated or not a safetensors file.`);
  }
  if (headerLength > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new Error(`${fileName}: safetensors header length ${headerLength} exceeds the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit of the format.`);
  }

  const dataStart = 8 + Number(headerLength);
  const dataLength = bytes.byteLength - dataStart;
  const headerJson = parseHeaderJson(bytes.subarray(8, dataStart), fileName);

  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headerJson)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    entries.push(parseEntry(name, raw, dataLength, fileName));
  }

  checkNoOverlap(entries, fileName);
  return { entries, dataStart, metadata };
}

/** Reads every tensor of a single safetensors file. */
export function readSafetensors(bytes: Uint8Array, fileName: string): CheckpointTensors {
  const header = parseSafetensorsHeader(bytes, fileName);
  const tensors: CheckpointTensors = new Map();

  for (const entry of header.entries) {
    const count = countElements(entry.shape);
    const values = decodeElements(bytes, header.dataStart + entry.begin, count, entry.dtype, entry.name);
    const dtype = entry.dtype.startsWith('F') || entry.dtype === 'BF16' ? 'float32' : 'int32';
    tensors.set(entry.name, { dtype, shape: entry.shape, values });
  }
  return tensors;
}

/**
 * Reads a sharded checkpoint from its `model.safetensors.index.json` (`weight_map`: tensor name to
 * shard file name). `files` maps file names, relative to the model folder, to their bytes.
 */
export function readShardedSafetensors(
  indexBytes: Uint8Array,
  files: ReadonlyMap<string, Uint8Array>,
  indexName = 'model.safetensors.index.json',
): CheckpointTensors {
  let index: unknown;
  try {
    index = JSON.parse(new TextDecoder().decode(indexBytes));
  } catch (error) {
    throw new Error(`${indexName}: invalid JSON (${(error as Error).message}). Download the file again.`);
  }

  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null) {
    throw new Error(`${indexName}: missing "weight_map" object that maps tensor names to shard files.`);
  }

  const shardNames = new Set(Object.values(weightMap as Record<string, string>));
  const tensors: CheckpointTensors = new Map();
  for (const shardName of shardNames) {
    const shardBytes = files.get(shardName);
    if (!shardBytes) {
      throw new Error(`${indexName}: shard "${shardName}" is listed in weight_map but was not provided. Add it to the model folder.`);
    }
    for (const [name, tensor] of readSafetensors(shardBytes, shardName)) tensors.set(name, tensor);
  }

  for (const [name, shardName] of Object.entries(weightMap as Record<string, string>)) {
    if (!tensors.has(name)) {
      throw new Error(`${indexName}: tensor "${name}" is listed in weight_map under "${shardName}" but that shard does not contain it.`);
    }
  }
  return tensors;
}

function parseHeaderJson(headerBytes: Uint8Array, fileName: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw new Error(`${fileName}: invalid safetensors JSON header (${(error as Error).message}). The file is damaged or not a safetensors file.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${fileName}: invalid safetensors JSON header: expected an object of tensor entries.`);
  }
  return parsed as Record<string, unknown>;
}

function parseEntry(name: string, raw: unknown, dataLength: number, fileName: string): SafetensorsEntry {
  const where = `${fileName}: tensor "${name}"`;
  const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
  if (typeof entry !== 'object' || entry === null) {
    throw new Error(`${where}: header entry is not an object.`);
  }

  if (!isStoredDtype(entry.dtype)) {
    throw new Error(`${where}: unknown dtype ${JSON.stringify(entry.dtype)}. Supported: ${Object.keys(STORED_DTYPE_BYTES).join(', ')}.`);
  }

  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
    throw new Error(`${where}: invalid shape ${JSON.stringify(shape)}. Expected an array of non-negative integers.`);
  }

  const offsets = entry.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new Error(`${where}: invalid data_offsets ${JSON.stringify(offsets)}. Expected [begin, end] with 0 <= begin <= end.`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    throw new Error(`${where}: data_offsets [${begin}, ${end}] are out of range: the data section has ${dataLength} bytes. The file is truncated or damaged.`);
  }

  const expectedBytes = countElements(shape) * STORED_DTYPE_BYTES[entry.dtype];
  if (end - begin !== expectedBytes) {
    throw new Error(`${where}: shape [${shape.join(', ')}] of ${entry.dtype} needs ${expectedBytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}.`);
  }

  return { name, dtype: entry.dtype, shape: shape as number[], begin, end };
}

function checkNoOverlap(entries: SafetensorsEntry[], fileName: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    const current = sorted[i];
    if (current.begin < previous.end) {
      throw new Error(`${fileName}: tensors "${previous.name}" [${previous.begin}, ${previous.end}] and "${current.name}" [${current.begin}, ${current.end}] have overlapping data_offsets. The file is damaged.`);
    }
  }
}
