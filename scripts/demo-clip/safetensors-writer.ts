/**
 * Writes float32 tensors in the safetensors format (huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header with dtype, shape and byte offsets per tensor, then the raw data.
 */

export interface NamedTensor {
  shape: number[];
  values: Float32Array;
}

/** Serialises `tensors` as F32 safetensors, names sorted, with `metadata` under `__metadata__`. */
export function writeSafetensors(tensors: ReadonlyMap<string, NamedTensor>, metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const name of names) {
    const { shape, values } = tensors.get(name)!;
    const expected = shape.reduce((product, size) => product * size, 1);
    if (values.length !== expected) throw new Error(`safetensors writer: tensor "${name}" has ${values.length} values but shape [${shape.join(', ')}] needs ${expected}.`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + values.byteLength] };
    offset += values.byteLength;
  }

  // The format allows trailing spaces in the header; padding to 8 bytes keeps the data aligned.
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(headerText);

  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const name of names) {
    const { values } = tensors.get(name)!;
    // Typed arrays are little-endian on every platform Node and browsers run on.
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), position);
    position += values.byteLength;
  }
  return out;
}
