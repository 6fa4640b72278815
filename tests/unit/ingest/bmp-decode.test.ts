import { describe, expect, it } from 'vitest';

import { decodeBmp } from '../../../src/core/ingest/bmp-decode';
import { ImageDecodeError } from '../../../src/core/ingest/decode-error';

/** Builds a BMP with a 40-byte header; `rows` are top-to-bottom RGB triplets. */
function buildBmp(rows: number[][][], bitsPerPixel: 24 | 32, topDown: boolean): Uint8Array {
  const height = rows.length;
  const width = rows[0].length;
  const bytesPerPixel = bitsPerPixel / 8;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  const out = new Uint8Array(54 + rowBytes * height);
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, out.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, topDown ? -height : height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bitsPerPixel, true);

  rows.forEach((row, y) => {
    const stored = topDown ? y : height - 1 - y;
    row.forEach(([r, g, b], x) => {
      const at = 54 + stored * rowBytes + x * bytesPerPixel;
      out[at] = b;
      out[at + 1] = g;
      out[at + 2] = r;
    });
  });
  return out;
}

describe('BMP decoding', () => {
  const rows = [
    [[255, 0, 0], [0, 255, 0], [0, 0, 255]],
    [[10, 20, 30], [40, 50, 60], [70, 80, 90]],
  ];
  const expected = rows.flat(2);

  it('24-bit bottom-up with row padding', () => {
    expect(Array.from(decodeBmp(buildBmp(rows, 24, false)).data)).toEqual(expected);
  });

  it('32-bit top-down', () => {
    const image = decodeBmp(buildBmp(rows, 32, true));
    expect(image.width).toBe(3);
    expect(image.height).toBe(2);
    expect(Array.from(image.data)).toEqual(expected);
  });

  it('RLE compression: unsupported encoding', () => {
    const bytes = buildBmp(rows, 24, false);
    new DataView(bytes.buffer).setUint32(30, 1, true);
    expect(() => decodeBmp(bytes)).toThrow(ImageDecodeError);
    try {
      decodeBmp(bytes);
    } catch (error) {
      expect((error as ImageDecodeError).kind).toBe('unsupported-encoding');
    }
  });

  it('cut pixel data: truncated', () => {
    const bytes = buildBmp(rows, 24, false).slice(0, 60);
    try {
      decodeBmp(bytes);
      throw new Error('expected decodeBmp to throw');
    } catch (error) {
      expect((error as ImageDecodeError).kind).toBe('truncated');
    }
  });
});
