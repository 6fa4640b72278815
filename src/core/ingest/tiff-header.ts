/**
 * Reads TIFF and BigTIFF directory entries without decoding pixels, so the
 * importer can check dimensions and spot whole-slide files before it decodes.
 * Layout: TIFF 6.0 specification section 2; BigTIFF as described by the
 * libtiff project (version 43, 8-byte offsets, 20-byte IFD entries).
 */

export interface TiffHeaderInfo {
  littleEndian: boolean;
  bigTiff: boolean;
  width?: number;
  height?: number;
  bitsPerSample: number[];
  samplesPerPixel?: number;
  /** TIFF Compression tag (259): 1 none, 5 LZW, 7 JPEG, 8 and 32946 deflate, ... */
  compression?: number;
  /** TIFF PhotometricInterpretation tag (262): 0/1 grayscale, 2 RGB, 3 palette, 5 CMYK, 6 YCbCr. */
  photometric?: number;
  planarConfiguration?: number;
  tiled: boolean;
  tileWidth?: number;
  tileHeight?: number;
  /** ImageDescription tag (270) of the first IFD, cut to 2,000 characters. */
  description?: string;
  /** True when the first IFD carries the Hamamatsu NDPI private tag 65420. */
  hasNdpiTag: boolean;
  /** Number of IFDs (pages) in the chain, capped at `MAX_IFDS_COUNTED`. */
  pageCount: number;
  /** Largest width x height over all pages that were read. */
  largestPage?: { width: number; height: number };
  /** First directory entry whose value would lie past the end of the file, a sign of damage. */
  invalidEntry?: { tag: number; count: number };
}

const MAX_IFDS_COUNTED = 256;
const MAX_IFD_ENTRIES = 4096;

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8, 18: 8 };

/** True when the bytes start with a TIFF or BigTIFF byte-order mark and version. */
export function isTiffSignature(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const ii = bytes[0] === 0x49 && bytes[1] === 0x49;
  const mm = bytes[0] === 0x4d && bytes[1] === 0x4d;
  if (!ii && !mm) return false;
  const version = ii ? bytes[2] | (bytes[3] << 8) : (bytes[2] << 8) | bytes[3];
  return version === 42 || version === 43;
}

/**
 * Parses the IFD chain of a TIFF. Returns null when the signature is wrong or
 * the first IFD lies outside the file (a truncated or damaged file).
 */
export function readTiffHeader(bytes: Uint8Array): TiffHeaderInfo | null {
  if (!isTiffSignature(bytes)) return null;

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = bytes[0] === 0x49;
  const bigTiff = view.getUint16(2, littleEndian) === 43;

  const readOffset = (at: number): number => {
    if (bigTiff) return Number(view.getBigUint64(at, littleEndian));
    return view.getUint32(at, littleEndian);
  };

  if (bigTiff && bytes.length < 16) return null;
  let ifdOffset = readOffset(bigTiff ? 8 : 4);

  const info: TiffHeaderInfo = {
    littleEndian,
    bigTiff,
    bitsPerSample: [],
    tiled: false,
    hasNdpiTag: false,
    pageCount: 0,
  };

  const seen = new Set<number>();
  while (ifdOffset !== 0 && info.pageCount < MAX_IFDS_COUNTED) {
    // A loop in the IFD chain or an offset past the end ends the walk.
    if (seen.has(ifdOffset) || ifdOffset + (bigTiff ? 8 : 2) > bytes.length) break;
    seen.add(ifdOffset);

    const page = readIfd(view, ifdOffset, littleEndian, bigTiff, info, info.pageCount === 0 ? info : null);
    if (page === null) break;

    info.pageCount += 1;
    if (page.width !== undefined && page.height !== undefined) {
      const largest = info.largestPage;
      if (!largest || page.width * page.height > largest.width * largest.height) {
        info.largestPage = { width: page.width, height: page.height };
      }
    }
    ifdOffset = page.next;
  }

  if (info.pageCount === 0) return null;
  return info;
}

interface IfdPage {
  width?: number;
  height?: number;
  next: number;
}

