import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { decodeImageFile, type DecodeResult } from '../../../src/core/ingest/image-decode';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from '../../../src/core/ingest/image-limits';
import { sniffImage } from '../../../src/core/ingest/image-sniff';
import { readTiffHeader } from '../../../src/core/ingest/tiff-header';
import { classifyPath } from '../../../src/core/ingest/file-filter';
import { sharedPath } from '../shared-path';
import { nodeImageDecoder } from '../../../src/platform/node-image-decoder';

const TUM = sharedPath('data', 'bad-inputs', 'images', 'TUM');

function readTum(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(TUM, name)));
}

async function decodeTum(name: string): Promise<DecodeResult> {
  return decodeImageFile(readTum(name), `images/TUM/${name}`, nodeImageDecoder);
}

function expectImported(result: DecodeResult): Extract<DecodeResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected ${result.path} to import, got ${result.reason}: ${result.detail}`);
  return result;
}

function expectSkipped(result: DecodeResult): Extract<DecodeResult, { ok: false }> {
  if (result.ok) throw new Error(`expected ${result.path} to be skipped, but it decoded to ${result.image.width}x${result.image.height}`);
  return result;
}

/** Mean of each RGB channel, to compare decodes of the same tile in different formats. */
function channelMeans(data: Uint8Array): number[] {
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i += 3) {
    sums[0] += data[i];
    sums[1] += data[i + 1];
    sums[2] += data[i + 2];
  }
  return sums.map((sum) => sum / (data.length / 3));
}

describe('bad-inputs images', () => {
  it('good_reference.jpg: imported as 224x224 RGB', async () => {
    const result = expectImported(await decodeTum('good_reference.jpg'));
    expect(result.format).toBe('jpeg');
    expect(result.image.width).toBe(224);
    expect(result.image.height).toBe(224);
    expect(result.image.data.length).toBe(224 * 224 * 3);
    expect(result.warnings).toEqual([]);
  });

  it('truncated.jpg: skipped as truncated without throwing', async () => {
    const bytes = readTum('truncated.jpg');
    expect(sniffImage(bytes).truncated).toBe(true);

    // jpeg-js cannot decode a JPEG without its end marker; a browser may, and then a warning is attached.
    const result = expectSkipped(await decodeTum('truncated.jpg'));
    expect(result.reason).toBe('truncated');
  });

  it('truncated.jpg: decoded with a warning when the platform fills it in', async () => {
    const fillingDecoder = async (_bytes: Uint8Array, _mime: string) => ({ width: 224, height: 224, rgba: new Uint8ClampedArray(224 * 224 * 4) });
    const result = expectImported(await decodeImageFile(readTum('truncated.jpg'), 'truncated.jpg', fillingDecoder));
    expect(result.warnings.some((warning) => warning.startsWith('truncated'))).toBe(true);
  });

  it('empty.png: skipped as empty file', async () => {
    const result = expectSkipped(await decodeTum('empty.png'));
    expect(result.reason).toBe('empty file');
  });

  it('not_an_image.png: skipped as not a decodable image', async () => {
    const result = expectSkipped(await decodeTum('not_an_image.png'));
    expect(result.reason).toBe('not a decodable image');
    expect(result.format).toBeNull();
    expect(result.detail).toContain('text');
  });

  it('huge_header.png: skipped before decoding, limit named', async () => {
    const bytes = readTum('huge_header.png');
    const sniff = sniffImage(bytes);
    expect(sniff.width).toBe(60000);
    expect(sniff.height).toBe(60000);

    let platformCalls = 0;
    const countingDecoder = async (data: Uint8Array, mime: string) => {
      platformCalls += 1;
      return nodeImageDecoder(data, mime);
    };
    const result = expectSkipped(await decodeImageFile(bytes, 'huge_header.png', countingDecoder));
    expect(result.reason).toBe('dimensions over the limit');
    expect(result.detail).toContain(`${MAX_IMAGE_SIDE} px per side`);
    expect(result.detail).toContain(`${MAX_IMAGE_PIXELS / 1e6} megapixels`);
    expect(result.detail).toContain('60000x60000');
    expect(platformCalls).toBe(0);
  });

  it('rgba.png: imported as RGB with raw colour kept', async () => {
    const result = expectImported(await decodeTum('rgba.png'));
    expect(result.image.data.length).toBe(224 * 224 * 3);

    // Alpha is dropped, not composited over white: the first pixel keeps its stored RGB.
    const reference = expectImported(await decodeTum('tumör ü 01.png'));
    expect(Array.from(result.image.data.subarray(0, 3))).toEqual(Array.from(reference.image.data.subarray(0, 3)));
    expect(Array.from(result.image.data.subarray(0, 3))).toEqual([0x72, 0x32, 0x6e]);
  });

  it('grayscale.png: channels replicated to RGB', async () => {
    const result = expectImported(await decodeTum('grayscale.png'));
    const data = result.image.data;
    expect(data.length).toBe(224 * 224 * 3);
    let unequal = 0;
    for (let i = 0; i < data.length; i += 3) {
      if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) unequal++;
    }
    expect(unequal).toBe(0);
    expect(new Set(Array.from(data)).size).toBeGreaterThan(10);
  });

  it('cmyk.jpg: imported as RGB close to the RGB reference', async () => {
    expect(sniffImage(readTum('cmyk.jpg')).encoding).toBe('CMYK JPEG');

    const result = expectImported(await decodeTum('cmyk.jpg'));
    const reference = expectImported(await decodeTum('good_reference.jpg'));
    const cmykMeans = channelMeans(result.image.data);
    const referenceMeans = channelMeans(reference.image.data);
    for (let channel = 0; channel < 3; channel++) {
      expect(Math.abs(cmykMeans[channel] - referenceMeans[channel])).toBeLessThan(12);
    }
  });

  it('rgb16.tif: imported, 16-bit scaled to 8-bit', async () => {
    const result = expectImported(await decodeTum('rgb16.tif'));
    expect(result.format).toBe('tiff');
    expect(result.image.width).toBe(224);

    // The file is uncompressed, so the 16-bit samples can be read straight from its one strip.
    const bytes = readTum('rgb16.tif');
    const header = readTiffHeader(bytes)!;
    expect(header.bitsPerSample).toEqual([16, 16, 16]);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const stripOffset = bytes.length - 224 * 224 * 6;
    let mismatches = 0;
    for (let i = 0; i < 224 * 224 * 3; i++) {
      const sample = view.getUint16(stripOffset + 2 * i, header.littleEndian);
      if (result.image.data[i] !== Math.round(sample / 257)) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(Array.from(result.image.data.subarray(0, 3))).toEqual([114, 50, 110]);
  });

  it('lzw.tif: imported', async () => {
    const result = expectImported(await decodeTum('lzw.tif'));
    expect(result.image.width).toBe(224);
    expect(result.image.height).toBe(224);
    expect(Array.from(result.image.data.subarray(0, 3))).toEqual([115, 50, 108]);
  });

  it('deflate.tif: imported, same pixels as rgb16.tif', async () => {
    const deflate = expectImported(await decodeTum('deflate.tif'));
    const rgb16 = expectImported(await decodeTum('rgb16.tif'));
    let maxDifference = 0;
    for (let i = 0; i < deflate.image.data.length; i++) {
      maxDifference = Math.max(maxDifference, Math.abs(deflate.image.data[i] - rgb16.image.data[i]));
    }
    expect(maxDifference).toBeLessThanOrEqual(1);
  });

  it('tile.bmp: imported by the core BMP decoder', async () => {
    const result = expectImported(await decodeTum('tile.bmp'));
    expect(result.format).toBe('bmp');
    expect(result.image.width).toBe(224);
    expect(result.image.height).toBe(224);

    // Bottom-up BMP: the first stored row is the last image row, pixel 0 stored as B,G,R = e9 d9 f3.
    const lastRow = (224 - 1) * 224 * 3;
    expect(Array.from(result.image.data.subarray(lastRow, lastRow + 3))).toEqual([0xf3, 0xd9, 0xe9]);
  });

  it('tile.webp: header read; decoded by the platform decoder', async () => {
    const sniff = sniffImage(readTum('tile.webp'));
    expect(sniff.format).toBe('webp');
    expect(sniff.mime).toBe('image/webp');
    expect(sniff.width).toBe(224);
    expect(sniff.height).toBe(224);
    expect(sniff.truncated).toBe(false);

    let requestedMime = '';
    const recordingDecoder = async (_bytes: Uint8Array, mime: string) => {
      requestedMime = mime;
      return { width: 224, height: 224, rgba: new Uint8ClampedArray(224 * 224 * 4).fill(200) };
    };
    const result = expectImported(await decodeImageFile(readTum('tile.webp'), 'tile.webp', recordingDecoder));
    expect(requestedMime).toBe('image/webp');
    expect(result.image.data[0]).toBe(200);
  });

  it('one_pixel.png: skipped as too small', async () => {
    const result = expectSkipped(await decodeTum('one_pixel.png'));
    expect(result.reason).toBe('too small');
    expect(result.detail).toContain('8x8');
  });

  it('tumör ü 01.png: imported with the name intact', async () => {
    const name = 'tumör ü 01.png';
    const result = expectImported(await decodeTum(name));
    expect(result.path).toBe(`images/TUM/${name}`);
    expect(result.image.width).toBe(224);
  });

  it('UPPER.JPEG: imported', async () => {
    expect(classifyPath('images/TUM/UPPER.JPEG')).toBe('image');
    const result = expectImported(await decodeTum('UPPER.JPEG'));
    expect(result.format).toBe('jpeg');
  });

  it('.DS_Store: ignored as a hidden file', () => {
    expect(classifyPath('images/TUM/.DS_Store')).toBe('hidden');
  });

  it('Thumbs.db: ignored as a system file', () => {
    expect(classifyPath('images/TUM/Thumbs.db')).toBe('hidden');
  });
});
