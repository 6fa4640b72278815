/**
 * Identifies an image format from its magic bytes and reads the declared
 * size from the header without decoding pixels. The file extension never
 * picks the format. It is used only to detect whole-slide formats whose
 * first file is not itself an image (.mrxs, .vms) and slide TIFFs without
 * a vendor marker (.svs, .ndpi, .scn, .bif).
 */

import { isTiffSignature, readTiffHeader, type TiffHeaderInfo } from './tiff-header';
import { hasWholeSlideExtension, fileExtension, wholeSlideKindFromTiff } from './whole-slide';

export type ImageFormat = 'png' | 'jpeg' | 'tiff' | 'bmp' | 'webp' | 'gif';

export const MIME_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  tiff: 'image/tiff',
  bmp: 'image/bmp',
  webp: 'image/webp',
  gif: 'image/gif',
};

export interface SniffResult {
  /** Format from magic bytes, or null when no supported format matched. */
  format: ImageFormat | null;
  mime: string | null;
  /** Declared size in pixels, when the header could be read. */
  width?: number;
  height?: number;
  /** Set when the file is a whole-slide image: the kind (e.g. 'Aperio SVS'). */
  wholeSlide?: string;
  /** Set when the bytes end before the format's end marker (JPEG EOI, PNG IEND). */
  truncated?: boolean;
  /** Set for encodings that some decoders reject (CMYK JPEG, lossless JPEG, 16-bit PNG...). */
  encoding?: string;
  /** Set when the bytes are a known format the studio does not import (JPEG 2000, DICOM, ZIP, PDF, HEIC). */
  otherFormat?: string;
  /** TIFF directory details, when the format is TIFF. */
  tiff?: TiffHeaderInfo;
}

export function sniffImage(bytes: Uint8Array, path = ''): SniffResult {
  if (hasWholeSlideExtension(path) && !['svs', 'ndpi', 'scn', 'bif'].includes(fileExtension(path))) {
    // MIRAX (.mrxs) and Hamamatsu VMS (.vms/.vmu) index files are not TIFFs.
    return { format: null, mime: null, wholeSlide: fileExtension(path).toUpperCase() + ' slide' };
  }

  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return sniffPng(bytes);
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return sniffJpeg(bytes);
  if (isTiffSignature(bytes)) return sniffTiff(bytes, path);
  if (startsWith(bytes, [0x42, 0x4d]) && bytes.length >= 26) return sniffBmp(bytes);
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return sniffWebp(bytes);
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return sniffGif(bytes);

  return { format: null, mime: null, otherFormat: sniffOtherFormat(bytes) };
}

function sniffPng(bytes: Uint8Array): SniffResult {
  const result: SniffResult = { format: 'png', mime: 'image/png' };
  if (bytes.length < 29) {
    result.truncated = true;
    return result;
  }
  if (ascii(bytes, 12, 4) !== 'IHDR') return result;

  const view = dataView(bytes);
  result.width = view.getUint32(16);
  result.height = view.getUint32(20);
  const bitDepth = bytes[24];
  if (bitDepth === 16) result.encoding = '16-bit PNG';

  // A complete PNG ends with the 12-byte IEND chunk.
  result.truncated = ascii(bytes, bytes.length - 8, 4) !== 'IEND';
  return result;
}

