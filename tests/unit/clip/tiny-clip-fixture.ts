import fs from 'node:fs';
import path from 'node:path';

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import UTIF from 'utif2';

import { type DecodedImage } from '../../../src/core/clip/image-preprocess';
import { sharedPath } from '../shared-path';

/** The tiny random CLIP fixture with outputs from an independent float64 NumPy implementation. */
export const TINY_CLIP_DIR = sharedPath('fixtures', 'tiny-clip');

export interface TinyClipReference {
  texts: string[];
  input_ids: number[][];
  text_embeds: number[][];
  images: string[];
  pixel_values_file: string;
  pixel_values_shape: [number, number, number, number];
  image_embeds: number[][];
  logits_per_image: number[][];
}

export function readReference(): TinyClipReference {
  return JSON.parse(fs.readFileSync(path.join(TINY_CLIP_DIR, 'reference.json'), 'utf8'));
}

export function readReferencePixels(reference: TinyClipReference): Float32Array {
  const bytes = fs.readFileSync(path.join(TINY_CLIP_DIR, reference.pixel_values_file));
  const values = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

/** Reads `names` from `folder` (relative to the fixture) into the map loadClipFromFiles expects. */
export function readModelFiles(names: string[], folder = ''): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const name of names) files.set(name, new Uint8Array(fs.readFileSync(path.join(TINY_CLIP_DIR, folder, name))));
  return files;
}

/** Decodes a fixture image with the pure-JS decoders the tests can use on Node. */
export function decodeFixtureImage(fileName: string): DecodedImage {
  const bytes = fs.readFileSync(path.join(TINY_CLIP_DIR, 'images', fileName));

  if (fileName.endsWith('.png')) {
    const png = PNG.sync.read(bytes);
    return { data: png.data, width: png.width, height: png.height, channels: 4 };
  }
  if (fileName.endsWith('.jpeg') || fileName.endsWith('.jpg')) return decodeJpegLikeLibjpeg(bytes);
  if (fileName.endsWith('.tif') || fileName.endsWith('.tiff')) {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const [page] = UTIF.decode(buffer);
    UTIF.decodeImage(buffer, page);
    return { data: UTIF.toRGBA8(page), width: page.width, height: page.height, channels: 4 };
  }
  throw new Error(`No decoder for fixture image ${fileName}.`);
}

/**
 * Decodes a baseline 4:2:0 or 4:4:4 YCbCr JPEG as libjpeg (used by Pillow and browsers) does by
 * default: chroma is upsampled with the "fancy" triangle filter and colours are rounded. jpeg-js alone
 * replicates chroma pixels and truncates, which moves edge pixels by several levels.
 */
function decodeJpegLikeLibjpeg(bytes: Buffer): DecodedImage {
  const ycc = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, colorTransform: false });
  const { width, height } = ycc;
  const data = ycc.data;
  const subsampled = isChromaSubsampled420(bytes);

  const chroma = (channel: number): Float64Array => {
    const plane = new Float64Array(width * height);
    for (let i = 0; i < width * height; i++) plane[i] = data[i * 3 + channel];
    return subsampled ? fancyUpsample420(plane, width, height) : plane;
  };
  const cb = chroma(1);
  const cr = chroma(2);

  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const y = data[i * 3];
    const blue = cb[i] - 128;
    const red = cr[i] - 128;
    rgba[i * 4] = clampByte(y + Math.round(1.402 * red));
    rgba[i * 4 + 1] = clampByte(y + Math.floor(-0.34414 * blue - 0.71414 * red + 0.5));
    rgba[i * 4 + 2] = clampByte(y + Math.round(1.772 * blue));
    rgba[i * 4 + 3] = 255;
  }
  return { data: rgba, width, height, channels: 4 };
}

function clampByte(value: number): number {
  return Math.min(Math.max(value, 0), 255);
}

/** True when the SOF0/SOF2 header gives the luma component sampling factors 2x2. */
function isChromaSubsampled420(bytes: Buffer): boolean {
  for (let i = 2; i + 12 < bytes.length; i++) {
    if (bytes[i] === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2)) return bytes[i + 11] === 0x22;
  }
  return false;
}

/**
 * libjpeg's h2v2_fancy_upsample on a plane that jpeg-js has already replicated 2x2: take the
 * native-resolution samples back, then weight the nearer row and column 3:1 with libjpeg's rounding.
 */
function fancyUpsample420(replicated: Float64Array, width: number, height: number): Float64Array {
  const nativeWidth = Math.ceil(width / 2);
  const nativeHeight = Math.ceil(height / 2);
  const native = (x: number, y: number): number => {
    const clampedX = Math.min(Math.max(x, 0), nativeWidth - 1);
    const clampedY = Math.min(Math.max(y, 0), nativeHeight - 1);
    return replicated[Math.min(clampedY * 2, height - 1) * width + Math.min(clampedX * 2, width - 1)];
  };

  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y >> 1;
    const farRow = y % 2 === 0 ? row - 1 : row + 1;
    const columnSum = (x: number): number => 3 * native(x, row) + native(x, farRow);

    for (let x = 0; x < width; x++) {
      const column = x >> 1;
      const nearSum = columnSum(column);
      const isLeftOutput = x % 2 === 0;
      const farColumn = isLeftOutput ? column - 1 : column + 1;
      const farSum = farColumn < 0 || farColumn >= nativeWidth ? nearSum : columnSum(farColumn);
      // libjpeg rounds the left output up (+8) and the right output down (+7) to avoid a bias.
      out[y * width + x] = (3 * nearSum + farSum + (isLeftOutput ? 8 : 7)) >> 4;
    }
  }
  return out;
}

export function maxAbsDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`Length ${actual.length} differs from expected ${expected.length}.`);
  let max = 0;
  for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return dot / Math.sqrt(normA * normB);
}
