/**
 * TIFF to 8-bit RGB with utif2 (photopea UTIF.js). Grayscale, RGB and RGBA at
 * 8 or 16 bits per sample are converted here; other photometric types
 * (palette, CMYK, YCbCr) go through utif2's own `toRGBA8`.
 */

import * as utifModule from 'utif2';

import { ImageDecodeError } from './decode-error';
import { rgbaToRgb, type DecodedImage } from './decoded-image';
import { readTiffHeader } from './tiff-header';

// utif2 is CommonJS (`module.exports = UTIF`); bundlers expose it either as the
// namespace itself or under `default`.
const UTIF: typeof utifModule = (utifModule as unknown as { default?: typeof utifModule }).default ?? utifModule;

/** TIFF Compression values utif2 4.1 decodes: none, LZW, old and new JPEG, deflate, PackBits. */
const SUPPORTED_COMPRESSION = new Set([1, 5, 6, 7, 8, 32773, 32946]);

const COMPRESSION_NAMES: Record<number, string> = {
  2: 'CCITT RLE',
  3: 'CCITT Group 3',
  4: 'CCITT Group 4',
  34712: 'JPEG 2000',
  33003: 'Aperio JPEG 2000',
  33005: 'Aperio JPEG 2000',
  34887: 'LERC',
  50000: 'Zstandard',
  50001: 'WebP',
  34925: 'LZMA',
};

type TagValue = number[] | undefined;

/**
 * Decodes the first page of a TIFF. Throws `ImageDecodeError`: 'unsupported-encoding'
 * for compressions, planar layouts or sample formats not read here, 'truncated'
 * when strips end before the declared size, 'corrupt' for anything utif2 rejects.
 */
export function decodeTiff(bytes: Uint8Array): DecodedImage {
  // utif2 indexes strips through `data.buffer`, so it needs a buffer of exactly these bytes.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

  // utif2 allocates whatever a directory entry declares, and a damaged count
  // can cost seconds before it fails, so the directory is checked first.
  checkDirectory(bytes);

  let ifds: utifModule.IFD[];
  try {
    ifds = UTIF.decode(buffer);
  } catch (error) {
    throw new ImageDecodeError('corrupt', `TIFF directory could not be read (${describe(error)})`);
  }

  const ifd = ifds.find((candidate) => candidate['t256'] !== undefined);
  if (ifd === undefined) throw new ImageDecodeError('corrupt', 'TIFF image directory (IFD) with a width tag is missing');

  const compression = tag(ifd, 't259')?.[0] ?? 1;
  if (!SUPPORTED_COMPRESSION.has(compression)) {
    const name = COMPRESSION_NAMES[compression] ?? `code ${compression}`;
    throw new ImageDecodeError('unsupported-encoding', `TIFF compression ${name}; re-save the file as LZW, deflate or uncompressed TIFF, or as PNG`);
  }
  if ((tag(ifd, 't284')?.[0] ?? 1) === 2) {
    throw new ImageDecodeError('unsupported-encoding', 'planar TIFF (PlanarConfiguration 2); re-save it with interleaved (chunky) samples');
  }
  const sampleFormat = tag(ifd, 't339')?.[0] ?? 1;
  if (sampleFormat !== 1) {
    throw new ImageDecodeError('unsupported-encoding', `TIFF sample format ${sampleFormat} (only unsigned integer samples are read)`);
  }

  checkChunkBounds(ifd, bytes.length);
  if (compression === 1) checkUncompressedSize(ifd, bytes.length);

  // NOTE: utif2 4.1 prints "==== <tiles x> <tiles y>" with console.log for every tiled TIFF it decodes.
  try {
    UTIF.decodeImage(buffer, ifd);
  } catch (error) {
    throw new ImageDecodeError('corrupt', `TIFF pixel data could not be decoded (${describe(error)})`);
  }

  const width = ifd.width;
  const height = ifd.height;
  const photometric = tag(ifd, 't262')?.[0] ?? 2;
  const bitsPerSample = tag(ifd, 't258')?.[0] ?? 1;
  const samples = tag(ifd, 't277')?.[0] ?? tag(ifd, 't258')?.length ?? 1;

  const convertsHere = photometric <= 2 && (bitsPerSample === 8 || bitsPerSample === 16) && compression !== 7 && compression !== 6;
  if (convertsHere) {
    const expected = width * height * samples * (bitsPerSample / 8);
    if (!ifd.data || ifd.data.length < expected) {
      throw new ImageDecodeError('truncated', `TIFF pixel data is ${ifd.data?.length ?? 0} bytes, expected ${expected} for ${width}x${height} px`);
    }
    return convertSamples(ifd.data, width, height, samples, bitsPerSample, photometric === 0);
  }

  let rgba: Uint8Array;
  try {
    rgba = UTIF.toRGBA8(ifd);
  } catch (error) {
    throw new ImageDecodeError('unsupported-encoding', `TIFF with photometric ${photometric}, ${bitsPerSample}-bit samples (${describe(error)})`);
  }
  return rgbaToRgb(rgba, width, height);
}

