import { describe, expect, it } from 'vitest';

import { ImageDecodeError } from '../../../src/core/ingest/decode-error';
import { decodeTiff } from '../../../src/core/ingest/tiff-decode';
import { buildTiff } from './tiff-builder';

/** Deterministic test pattern: sample s of pixel (x, y). */
function pattern(width: number, height: number, spp: number, maxValue: number): number[] {
  const samples: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let s = 0; s < spp; s++) samples.push(((x * 37 + y * 91 + s * 53) * 131) % (maxValue + 1));
  return samples;
}

describe('TIFF decoding', () => {
  it('tiled 8-bit RGB: tiles reassembled, edge padding cut', () => {
    const samples = pattern(40, 24, 3, 255);
    const image = decodeTiff(buildTiff({ width: 40, height: 24, samples, tile: { width: 16, height: 16 } }));
    expect(image.width).toBe(40);
    expect(image.height).toBe(24);
    expect(Array.from(image.data)).toEqual(samples);
  });

  it('8-bit RGBA: alpha dropped, colour kept', () => {
    const samples = pattern(12, 10, 4, 255);
    const image = decodeTiff(buildTiff({ width: 12, height: 10, samplesPerPixel: 4, samples }));
    const expected = samples.filter((_value, index) => index % 4 !== 3);
    expect(Array.from(image.data)).toEqual(expected);
  });

  it('16-bit grayscale: scaled to 8 bits and replicated', () => {
    const samples = pattern(10, 9, 1, 65535);
    const image = decodeTiff(buildTiff({ width: 10, height: 9, samplesPerPixel: 1, bitsPerSample: 16, samples }));
    const expected = samples.flatMap((value) => {
      const scaled = Math.round(value / 257);
      return [scaled, scaled, scaled];
    });
    expect(Array.from(image.data)).toEqual(expected);
  });

  it('WhiteIsZero grayscale: inverted', () => {
    const samples = pattern(9, 8, 1, 255);
    const image = decodeTiff(buildTiff({ width: 9, height: 8, samplesPerPixel: 1, photometric: 0, samples }));
    expect(image.data[0]).toBe(255 - samples[0]);
    expect(image.data[3 * 5]).toBe(255 - samples[5]);
  });

  it('strip past the end of the file: truncated', () => {
    const full = buildTiff({ width: 32, height: 32, samples: pattern(32, 32, 3, 255) });

    // Point the strip 100 bytes before the end, so its 3,072 bytes run past the file.
    const view = new DataView(full.buffer);
    const ifdOffset = view.getUint32(4, true);
    const count = view.getUint16(ifdOffset, true);
    for (let i = 0; i < count; i++) {
      const at = ifdOffset + 2 + i * 12;
      if (view.getUint16(at, true) === 273) view.setUint32(at + 8, full.length - 100, true);
    }

    let error: unknown;
    try {
      decodeTiff(full);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).kind).toBe('truncated');
  });
});