function readIfd(
  view: DataView,
  offset: number,
  littleEndian: boolean,
  bigTiff: boolean,
  info: TiffHeaderInfo,
  firstPage: TiffHeaderInfo | null,
): IfdPage | null {
  const entrySize = bigTiff ? 20 : 12;
  const count = bigTiff ? Number(view.getBigUint64(offset, littleEndian)) : view.getUint16(offset, littleEndian);
  const entriesStart = offset + (bigTiff ? 8 : 2);
  if (count > MAX_IFD_ENTRIES || entriesStart + count * entrySize > view.byteLength) return null;

  const page: IfdPage = { next: 0 };
  for (let i = 0; i < count; i++) {
    const at = entriesStart + i * entrySize;
    const tag = view.getUint16(at, littleEndian);
    const type = view.getUint16(at + 2, littleEndian);
    const valueCount = bigTiff ? Number(view.getBigUint64(at + 4, littleEndian)) : view.getUint32(at + 4, littleEndian);
    const valueField = at + (bigTiff ? 12 : 8);
    const values = () => readValues(view, type, valueCount, valueField, littleEndian, bigTiff);

    if (info.invalidEntry === undefined && valueStart(view, type, valueCount, valueCount, valueField, littleEndian, bigTiff) === null) {
      info.invalidEntry = { tag, count: valueCount };
    }

    if (tag === 256) page.width = values()[0];
    if (tag === 257) page.height = values()[0];
    if (firstPage === null) continue;

    switch (tag) {
      case 258:
        firstPage.bitsPerSample = values();
        break;
      case 259:
        firstPage.compression = values()[0];
        break;
      case 262:
        firstPage.photometric = values()[0];
        break;
      case 277:
        firstPage.samplesPerPixel = values()[0];
        break;
      case 284:
        firstPage.planarConfiguration = values()[0];
        break;
      case 322:
        firstPage.tiled = true;
        firstPage.tileWidth = values()[0];
        break;
      case 323:
        firstPage.tileHeight = values()[0];
        break;
      case 270:
        firstPage.description = readAscii(view, type, valueCount, valueField, littleEndian, bigTiff);
        break;
      case 65420:
        firstPage.hasNdpiTag = true;
        break;
    }
  }

  if (firstPage !== null) {
    firstPage.width = page.width;
    firstPage.height = page.height;
  }

  const nextAt = entriesStart + count * entrySize;
  if (nextAt + (bigTiff ? 8 : 4) <= view.byteLength) {
    page.next = bigTiff ? Number(view.getBigUint64(nextAt, littleEndian)) : view.getUint32(nextAt, littleEndian);
  }
  return page;
}

/** Returns the offset of an entry's value: inline when it fits in the value field, else the stored offset. */
function valueStart(
  view: DataView,
  type: number,
  count: number,
  readCount: number,
  field: number,
  littleEndian: boolean,
  bigTiff: boolean,
): number | null {
  const typeSize = TYPE_SIZES[type] ?? 1;
  const inlineSize = bigTiff ? 8 : 4;
  let start = field;
  if (typeSize * count > inlineSize) {
    start = bigTiff ? Number(view.getBigUint64(field, littleEndian)) : view.getUint32(field, littleEndian);
  }
  if (start + typeSize * readCount > view.byteLength) return null;
  return start;
}

function readValues(view: DataView, type: number, count: number, field: number, littleEndian: boolean, bigTiff: boolean): number[] {
  // Only integer tags are read here; 16 values are enough for BitsPerSample.
  const n = Math.min(count, 16);
  const start = valueStart(view, type, count, n, field, littleEndian, bigTiff);
  if (start === null) return [];

  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (type === 3) out.push(view.getUint16(start + 2 * i, littleEndian));
    else if (type === 4) out.push(view.getUint32(start + 4 * i, littleEndian));
    else if (type === 16) out.push(Number(view.getBigUint64(start + 8 * i, littleEndian)));
    else if (type === 1) out.push(view.getUint8(start + i));
    else return out;
  }
  return out;
}

function readAscii(view: DataView, type: number, count: number, field: number, littleEndian: boolean, bigTiff: boolean): string | undefined {
  if (type !== 2) return undefined;
  const n = Math.min(count, 2000);
  const start = valueStart(view, type, count, n, field, littleEndian, bigTiff);
  if (start === null) return undefined;

  let text = '';
  for (let i = 0; i < n; i++) {
    const code = view.getUint8(start + i);
    if (code === 0) break;
    text += String.fromCharCode(code);
  }
  return text;
}