/**
 * Converts interleaved gray, gray+alpha, RGB or RGBA samples to RGB8. utif2
 * stores 16-bit samples little-endian whatever the file's byte order; they
 * are scaled to 8 bits with round(v / 257), which maps 65535 to 255.
 */
function convertSamples(data: Uint8Array, width: number, height: number, samples: number, bits: number, whiteIsZero: boolean): DecodedImage {
  const pixels = width * height;
  const out = new Uint8Array(pixels * 3);
  const bytesPerSample = bits / 8;
  const color = samples >= 3;

  const read = (index: number): number => {
    let value = bytesPerSample === 1 ? data[index] : Math.round((data[index * 2] | (data[index * 2 + 1] << 8)) / 257);
    if (whiteIsZero) value = 255 - value;
    return value;
  };

  for (let i = 0; i < pixels; i++) {
    const base = i * samples;
    if (color) {
      out[i * 3] = read(base);
      out[i * 3 + 1] = read(base + 1);
      out[i * 3 + 2] = read(base + 2);
    } else {
      const gray = read(base);
      out[i * 3] = gray;
      out[i * 3 + 1] = gray;
      out[i * 3 + 2] = gray;
    }
  }
  return { width, height, data: out };
}

const VALID_BITS_PER_SAMPLE = new Set([1, 2, 4, 8, 12, 16, 32]);
const MAX_SAMPLES_PER_PIXEL = 16;

function checkDirectory(bytes: Uint8Array): void {
  const header = readTiffHeader(bytes);
  if (header === null) throw new ImageDecodeError('truncated', 'TIFF image directory (IFD) lies past the end of the file');

  if (header.invalidEntry !== undefined) {
    const { tag: entryTag, count } = header.invalidEntry;
    throw new ImageDecodeError('corrupt', `TIFF tag ${entryTag} declares ${count} values that lie past the end of the file`);
  }
  const invalidBits = header.bitsPerSample.find((bits) => !VALID_BITS_PER_SAMPLE.has(bits));
  if (invalidBits !== undefined) throw new ImageDecodeError('corrupt', `TIFF declares ${invalidBits} bits per sample`);

  const samples = header.samplesPerPixel ?? 1;
  if (samples < 1 || samples > MAX_SAMPLES_PER_PIXEL) throw new ImageDecodeError('corrupt', `TIFF declares ${samples} samples per pixel`);
}

/**
 * Throws 'truncated' when a strip or tile lies past the end of the file.
 * utif2 reads missing bytes as zeros without an error, so a cut file would
 * otherwise decode to an image with a black lower part.
 */
function checkChunkBounds(ifd: utifModule.IFD, fileLength: number): void {
  const tiled = tag(ifd, 't322') !== undefined;
  const offsets = tag(ifd, tiled ? 't324' : 't273') ?? [];
  const sizes = tag(ifd, tiled ? 't325' : 't279') ?? [];
  if (offsets.length === 0) throw new ImageDecodeError('corrupt', 'TIFF has no strip or tile offsets');

  for (let i = 0; i < offsets.length; i++) {
    const end = offsets[i] + (sizes[i] ?? 0);
    if (end > fileLength) {
      throw new ImageDecodeError(
        'truncated',
        `TIFF ${tiled ? 'tile' : 'strip'} ${i} ends at byte ${end}, past the end of the ${fileLength}-byte file`,
      );
    }
  }
}

/**
 * Throws 'truncated' when uncompressed strips cannot hold the declared size.
 * utif2 copies width x height worth of bytes for uncompressed data whatever
 * the strip byte counts declare, so a small file with a damaged size would
 * otherwise decode to up to 50 megapixels of zeros.
 */
function checkUncompressedSize(ifd: utifModule.IFD, fileLength: number): void {
  if (tag(ifd, 't322') !== undefined) return;

  const width = tag(ifd, 't256')?.[0] ?? 0;
  const height = tag(ifd, 't257')?.[0] ?? 0;
  const bitsPerSample = tag(ifd, 't258')?.[0] ?? 1;
  const samples = tag(ifd, 't277')?.[0] ?? 1;
  const rowBytes = Math.ceil((width * bitsPerSample * samples) / 8);
  const rowsPerStrip = Math.min(tag(ifd, 't278')?.[0] ?? height, height);
  const offsets = tag(ifd, 't273') ?? [];

  let rowsLeft = height;
  for (let i = 0; i < offsets.length && rowsLeft > 0; i++) {
    const rows = Math.min(rowsPerStrip, rowsLeft);
    const end = offsets[i] + rows * rowBytes;
    if (end > fileLength) {
      throw new ImageDecodeError('truncated', `uncompressed TIFF strip ${i} needs bytes up to ${end}, but the file is ${fileLength} bytes`);
    }
    rowsLeft -= rows;
  }
  if (rowsLeft > 0) {
    throw new ImageDecodeError('truncated', `TIFF strips cover ${height - rowsLeft} of ${height} rows`);
  }
}

function tag(ifd: utifModule.IFD, name: string): TagValue {
  const value = ifd[name];
  return Array.isArray(value) ? (value as number[]) : undefined;
}

/** utif2 throws strings and numbers as well as Errors. */
function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
