import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseSafetensorsHeader, readSafetensors, readShardedSafetensors } from '../../../src/core/clip/safetensors-reader';
import { TINY_CLIP_DIR } from './tiny-clip-fixture';

interface EntrySpec {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Builds safetensors bytes from a header object and a data section. */
function buildSafetensors(header: Record<string, EntrySpec | Record<string, string>>, data: Uint8Array, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

const validHeader = {
  __metadata__: { format: 'pt' },
  a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] as [number, number] },
  b: { dtype: 'F32', shape: [1, 2], data_offsets: [8, 16] as [number, number] },
};
const validData = float32Bytes([1, 2, 3, 4]);

describe('readSafetensors', () => {
  it('reads F32 tensors and ignores __metadata__', () => {
    const tensors = readSafetensors(buildSafetensors(validHeader, validData), 'valid.safetensors');

    expect([...tensors.keys()]).toEqual(['a', 'b']);
    expect(Array.from(tensors.get('b')!.values)).toEqual([3, 4]);
    expect(tensors.get('b')!.shape).toEqual([1, 2]);
  });

  it('reads an unaligned Node Buffer view', () => {
    const padded = Buffer.concat([Buffer.alloc(3), Buffer.from(buildSafetensors(validHeader, validData))]);
    const tensors = readSafetensors(padded.subarray(3), 'buffer.safetensors');

    expect(Array.from(tensors.get('a')!.values)).toEqual([1, 2]);
    expect(Array.from(tensors.get('b')!.values)).toEqual([3, 4]);
  });

  it('converts F16, BF16 and I64 values', () => {
    const data = new Uint8Array(2 * 2 + 2 * 2 + 2 * 8);
    const view = new DataView(data.buffer);
    view.setUint16(0, 0x3c00, true); // 1.0 in binary16
    view.setUint16(2, 0xc500, true); // -5.0 in binary16
    view.setUint16(4, 0x3fc0, true); // 1.5 in bfloat16
    view.setUint16(6, 0xc2f7, true); // -123.5 in bfloat16
    view.setBigInt64(8, 7n, true);
    view.setBigInt64(16, -3n, true);
    const bytes = buildSafetensors(
      {
        half: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
        brain: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
        ids: { dtype: 'I64', shape: [2], data_offsets: [8, 24] },
      },
      data,
    );

    const tensors = readSafetensors(bytes, 'mixed.safetensors');
    expect(Array.from(tensors.get('half')!.values)).toEqual([1, -5]);
    expect(Array.from(tensors.get('brain')!.values)).toEqual([1.5, -123.5]);
    expect(Array.from(tensors.get('ids')!.values)).toEqual([7, -3]);
    expect(tensors.get('ids')!.dtype).toBe('int32');
  });

  it('reads the mixed-dtype fixture checkpoint', () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(TINY_CLIP_DIR, 'model.safetensors')));
    const tensors = readSafetensors(bytes, 'model.safetensors');

    expect(tensors.get('text_model.embeddings.token_embedding.weight')!.shape).toEqual([49408, 64]);
    expect(tensors.get('logit_scale')!.shape).toEqual([]);
    expect(tensors.get('logit_scale')!.values[0]).toBeCloseTo(Math.log(1 / 0.07), 5);
  });

  it('rejects a file shorter than the length prefix', () => {
    expect(() => readSafetensors(new Uint8Array(5), 'tiny.safetensors')).toThrow(/tiny\.safetensors: truncated/);
  });

  it('rejects a header length past the file end', () => {
    const bytes = buildSafetensors(validHeader, validData);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 62n, true);
    expect(() => readSafetensors(bytes, 'huge.safetensors')).toThrow(/huge\.safetensors: safetensors header length 4611686018427387904 runs past the end/);
  });

  it('rejects a truncated data section', () => {
    const bytes = buildSafetensors(validHeader, validData);
    expect(() => readSafetensors(bytes.subarray(0, bytes.length - 4), 'cut.safetensors')).toThrow(/"b": data_offsets \[8, 16\] are out of range: the data section has 12 bytes/);
  });

  it('rejects an invalid JSON header', () => {
    const bytes = buildSafetensors({}, validData, '{"a": {"dtype": "F32",');
    expect(() => readSafetensors(bytes, 'broken.safetensors')).toThrow(/broken\.safetensors: invalid safetensors JSON header/);
  });

  it('rejects overlapping data offsets', () => {
    const header = { ...validHeader, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] as [number, number] } };
    expect(() => readSafetensors(buildSafetensors(header, validData), 'overlap.safetensors')).toThrow(/"a" \[0, 8\] and "b" \[4, 12\] have overlapping data_offsets/);
  });

  it('rejects out-of-range data offsets', () => {
    const header = { ...validHeader, b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] as [number, number] } };
    expect(() => readSafetensors(buildSafetensors(header, validData), 'range.safetensors')).toThrow(/"b": data_offsets \[16, 24\] are out of range/);
  });

  it('rejects a shape that disagrees with the byte length', () => {
    const header = { ...validHeader, b: { dtype: 'F32', shape: [3], data_offsets: [8, 16] as [number, number] } };
    expect(() => readSafetensors(buildSafetensors(header, validData), 'shape.safetensors')).toThrow(/"b": shape \[3\] of F32 needs 12 bytes but data_offsets \[8, 16\] span 8/);
  });

  it('rejects an unknown dtype', () => {
    const header = { ...validHeader, b: { dtype: 'F8_E4M3', shape: [8], data_offsets: [8, 16] as [number, number] } };
    expect(() => readSafetensors(buildSafetensors(header, validData), 'dtype.safetensors')).toThrow(/"b": unknown dtype "F8_E4M3"/);
  });

  it('parses header without decoding tensors', () => {
    const header = parseSafetensorsHeader(buildSafetensors(validHeader, validData), 'valid.safetensors');
    expect(header.entries.map((entry) => entry.name)).toEqual(['a', 'b']);
    expect(header.metadata).toEqual({ format: 'pt' });
  });
});

describe('readShardedSafetensors', () => {
  const shard1 = buildSafetensors({ a: validHeader.a }, float32Bytes([1, 2]));
  const shard2 = buildSafetensors({ b: { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] } }, float32Bytes([3, 4]));
  const index = (weightMap: Record<string, string>): Uint8Array => new TextEncoder().encode(JSON.stringify({ metadata: {}, weight_map: weightMap }));

  it('joins the tensors of every shard', () => {
    const files = new Map([
      ['model-00001-of-00002.safetensors', shard1],
      ['model-00002-of-00002.safetensors', shard2],
    ]);
    const tensors = readShardedSafetensors(index({ a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' }), files);
    expect(Array.from(tensors.get('a')!.values)).toEqual([1, 2]);
    expect(Array.from(tensors.get('b')!.values)).toEqual([3, 4]);
  });

  it('names a missing shard file', () => {
    const files = new Map([['model-00001-of-00002.safetensors', shard1]]);
    expect(() => readShardedSafetensors(index({ a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' }), files)).toThrow(
      /shard "model-00002-of-00002\.safetensors" is listed in weight_map but was not provided/,
    );
  });

  it('names a tensor missing from its shard', () => {
    const files = new Map([['model-00001-of-00002.safetensors', shard1]]);
    expect(() => readShardedSafetensors(index({ a: 'model-00001-of-00002.safetensors', c: 'model-00001-of-00002.safetensors' }), files)).toThrow(
      /tensor "c" is listed in weight_map/,
    );
  });
});
