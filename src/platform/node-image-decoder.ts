/**
 * `PlatformDecoder` for Node (tests and command-line tools): pngjs 7 for PNG, jpeg-js 0.4 for JPEG
 * (which also converts Adobe CMYK/YCCK JPEGs to RGB). WebP and GIF have no
 * decoder here, so they are rejected as unsupported; tests check their
 * headers only, and the browser decodes them through createImageBitmap.
 */

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

import { ImageDecodeError } from '../core/ingest/decode-error';
import type { PlatformDecoder, PlatformImage } from '../core/ingest/image-decode';

export const nodeImageDecoder: PlatformDecoder = async (bytes: Uint8Array, mime: string): Promise<PlatformImage> => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  if (mime === 'image/png') {
    const png = PNG.sync.read(buffer);
    return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  }

  if (mime === 'image/jpeg') {
    const decoded = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
    return { width: decoded.width, height: decoded.height, rgba: decoded.data };
  }

  throw new ImageDecodeError('unsupported-encoding', `${mime} is decoded by the browser only; the Node test decoder reads PNG and JPEG`);
};
