/**
 * Decoder for uncompressed Windows bitmaps (BI_RGB and BI_BITFIELDS with 8-bit
 * channel masks) at 24 and 32 bits per pixel, plus 8-bit palette images.
 * Shared by browser and Node so BMP tiles decode the same everywhere.
 * Layout: Microsoft BITMAPINFOHEADER / BITMAPV5HEADER documentation.
 */

import { ImageDecodeError } from './decode-error';
import type { DecodedImage } from './decoded-image';

const BI_RGB = 0;
const BI_BITFIELDS = 3;

/**
 * Decodes a BMP to RGB. Throws `ImageDecodeError` with kind 'unsupported-encoding'
 * for RLE, 16-bit and 1/4-bit files, 'truncated' when pixel data ends early.
 */
export function decodeBmp(bytes: Uint8Array): DecodedImage {
  if (bytes.length < 54 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) {
    throw new ImageDecodeError('corrupt', 'BMP header is missing or shorter than 54 bytes');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const pixelOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40) throw new ImageDecodeError('unsupported-encoding', `OS/2 BMP header of ${headerSize} bytes`);

  const width = view.getInt32(18, true);
  const signedHeight = view.getInt32(22, true);
  const height = Math.abs(signedHeight);
  const topDown = signedHeight < 0;
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if (width <= 0 || height === 0) throw new ImageDecodeError('corrupt', `BMP declares an invalid size of ${width}x${signedHeight}`);

  let channelOffsets = [2, 1, 0];
  if (compression === BI_BITFIELDS && bitsPerPixel === 32) {
    channelOffsets = readBitfieldOffsets(view);
  } else if (compression !== BI_RGB) {
    throw new ImageDecodeError('unsupported-encoding', `BMP compression ${compression} (only uncompressed BMP is read)`);
  }
  if (bitsPerPixel !== 24 && bitsPerPixel !== 32 && bitsPerPixel !== 8) {
    throw new ImageDecodeError('unsupported-encoding', `${bitsPerPixel}-bit BMP (only 8, 24 and 32-bit are read)`);
  }

  // Rows are padded to a multiple of 4 bytes.
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  if (pixelOffset + rowBytes * height > bytes.length) {
    throw new ImageDecodeError('truncated', `BMP pixel data ends early: ${bytes.length} bytes, expected ${pixelOffset + rowBytes * height}`);
  }

  const palette = bitsPerPixel === 8 ? readPalette(view, headerSize, pixelOffset) : null;
  const data = new Uint8Array(width * height * 3);
  const bytesPerPixel = bitsPerPixel / 8;

  for (let y = 0; y < height; y++) {
    const sourceRow = topDown ? y : height - 1 - y;
    const rowStart = pixelOffset + sourceRow * rowBytes;
    for (let x = 0; x < width; x++) {
      const out = (y * width + x) * 3;
      if (palette !== null) {
        const entry = bytes[rowStart + x] * 3;
        data[out] = palette[entry];
        data[out + 1] = palette[entry + 1];
        data[out + 2] = palette[entry + 2];
        continue;
      }
      const at = rowStart + x * bytesPerPixel;
      data[out] = bytes[at + channelOffsets[0]];
      data[out + 1] = bytes[at + channelOffsets[1]];
      data[out + 2] = bytes[at + channelOffsets[2]];
    }
  }
  return { width, height, data };
}

/** Byte positions of R, G and B inside a 32-bit pixel, from the channel masks. */
function readBitfieldOffsets(view: DataView): number[] {
  // Masks follow a 40-byte header, or sit inside a V4/V5 header at the same place.
  const maskStart = 14 + 40;
  if (view.byteLength < maskStart + 12) throw new ImageDecodeError('corrupt', 'BMP bit-field masks are missing');

  const offsets: number[] = [];
  for (let channel = 0; channel < 3; channel++) {
    const mask = view.getUint32(maskStart + channel * 4, true);
    const byteIndex = [0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000].indexOf(mask);
    if (byteIndex < 0) {
      throw new ImageDecodeError('unsupported-encoding', `BMP channel mask 0x${mask.toString(16)} (only 8-bit aligned masks are read)`);
    }
    offsets.push(byteIndex);
  }
  return offsets;
}

/** Palette as RGB triplets; BMP stores each entry as B, G, R, reserved. */
function readPalette(view: DataView, headerSize: number, pixelOffset: number): Uint8Array {
  const start = 14 + headerSize;
  const declared = view.getUint32(46, true);
  const entries = Math.min(declared === 0 ? 256 : declared, 256, Math.floor((pixelOffset - start) / 4));

  // Indexes past the stored entries read as black.
  const palette = new Uint8Array(256 * 3);
  for (let i = 0; i < entries; i++) {
    palette[i * 3] = view.getUint8(start + i * 4 + 2);
    palette[i * 3 + 1] = view.getUint8(start + i * 4 + 1);
    palette[i * 3 + 2] = view.getUint8(start + i * 4);
  }
  return palette;
}
