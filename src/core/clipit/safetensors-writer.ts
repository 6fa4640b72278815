/**
 * Writer for the safetensors format (https://huggingface.co/docs/safetensors): an unsigned
 * 64-bit little-endian header length N, N bytes of JSON mapping each name to
 * `{dtype, shape, data_offsets}`, then the tensor bytes. Writes float32 only. The header is
 * padded with spaces to a multiple of 8 bytes, as the reference implementation does, so every
 * tensor starts 8-byte aligned.
 */

export interface Float32TensorData {
  shape: readonly number[];
  values: Float32Array;
}

export function writeSafetensors(tensors: ReadonlyMap<string, Float32TensorData>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;

  let offset = 0;
  for (const [name, tensor] of tensors) {
    const count = tensor.shape.reduce((product, size) => product * size, 1);
    if (count !== tensor.values.length) {
      throw new Error(`safetensors writer: tensor "${name}" has ${tensor.values.length} values but shape [${tensor.shape.join(', ')}] needs ${count}.`);
    }
    header[name] = { dtype: 'F32', shape: [...tensor.shape], data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);

  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);

  let position = 8 + headerLength;
  for (const tensor of tensors.values()) {
    for (let i = 0; i < tensor.values.length; i++) view.setFloat32(position + i * 4, tensor.values[i], true);
    position += tensor.values.length * 4;
  }
  return bytes;
}
