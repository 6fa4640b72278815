import { unzipSync } from 'fflate';

import { type CheckpointTensor, type CheckpointTensors, type StoredDtype, STORED_DTYPE_BYTES, countElements, decodeElements } from './checkpoint-tensor';
import { type PickleTensor, type PickleValue, type TorchStorageDtype, restrictedUnpickle } from './restricted-unpickler';

/**
 * Reader for PyTorch zip checkpoints (`torch.save` since PyTorch 1.6: `pytorch_model.bin`, `.pt`).
 * The archive contains `<prefix>/data.pkl`, the pickled state dict, and `<prefix>/data/<key>`, one raw
 * little-endian storage per key. The pickle is read by a restricted interpreter that executes nothing.
 */

const STORED_DTYPE_OF: Record<TorchStorageDtype, StoredDtype> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
};

/** Reads every tensor of a PyTorch zip checkpoint. */
export function readTorchCheckpoint(bytes: Uint8Array, fileName: string): CheckpointTensors {
  const entries = unzipCheckpoint(bytes, fileName);

  const pickleName = Object.keys(entries).find((name) => name === 'data.pkl' || name.endsWith('/data.pkl'));
  if (!pickleName) {
    throw new Error(`${fileName}: no data.pkl in the archive. Only zip checkpoints written by torch.save (PyTorch 1.6 or later) are supported.`);
  }
  const prefix = pickleName.slice(0, pickleName.length - 'data.pkl'.length);

  const byteOrder = entries[`${prefix}byteorder`];
  if (byteOrder && new TextDecoder().decode(byteOrder).trim() !== 'little') {
    throw new Error(`${fileName}: big-endian storages are not supported. Re-save the checkpoint on a little-endian machine.`);
  }

  const stateDict = findStateDict(restrictedUnpickle(entries[pickleName], fileName), fileName);

  const tensors: CheckpointTensors = new Map();
  for (const [name, value] of stateDict) {
    if (typeof name !== 'string' || (value as PickleTensor | null)?.kind !== 'tensor') continue;
    tensors.set(name, materialiseTensor(value as PickleTensor, name, entries, prefix, fileName));
  }
  return tensors;
}

function unzipCheckpoint(bytes: Uint8Array, fileName: string): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes);
  } catch (error) {
    throw new Error(`${fileName}: not a readable zip archive (${(error as Error).message}). Legacy non-zip torch checkpoints are not supported; re-save with torch.save or convert to safetensors.`);
  }
}

/** Accepts a bare state dict or the common `{"state_dict": ...}` / `{"model": ...}` wrappers. */
function findStateDict(root: PickleValue, fileName: string): Map<PickleValue, PickleValue> {
  if (!(root instanceof Map)) {
    throw new Error(`${fileName}: the pickled object is not a state dict (a dict of tensor names to tensors).`);
  }
  for (const wrapperKey of ['state_dict', 'model']) {
    const inner = root.get(wrapperKey);
    if (inner instanceof Map) return inner;
  }
  return root;
}

function materialiseTensor(
  tensor: PickleTensor,
  name: string,
  entries: Record<string, Uint8Array>,
  prefix: string,
  fileName: string,
): CheckpointTensor {
  const { storage, storageOffset, shape, strides } = tensor;
  const where = `${fileName}: tensor "${name}"`;
  const storedDtype = STORED_DTYPE_OF[storage.dtype];
  const elementBytes = STORED_DTYPE_BYTES[storedDtype];

  const storageBytes = entries[`${prefix}data/${storage.key}`];
  if (!storageBytes) {
    throw new Error(`${where}: storage "${prefix}data/${storage.key}" is missing from the archive. The file is truncated or damaged.`);
  }
  if (storageBytes.byteLength < storage.elementCount * elementBytes) {
    throw new Error(`${where}: storage "${storage.key}" has ${storageBytes.byteLength} bytes but declares ${storage.elementCount} ${storage.dtype} elements.`);
  }
  if (shape.length !== strides.length) {
    throw new Error(`${where}: size [${shape.join(', ')}] and stride [${strides.join(', ')}] have different ranks.`);
  }

  // Bound the element count by the storage so a damaged pickle cannot request unbounded memory.
  // NOTE: this rejects views that repeat elements through zero strides, which state dicts never store.
  const count = countElements(shape);
  let lastIndex = storageOffset;
  for (let axis = 0; axis < shape.length; axis++) lastIndex += Math.max(shape[axis] - 1, 0) * strides[axis];
  if (count > 0 && (lastIndex >= storage.elementCount || count > storage.elementCount)) {
    throw new Error(`${where}: size [${shape.join(', ')}], stride [${strides.join(', ')}] and offset ${storageOffset} reach past its storage of ${storage.elementCount} elements.`);
  }

  const isFloat = storedDtype.startsWith('F') || storedDtype === 'BF16';
  const dtype: 'float32' | 'int32' = isFloat ? 'float32' : 'int32';
  if (isContiguous(shape, strides)) {
    const values = decodeElements(storageBytes, storageOffset * elementBytes, count, storedDtype, name);
    return { dtype, shape, values };
  }

  const source = decodeElements(storageBytes, 0, storage.elementCount, storedDtype, name);
  const values = isFloat ? new Float32Array(count) : new Int32Array(count);
  gatherStrided(source, values, shape, strides, storageOffset);
  return { dtype, shape, values };
}

function isContiguous(shape: number[], strides: number[]): boolean {
  let expected = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    if (shape[axis] !== 1 && strides[axis] !== expected) return false;
    expected *= shape[axis];
  }
  return true;
}

/** Copies a strided view into row-major order by walking an index counter over the shape. */
function gatherStrided(
  source: Float32Array | Int32Array,
  target: Float32Array | Int32Array,
  shape: number[],
  strides: number[],
  offset: number,
): void {
  const rank = shape.length;
  const counter = new Array<number>(rank).fill(0);
  let sourceIndex = offset;

  for (let targetIndex = 0; targetIndex < target.length; targetIndex++) {
    target[targetIndex] = source[sourceIndex];

    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis]++;
      sourceIndex += strides[axis];
      if (counter[axis] < shape[axis]) break;
      sourceIndex -= counter[axis] * strides[axis];
      counter[axis] = 0;
    }
  }
}
