import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { decodeImageFile } from '../../../src/core/ingest/image-decode';
import { sniffImage } from '../../../src/core/ingest/image-sniff';
import { readTiffHeader } from '../../../src/core/ingest/tiff-header';
import { buildTiff } from './tiff-builder';
import { sharedPath } from '../shared-path';
import { nodeImageDecoder } from '../../../src/platform/node-image-decoder';

function bytesOf(...parts: (number[] | string)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') out.push(...[...part].map((char) => char.charCodeAt(0)));
    else out.push(...part);
  }
  return new Uint8Array(out);
}

const le16 = (value: number) => [value & 0xff, value >> 8];
const le32 = (value: number) => [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff];

describe('image sniffing', () => {
  it('format comes from bytes, not the extension', () => {
    const tiff = buildTiff({ width: 16, height: 16, samples: new Array(16 * 16 * 3).fill(7) });
    const sniff = sniffImage(tiff, 'mislabelled.png');
    expect(sniff.format).toBe('tiff');
    expect(sniff.width).toBe(16);
  });

  it('GIF: size from the logical screen descriptor', () => {
    const sniff = sniffImage(bytesOf('GIF89a', le16(300), le16(200), [0, 0, 0]));
    expect(sniff).toMatchObject({ format: 'gif', width: 300, height: 200 });
  });

  it('WebP VP8L and VP8X: size from the bitstream header', () => {
    const bits = (640 - 1) | ((480 - 1) << 14);
    const vp8l = bytesOf('RIFF', le32(13), 'WEBP', 'VP8L', le32(5), [0x2f], le32(bits));
    expect(sniffImage(vp8l)).toMatchObject({ format: 'webp', width: 640, height: 480 });

    const vp8x = bytesOf('RIFF', le32(22), 'WEBP', 'VP8X', le32(10), [0x02, 0, 0, 0], [0x1f, 0x03, 0x00], [0x57, 0x02, 0x00]);
    expect(sniffImage(vp8x)).toMatchObject({ format: 'webp', width: 800, height: 600, encoding: 'animated WebP' });
  });

  it('BMP: negative height read as top-down', () => {
    const header = bytesOf('BM', le32(0), le32(0), le32(54), le32(40), le32(32), le32(-24 >>> 0), le16(1), le16(24), le32(0));
    expect(sniffImage(header)).toMatchObject({ format: 'bmp', width: 32, height: 24 });
  });

  it('JPEG: SOF found after APP segments; truncation detected', () => {
    const jpeg = bytesOf([0xff, 0xd8], [0xff, 0xe0], [0, 16], 'JFIF', new Array(10).fill(0), [0xff, 0xc2, 0, 11, 8], [0x01, 0x2c], [0x01, 0x90], [1, 1, 0x11, 0]);
    const sniff = sniffImage(jpeg);
    expect(sniff).toMatchObject({ format: 'jpeg', width: 400, height: 300, truncated: true });
  });

  it('PNG: missing IEND marks it truncated', () => {
    const ihdr = bytesOf([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0, 0, 0, 13], 'IHDR', [0, 0, 0, 64], [0, 0, 0, 32], [8, 2, 0, 0, 0], [0, 0, 0, 0]);
    expect(sniffImage(ihdr)).toMatchObject({ format: 'png', width: 64, height: 32, truncated: true });
  });

  it('other formats are named: ZIP, PDF, JPEG 2000', () => {
    expect(sniffImage(bytesOf([0x50, 0x4b, 0x03, 0x04], new Array(20).fill(0))).otherFormat).toBe('ZIP archive');
    expect(sniffImage(bytesOf('%PDF-1.7\n')).otherFormat).toBe('PDF');
    expect(sniffImage(bytesOf([0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20], [0x0d, 0x0a])).otherFormat).toBe('JPEG 2000');
  });
});

