import fs from 'node:fs';
import path from 'node:path';

import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { readSafetensors } from '../../../src/core/clip/safetensors-reader';
import { readTorchCheckpoint } from '../../../src/core/clip/torch-pickle-reader';
import { TINY_CLIP_DIR, maxAbsDifference } from './tiny-clip-fixture';

/** Writes protocol-2 pickle opcodes the way torch.save lays out a state dict. */
class PickleWriter {
  private readonly bytes: number[] = [0x80, 2];

  raw(...values: number[]): this {
    this.bytes.push(...values);
    return this;
  }

  text(value: string): this {
    const encoded = new TextEncoder().encode(value);
    this.raw(0x58, encoded.length & 0xff, (encoded.length >> 8) & 0xff, 0, 0);
    this.bytes.push(...encoded);
    return this;
  }

  int(value: number): this {
    return this.raw(0x4a, value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff);
  }

  global(module: string, name: string): this {
    this.raw(0x63);
    this.bytes.push(...new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }

  mark(): this {
    return this.raw(0x28);
  }

  tuple(): this {
    return this.raw(0x74);
  }

  intTuple(values: number[]): this {
    this.mark();
    values.forEach((value) => this.int(value));
    return this.tuple();
  }

  emptyOrderedDict(): this {
    return this.global('collections', 'OrderedDict').raw(0x29, 0x52);
  }

  /** Pushes `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`. */
  tensor(storageClass: string, key: string, elementCount: number, offset: number, shape: number[], strides: number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().text('storage').global('torch', storageClass).text(key).text('cpu').int(elementCount).tuple().raw(0x51);
    this.int(offset).intTuple(shape).intTuple(strides).raw(0x89).emptyOrderedDict();
    return this.tuple().raw(0x52);
  }

  finish(): Uint8Array {
    return new Uint8Array([...this.bytes, 0x2e]);
  }
}

function buildCheckpoint(pickle: Uint8Array, storages: Record<string, Uint8Array>): Uint8Array {
  const entries: Record<string, Uint8Array> = {
    'archive/data.pkl': pickle,
    'archive/byteorder': new TextEncoder().encode('little'),
  };
  for (const [key, bytes] of Object.entries(storages)) entries[`archive/data/${key}`] = bytes;
  return zipSync(entries, { level: 0 });
}

const SIX_FLOATS = new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer);

