/**
 * One entry point that turns the bytes of a dropped file into RGB pixels or a
 * plain skip reason. Order: empty check, magic-byte sniff, whole-slide check,
 * size limits from the header, then decoding (TIFF and BMP in the core,
 * PNG/JPEG/WebP/GIF through the injected platform decoder).
 */

import { decodeBmp } from './bmp-decode';
import { ImageDecodeError } from './decode-error';
import { rgbaToRgb, type DecodedImage } from './decoded-image';
import { checkImageDimensions } from './image-limits';
import { sniffImage, type ImageFormat, type SniffResult } from './image-sniff';
import type { ImportReason } from './import-report';
import { decodeTiff } from './tiff-decode';
import { wholeSlideMessage } from './whole-slide';

/** Pixels as a platform decoder returns them: RGBA, 8 bits per channel, row-major. */
export interface PlatformImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray | Uint8Array;
}

/**
 * Decodes PNG, JPEG, WebP and GIF bytes. The browser implementation uses
 * createImageBitmap; tests use pngjs and jpeg-js. It may throw
 * `ImageDecodeError` to name the failure, or any error.
 */
export type PlatformDecoder = (bytes: Uint8Array, mime: string) => Promise<PlatformImage>;

export type DecodeResult =
  | { ok: true; path: string; format: ImageFormat; image: DecodedImage; warnings: string[] }
  | { ok: false; path: string; format: ImageFormat | null; reason: ImportReason; detail: string };

/**
 * Decodes one image file to RGB8. Every failure comes back as
 * `{ ok: false, reason, detail }`, and a top-level catch turns unexpected
 * errors into 'not a decodable image', so bad input never throws.
 */
export async function decodeImageFile(bytes: Uint8Array, path: string, platform: PlatformDecoder): Promise<DecodeResult> {
  try {
    return await decodeChecked(bytes, path, platform);
  } catch (error) {
    // Header parsers check their bounds; this catch is the last guard for a damaged header they missed.
    const message = error instanceof Error ? error.message : String(error);
    return fail(path, null, 'not a decodable image', `the header could not be read (${message})`);
  }
}

async function decodeChecked(bytes: Uint8Array, path: string, platform: PlatformDecoder): Promise<DecodeResult> {
  if (bytes.length === 0) {
    return fail(path, null, 'empty file', 'the file is 0 bytes long');
  }

  const sniff = sniffImage(bytes, path);
  if (sniff.wholeSlide !== undefined) {
    return fail(path, sniff.format, 'whole-slide image', wholeSlideMessage(sniff.wholeSlide));
  }
  if (sniff.format === null) {
    return failUnknownFormat(bytes, path, sniff);
  }

  const format = sniff.format;
  if (sniff.width === undefined || sniff.height === undefined) {
    // Without a declared size the limits cannot be checked, so the pixels are not decoded.
    if (sniff.truncated) return fail(path, format, 'truncated', `the ${format.toUpperCase()} file ends before its size is declared`);
    return fail(path, format, 'not a decodable image', `the ${format.toUpperCase()} header contains no readable image size`);
  }

  const declared = checkImageDimensions(sniff.width, sniff.height);
  if (!declared.ok) {
    return fail(path, format, reasonForDimensions(declared.kind), declared.message);
  }

  let image: DecodedImage;
  try {
    image = await decodePixels(bytes, sniff, format, platform);
  } catch (error) {
    return classifyDecodeError(error, path, sniff, format);
  }

  const decoded = checkImageDimensions(image.width, image.height);
  if (!decoded.ok) {
    return fail(path, format, reasonForDimensions(decoded.kind), decoded.message.replace('the header declares', 'the decoded image is'));
  }

  return { ok: true, path, format, image, warnings: collectWarnings(sniff, image) };
}

async function decodePixels(bytes: Uint8Array, sniff: SniffResult, format: ImageFormat, platform: PlatformDecoder): Promise<DecodedImage> {
  if (format === 'tiff') return decodeTiff(bytes);
  if (format === 'bmp') return decodeBmp(bytes);

  const decoded = await platform(bytes, sniff.mime ?? 'application/octet-stream');
  if (decoded.rgba.length !== decoded.width * decoded.height * 4) {
    throw new ImageDecodeError(
      'corrupt',
      `the platform decoder returned ${decoded.rgba.length} bytes for ${decoded.width}x${decoded.height} px RGBA`,
    );
  }
  return rgbaToRgb(decoded.rgba, decoded.width, decoded.height);
}

function classifyDecodeError(error: unknown, path: string, sniff: SniffResult, format: ImageFormat): DecodeResult {
  const message = error instanceof Error ? error.message : String(error);

  if (error instanceof ImageDecodeError && error.kind === 'unsupported-encoding') {
    return fail(path, format, 'unsupported encoding', message);
  }
  if ((error instanceof ImageDecodeError && error.kind === 'truncated') || sniff.truncated) {
    return fail(path, format, 'truncated', `the file ends early and could not be decoded (${message})`);
  }
  if (sniff.encoding !== undefined) {
    return fail(path, format, 'unsupported encoding', `${sniff.encoding} could not be decoded here (${message}); re-save it as 8-bit RGB PNG or JPEG`);
  }
  return fail(path, format, 'not a decodable image', `the ${format.toUpperCase()} data is damaged (${message})`);
}

function collectWarnings(sniff: SniffResult, image: DecodedImage): string[] {
  const warnings: string[] = [];
  if (sniff.truncated) {
    warnings.push('truncated: the file ends before its end marker; the decoder filled in the missing part, so check the image before training');
  }
  if (sniff.encoding === 'animated WebP' || sniff.format === 'gif') {
    warnings.push('only the first frame is used');
  }
  if (sniff.tiff !== undefined && sniff.tiff.pageCount > 1) {
    warnings.push(`multi-page TIFF with ${sniff.tiff.pageCount} pages: only the first page is used`);
  }
  if (image.width !== sniff.width || image.height !== sniff.height) {
    warnings.push(`the header declares ${sniff.width}x${sniff.height} px but the decoder returned ${image.width}x${image.height} px`);
  }
  return warnings;
}

function failUnknownFormat(bytes: Uint8Array, path: string, sniff: SniffResult): DecodeResult {
  const other = sniff.otherFormat;
  if (other === 'ZIP archive') {
    return fail(path, null, 'not a decodable image', 'ZIP archive; unpack it and drop the folder instead');
  }
  if (other === 'PDF') {
    return fail(path, null, 'not a decodable image', 'PDF document, not an image');
  }
  if (other !== undefined) {
    return fail(path, null, 'unsupported encoding', `${other} file; convert it to PNG, JPEG or TIFF first`);
  }

  const kind = looksLikeText(bytes) ? 'the file contains text' : 'the first bytes match no supported format';
  return fail(path, null, 'not a decodable image', `${kind} (supported: PNG, JPEG, TIFF, BMP, WebP, GIF)`);
}

function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 512);
  let printable = 0;
  for (const value of sample) {
    if (value === 9 || value === 10 || value === 13 || (value >= 32 && value < 127) || value >= 0xc0) printable++;
  }
  return printable / sample.length > 0.95;
}

function reasonForDimensions(kind: 'over-limit' | 'too-small' | 'invalid'): ImportReason {
  if (kind === 'over-limit') return 'dimensions over the limit';
  if (kind === 'too-small') return 'too small';
  return 'not a decodable image';
}

function fail(path: string, format: ImageFormat | null, reason: ImportReason, detail: string): DecodeResult {
  return { ok: false, path, format, reason, detail };
}