/** Start-of-frame markers: every 0xFFCn except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function sniffJpeg(bytes: Uint8Array): SniffResult {
  const result: SniffResult = { format: 'jpeg', mime: 'image/jpeg' };
  const view = dataView(bytes);

  let adobeTransform: number | null = null;
  let components = 0;
  let frameMarker = 0;
  let scanStart = -1;
  let pos = 2;

  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) {
      pos += 1;
      continue;
    }
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      // Fill byte before a marker.
      pos += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9) break;

    const length = view.getUint16(pos + 2);
    if (marker === 0xda) {
      scanStart = pos + 2 + length;
      break;
    }

    if (isStartOfFrame(marker) && pos + 10 <= bytes.length) {
      frameMarker = marker;
      result.height = view.getUint16(pos + 5);
      result.width = view.getUint16(pos + 7);
      components = bytes[pos + 9];
    }

    // APP14 "Adobe" segment: transform byte 0 marks CMYK, 2 marks YCCK.
    if (marker === 0xee && length >= 12 && ascii(bytes, pos + 4, 5) === 'Adobe') {
      adobeTransform = bytes[pos + 15];
    }
    pos += 2 + length;
  }

  if (components === 4) result.encoding = adobeTransform === 2 ? 'YCCK JPEG' : 'CMYK JPEG';
  if (frameMarker === 0xc3 || frameMarker === 0xc7 || frameMarker === 0xcb || frameMarker === 0xcf) {
    result.encoding = 'lossless JPEG';
  } else if (frameMarker >= 0xc9 && frameMarker <= 0xcb) {
    result.encoding = 'arithmetic-coded JPEG';
  }

  // Inside entropy-coded data every 0xFF is followed by 0x00 or a restart
  // marker, so an 0xFFD9 after the scan start can only be the end marker.
  result.truncated = scanStart < 0 || !containsEndOfImage(bytes, scanStart);
  return result;
}

function containsEndOfImage(bytes: Uint8Array, from: number): boolean {
  for (let i = bytes.length - 2; i >= from; i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

function sniffTiff(bytes: Uint8Array, path: string): SniffResult {
  const result: SniffResult = { format: 'tiff', mime: 'image/tiff' };
  const info = readTiffHeader(bytes);
  if (info === null) {
    result.truncated = true;
    if (hasWholeSlideExtension(path)) result.wholeSlide = fileExtension(path).toUpperCase() + ' slide';
    return result;
  }

  result.tiff = info;
  result.width = info.width;
  result.height = info.height;

  const kind = wholeSlideKindFromTiff(info);
  if (kind !== null) result.wholeSlide = kind;
  else if (hasWholeSlideExtension(path)) result.wholeSlide = fileExtension(path).toUpperCase() + ' slide';
  return result;
}

function sniffBmp(bytes: Uint8Array): SniffResult {
  const result: SniffResult = { format: 'bmp', mime: 'image/bmp' };
  const view = dataView(bytes);
  const headerSize = view.getUint32(14, true);

  if (headerSize === 12) {
    // OS/2 BITMAPCOREHEADER: unsigned 16-bit sizes.
    result.width = view.getUint16(18, true);
    result.height = view.getUint16(20, true);
  } else if (headerSize >= 40 && bytes.length >= 34) {
    // Negative height marks a top-down bitmap.
    result.width = view.getInt32(18, true);
    result.height = Math.abs(view.getInt32(22, true));
  }
  return result;
}

function sniffWebp(bytes: Uint8Array): SniffResult {
  const result: SniffResult = { format: 'webp', mime: 'image/webp' };
  const view = dataView(bytes);
  const chunk = ascii(bytes, 12, 4);

  // Chunk layouts from the WebP container specification: VP8 (lossy), VP8L (lossless), VP8X (extended).
  if (chunk === 'VP8 ' && bytes.length >= 30 && bytes[23] === 0x9d && bytes[24] === 0x01 && bytes[25] === 0x2a) {
    result.width = view.getUint16(26, true) & 0x3fff;
    result.height = view.getUint16(28, true) & 0x3fff;
  } else if (chunk === 'VP8L' && bytes.length >= 25 && bytes[20] === 0x2f) {
    const bits = view.getUint32(21, true);
    result.width = (bits & 0x3fff) + 1;
    result.height = ((bits >>> 14) & 0x3fff) + 1;
  } else if (chunk === 'VP8X' && bytes.length >= 30) {
    result.width = 1 + (bytes[24] | (bytes[25] << 8) | (bytes[26] << 16));
    result.height = 1 + (bytes[27] | (bytes[28] << 8) | (bytes[29] << 16));
    if ((bytes[20] & 0x02) !== 0) result.encoding = 'animated WebP';
  }

  const declaredSize = view.getUint32(4, true) + 8;
  result.truncated = bytes.length < declaredSize;
  return result;
}

function sniffGif(bytes: Uint8Array): SniffResult {
  const result: SniffResult = { format: 'gif', mime: 'image/gif' };
  if (bytes.length >= 10) {
    const view = dataView(bytes);
    result.width = view.getUint16(6, true);
    result.height = view.getUint16(8, true);
  }
  return result;
}

/** Names formats a user might drop by mistake, so the skip message can name the file type. */
function sniffOtherFormat(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) {
    return 'JPEG 2000';
  }
  if (ascii(bytes, 128, 4) === 'DICM') return 'DICOM';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'ZIP archive';
  if (ascii(bytes, 0, 5) === '%PDF-') return 'PDF';
  if (ascii(bytes, 4, 4) === 'ftyp') {
    const brand = ascii(bytes, 8, 4);
    if (brand.startsWith('hei') || brand.startsWith('mif') || brand.startsWith('hev')) return 'HEIC';
    if (brand.startsWith('avi')) return 'AVIF';
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((value, i) => bytes[i] === value);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (offset < 0 || offset + length > bytes.length) return '';
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
