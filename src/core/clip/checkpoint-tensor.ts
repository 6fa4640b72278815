/**
 * A tensor read from a checkpoint file, already converted to a JavaScript typed array.
 * Floating-point storages (F32, F16, BF16, F64) become Float32Array; integer buffers
 * such as `position_ids` become Int32Array.
 */
export interface CheckpointTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

/** Tensors by name, in the order the file lists them. */
export type CheckpointTensors = Map<string, CheckpointTensor>;

/** Element type of a stored buffer, named as in the safetensors format. */
export type StoredDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const STORED_DTYPE_BYTES: Record<StoredDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export function isStoredDtype(value: unknown): value is StoredDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(STORED_DTYPE_BYTES, value);
}

export function countElements(shape: readonly number[]): number {
  let count = 1;
  for (const size of shape) count *= size;
  return count;
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Converts one IEEE 754 binary16 value (given as its 16 bits) to a number. */
export function halfBitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;

  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Decodes `count` little-endian elements of `dtype` starting at `byteOffset` of `bytes`.
 * The caller has already checked that the range lies inside `bytes`.
 * Integer values outside the int32 range raise, because tfjs has no int64 tensors.
 */
export function decodeElements(
  bytes: Uint8Array,
  byteOffset: number,
  count: number,
  dtype: StoredDtype,
  tensorName: string,
): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, count * STORED_DTYPE_BYTES[dtype]);

  switch (dtype) {
    case 'F32': {
      // Copying the bytes aligns them. Uint8Array.prototype.slice copies even for a Node Buffer,
      // whose own slice returns a view of the whole pool.
      if (HOST_IS_LITTLE_ENDIAN) {
        return new Float32Array(Uint8Array.prototype.slice.call(bytes, byteOffset, byteOffset + count * 4).buffer);
      }
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfBitsToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      // bfloat16 is the upper half of a float32, so shifting the bits left by 16 is exact.
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const value = view.getBigInt64(i * 8, true);
        if (value > 2147483647n || value < -2147483648n) {
          throw new Error(`Tensor "${tensorName}": int64 value ${value} at element ${i} does not fit in int32, which is the widest integer type tfjs supports.`);
        }
        out[i] = Number(value);
      }
      return out;
    }
    case 'I32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'I8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      return out;
    }
    case 'U8':
    case 'BOOL': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      return out;
    }
  }
}