describe('whole-slide detection', () => {
  it('Aperio SVS description: whole-slide image with tiling advice', async () => {
    const svs = buildTiff({ width: 64, height: 64, description: 'Aperio Image Library v12.0.15 46000x32914 [0,100 46000x32914] (240x240) JPEG/RGB Q=70' });
    const result = await decodeImageFile(svs, 'slide.tif', nodeImageDecoder);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('whole-slide image');
    expect(result.detail).toContain('Aperio SVS');
    expect(result.detail).toContain('224');
    expect(result.detail).toContain('QuPath');
    expect(result.detail).toContain('openslide');
  });

  it('pyramidal tiled TIFF with a large base level', () => {
    const pyramid = buildTiff({ width: 40000, height: 30000, tile: { width: 256, height: 256 } }, [
      { width: 10000, height: 7500, tile: { width: 256, height: 256 } },
      { width: 2500, height: 1875, tile: { width: 256, height: 256 } },
    ]);
    const header = readTiffHeader(pyramid);
    expect(header?.pageCount).toBe(3);
    expect(header?.tiled).toBe(true);
    expect(sniffImage(pyramid).wholeSlide).toBe('pyramidal tiled TIFF');
  });

  it('large single-page TIFF: over the limit, not a slide', async () => {
    const large = buildTiff({ width: 12000, height: 100 });
    expect(sniffImage(large).wholeSlide).toBeUndefined();
    const result = await decodeImageFile(large, 'wide.tif', nodeImageDecoder);
    expect(result.ok ? 'decoded' : result.reason).toBe('dimensions over the limit');
  });

  it('BigTIFF: treated as a whole slide', () => {
    // Header: "II", 43, offset size 8, reserved 0, first IFD at 16; IFD with 2 entries (width, height as LONG).
    const entry = (tag: number, value: number) => [...le16(tag), ...le16(4), ...le32(1), 0, 0, 0, 0, ...le32(value), 0, 0, 0, 0];
    const bigTiff = bytesOf([0x49, 0x49], le16(43), le16(8), le16(0), le32(16), le32(0), le32(2), le32(0), entry(256, 50000), entry(257, 40000), le32(0), le32(0));
    const sniff = sniffImage(bigTiff);
    expect(sniff.format).toBe('tiff');
    expect(sniff.wholeSlide).toBe('BigTIFF');
    expect(sniff.width).toBe(50000);
    expect(sniff.height).toBe(40000);
  });

  it('slide extensions: .mrxs and .svs', async () => {
    const mrxs = await decodeImageFile(bytesOf('[GENERAL]\n'), 'case1/slide.mrxs', nodeImageDecoder);
    expect(mrxs.ok ? 'decoded' : mrxs.reason).toBe('whole-slide image');

    const plainSvs = buildTiff({ width: 64, height: 64, samples: new Array(64 * 64 * 3).fill(1) });
    const svs = await decodeImageFile(plainSvs, 'case1/slide.svs', nodeImageDecoder);
    expect(svs.ok ? 'decoded' : svs.reason).toBe('whole-slide image');
  });
});

describe('multi-page TIFF', () => {
  it('small pages: first page decoded, warning names the page count', async () => {
    const samples = new Array(16 * 16 * 3).fill(0).map((_value, index) => index % 256);
    const tiff = buildTiff({ width: 16, height: 16, samples }, [{ width: 8, height: 8 }]);
    const result = await decodeImageFile(tiff, 'stack.tif', nodeImageDecoder);
    if (!result.ok) throw new Error(`expected stack.tif to import, got ${result.reason}: ${result.detail}`);
    expect(Array.from(result.image.data)).toEqual(samples);
    expect(result.warnings).toEqual(['multi-page TIFF with 2 pages: only the first page is used']);
  });
});

describe('cut headers', () => {
  it('PNG cut inside its header: truncated', async () => {
    const bytes = new Uint8Array(readFileSync(sharedPath('data', 'bad-inputs', 'images', 'TUM', 'grayscale.png'))).slice(0, 20);
    const result = await decodeImageFile(bytes, 'cut.png', nodeImageDecoder);
    expect(result.ok ? 'decoded' : result.reason).toBe('truncated');
  });

  it('every prefix of a real JPEG: no throw, never decoded as complete', async () => {
    const full = new Uint8Array(readFileSync(sharedPath('data', 'bad-inputs', 'images', 'TUM', 'good_reference.jpg')));
    for (let length = 1; length < full.length; length += 997) {
      const result = await decodeImageFile(full.slice(0, length), 'prefix.jpg', nodeImageDecoder);
      expect(result.ok).toBe(false);
    }
  });
});