describe('readTorchCheckpoint', () => {
  it('reads the fixture like model.safetensors', () => {
    const torch = readTorchCheckpoint(new Uint8Array(fs.readFileSync(path.join(TINY_CLIP_DIR, 'pytorch_model.bin'))), 'pytorch_model.bin');
    const safetensors = readSafetensors(new Uint8Array(fs.readFileSync(path.join(TINY_CLIP_DIR, 'model.safetensors'))), 'model.safetensors');

    for (const [name, tensor] of safetensors) {
      expect(torch.get(name)?.shape, name).toEqual(tensor.shape);
      expect(maxAbsDifference(torch.get(name)!.values, tensor.values), name).toBe(0);
    }
    expect(Array.from(torch.get('vision_model.embeddings.position_ids')!.values)).toEqual(Array.from({ length: 17 }, (_, i) => i));
  });

  it('honours transposed strides', () => {
    const pickle = new PickleWriter().emptyOrderedDict().mark().text('w').tensor('FloatStorage', '0', 6, 0, [3, 2], [1, 3]).raw(0x75).finish();
    const tensors = readTorchCheckpoint(buildCheckpoint(pickle, { 0: SIX_FLOATS }), 'transposed.pt');

    expect(tensors.get('w')!.shape).toEqual([3, 2]);
    expect(Array.from(tensors.get('w')!.values)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('honours the storage offset of a shared storage', () => {
    const pickle = new PickleWriter()
      .emptyOrderedDict()
      .mark()
      .text('head')
      .tensor('FloatStorage', '0', 6, 0, [2], [1])
      .text('tail')
      .tensor('FloatStorage', '0', 6, 4, [2], [1])
      .raw(0x75)
      .finish();
    const tensors = readTorchCheckpoint(buildCheckpoint(pickle, { 0: SIX_FLOATS }), 'offset.pt');

    expect(Array.from(tensors.get('head')!.values)).toEqual([0, 1]);
    expect(Array.from(tensors.get('tail')!.values)).toEqual([4, 5]);
  });

  it('reads half, bfloat16 and int64 storages and parameters', () => {
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000]).buffer);
    const brain = new Uint8Array(new Uint16Array([0x3fc0, 0x4040]).buffer);
    const long = new Uint8Array(new BigInt64Array([5n, -1n]).buffer);
    const pickle = new PickleWriter()
      .emptyOrderedDict()
      .mark()
      .text('half')
      .global('torch._utils', '_rebuild_parameter')
      .mark()
      .tensor('HalfStorage', 'h', 2, 0, [2], [1])
      .raw(0x88)
      .emptyOrderedDict()
      .tuple()
      .raw(0x52)
      .text('brain')
      .tensor('BFloat16Storage', 'b', 2, 0, [2], [1])
      .text('long')
      .tensor('LongStorage', 'l', 2, 0, [2], [1])
      .raw(0x75)
      .finish();
    const tensors = readTorchCheckpoint(buildCheckpoint(pickle, { h: half, b: brain, l: long }), 'dtypes.pt');

    expect(Array.from(tensors.get('half')!.values)).toEqual([1, -2]);
    expect(Array.from(tensors.get('brain')!.values)).toEqual([1.5, 3]);
    expect(Array.from(tensors.get('long')!.values)).toEqual([5, -1]);
  });

  it.each([
    ['os', 'system'],
    ['builtins', 'eval'],
    ['torch.storage', '_load_from_bytes'],
    ['subprocess', 'Popen'],
  ])('rejects GLOBAL %s.%s without executing it', (module, name) => {
    const pickle = new PickleWriter().global(module, name).mark().text('touch /tmp/clip-it-pwned').tuple().raw(0x52).finish();
    const checkpoint = buildCheckpoint(pickle, {});

    expect(() => readTorchCheckpoint(checkpoint, 'evil.pt')).toThrow(`evil.pt: pickle global "${module}.${name}" is not allowed`);
    expect(() => readTorchCheckpoint(checkpoint, 'evil.pt')).toThrow(/nothing in it was executed/);
    expect(fs.existsSync('/tmp/clip-it-pwned')).toBe(false);
  });

  it('rejects STACK_GLOBAL builtins.exec', () => {
    const pickle = new PickleWriter().text('builtins').text('exec').raw(0x93).finish();
    expect(() => readTorchCheckpoint(buildCheckpoint(pickle, {}), 'stack.pt')).toThrow(/pickle global "builtins\.exec" is not allowed/);
  });

  it('rejects an opcode outside the state-dict subset', () => {
    // INST (0x69) creates an instance of a named class.
    const pickle = new PickleWriter().raw(0x69).finish();
    expect(() => readTorchCheckpoint(buildCheckpoint(pickle, {}), 'inst.pt')).toThrow(/pickle opcode 0x69 at byte 2 is not supported/);
  });

  it('rejects a truncated pickle', () => {
    const pickle = new PickleWriter().emptyOrderedDict().mark().text('w').tensor('FloatStorage', '0', 6, 0, [6], [1]).finish();
    const truncated = pickle.subarray(0, pickle.length - 20);
    expect(() => readTorchCheckpoint(buildCheckpoint(truncated, { 0: SIX_FLOATS }), 'cut.pt')).toThrow(/cut\.pt: pickle data is truncated/);
  });

  it('rejects strides that reach past the storage', () => {
    const pickle = new PickleWriter().emptyOrderedDict().mark().text('w').tensor('FloatStorage', '0', 6, 2, [3, 2], [1, 3]).raw(0x75).finish();
    expect(() => readTorchCheckpoint(buildCheckpoint(pickle, { 0: SIX_FLOATS }), 'stride.pt')).toThrow(/"w": size \[3, 2\], stride \[1, 3\] and offset 2 reach past its storage of 6 elements/);
  });

  it('rejects a storage shorter than declared', () => {
    const pickle = new PickleWriter().emptyOrderedDict().mark().text('w').tensor('FloatStorage', '0', 6, 0, [6], [1]).raw(0x75).finish();
    expect(() => readTorchCheckpoint(buildCheckpoint(pickle, { 0: SIX_FLOATS.subarray(0, 12) }), 'short.pt')).toThrow(/storage "0" has 12 bytes but declares 6 float32 elements/);
  });

  it('names a storage missing from the archive', () => {
    const pickle = new PickleWriter().emptyOrderedDict().mark().text('w').tensor('FloatStorage', '7', 6, 0, [6], [1]).raw(0x75).finish();
    expect(() => readTorchCheckpoint(buildCheckpoint(pickle, {}), 'missing.pt')).toThrow(/storage "archive\/data\/7" is missing/);
  });

  it('rejects a truncated zip archive', () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(TINY_CLIP_DIR, 'pytorch_model.bin')));
    expect(() => readTorchCheckpoint(bytes.subarray(0, 4096), 'pytorch_model.bin')).toThrow(/pytorch_model\.bin: not a readable zip archive/);
  });
});
