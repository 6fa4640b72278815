/**
 * Builds small little-endian classic TIFFs for tests: uncompressed, stripped
 * or tiled, with optional extra pages and ImageDescription. Pages after the
 * first carry only a size, enough for header and whole-slide checks.
 */

export interface TiffPageSpec {
  width: number;
  height: number;
  bitsPerSample?: 8 | 16;
  samplesPerPixel?: number;
  /** 0 WhiteIsZero, 1 BlackIsZero, 2 RGB. */
  photometric?: number;
  /** Samples in row-major order, one number per sample; length width*height*samplesPerPixel. */
  samples?: number[];
  tile?: { width: number; height: number };
  description?: string;
}

interface Entry {
  tag: number;
  type: 2 | 3 | 4;
  values: number[] | string;
}

export function buildTiff(first: TiffPageSpec, extraPages: { width: number; height: number; tile?: { width: number; height: number } }[] = []): Uint8Array {
  const chunks: number[] = [];
  const push = (...bytes: number[]) => {
    for (const value of bytes) chunks.push(value);
  };
  const pushAll = (bytes: number[]) => {
    for (const value of bytes) chunks.push(value);
  };
  const u16 = (value: number) => push(value & 0xff, (value >> 8) & 0xff);
  const u32 = (value: number) => push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);

  // Header; the first IFD offset is patched in below.
  push(0x49, 0x49);
  u16(42);
  u32(0);

  const pages = [first, ...extraPages.map((page) => ({ ...page, samples: undefined }))];
  const ifdOffsets: number[] = [];
  const nextPointers: number[] = [];

  pages.forEach((page, pageIndex) => {
    const spec = page as TiffPageSpec;
    const bits = spec.bitsPerSample ?? 8;
    const spp = spec.samplesPerPixel ?? 3;
    const bytesPerSample = bits / 8;
    const pixelData = encodePixels(spec, spp, bytesPerSample, pageIndex === 0 && spec.samples !== undefined);

    const dataOffset = chunks.length;
    pushAll(pixelData.bytes);

    const entries: Entry[] = [
      { tag: 256, type: 4, values: [spec.width] },
      { tag: 257, type: 4, values: [spec.height] },
      { tag: 258, type: 3, values: new Array(spp).fill(bits) },
      { tag: 259, type: 3, values: [1] },
      { tag: 262, type: 3, values: [spec.photometric ?? (spp >= 3 ? 2 : 1)] },
      { tag: 277, type: 3, values: [spp] },
      { tag: 284, type: 3, values: [1] },
    ];
    if (spec.description !== undefined) entries.push({ tag: 270, type: 2, values: spec.description });
    if (spec.tile) {
      entries.push({ tag: 322, type: 3, values: [spec.tile.width] });
      entries.push({ tag: 323, type: 3, values: [spec.tile.height] });
      entries.push({ tag: 324, type: 4, values: pixelData.chunkOffsets.map((offset) => offset + dataOffset) });
      entries.push({ tag: 325, type: 4, values: pixelData.chunkSizes });
    } else {
      entries.push({ tag: 273, type: 4, values: [dataOffset] });
      entries.push({ tag: 278, type: 4, values: [spec.height] });
      entries.push({ tag: 279, type: 4, values: [pixelData.bytes.length] });
    }
    entries.sort((a, b) => a.tag - b.tag);

    // Out-of-line values first, then the IFD itself (word-aligned).
    const valueOffsets = entries.map((entry) => {
      const bytes = entryBytes(entry);
      if (bytes.length <= 4) return -1;
      if (chunks.length % 2 === 1) push(0);
      const offset = chunks.length;
      pushAll(bytes);
      return offset;
    });
    if (chunks.length % 2 === 1) push(0);

    ifdOffsets.push(chunks.length);
    u16(entries.length);
    entries.forEach((entry, index) => {
      const bytes = entryBytes(entry);
      u16(entry.tag);
      u16(entry.type);
      u32(typeof entry.values === 'string' ? entry.values.length + 1 : entry.values.length);
      if (valueOffsets[index] >= 0) u32(valueOffsets[index]);
      else pushAll([...bytes, ...new Array(4 - bytes.length).fill(0)]);
    });
    nextPointers.push(chunks.length);
    u32(0);
  });

  const out = new Uint8Array(chunks);
  const view = new DataView(out.buffer);
  view.setUint32(4, ifdOffsets[0], true);
  for (let i = 0; i + 1 < ifdOffsets.length; i++) view.setUint32(nextPointers[i], ifdOffsets[i + 1], true);
  return out;
}

function entryBytes(entry: Entry): number[] {
  if (typeof entry.values === 'string') return [...entry.values].map((char) => char.charCodeAt(0)).concat(0);
  const bytes: number[] = [];
  for (const value of entry.values) {
    if (entry.type === 3) bytes.push(value & 0xff, (value >> 8) & 0xff);
    else bytes.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }
  return bytes;
}

function encodePixels(
  spec: TiffPageSpec,
  spp: number,
  bytesPerSample: number,
  withData: boolean,
): { bytes: number[]; chunkOffsets: number[]; chunkSizes: number[] } {
  const sampleAt = (x: number, y: number, s: number) => (withData && spec.samples ? spec.samples[(y * spec.width + x) * spp + s] : 0);
  const writeSample = (bytes: number[], value: number) => {
    if (bytesPerSample === 1) bytes.push(value & 0xff);
    else bytes.push(value & 0xff, (value >> 8) & 0xff);
  };

  if (!spec.tile) {
    const bytes: number[] = [];
    if (withData) {
      for (let y = 0; y < spec.height; y++) for (let x = 0; x < spec.width; x++) for (let s = 0; s < spp; s++) writeSample(bytes, sampleAt(x, y, s));
    }
    return { bytes, chunkOffsets: [0], chunkSizes: [bytes.length] };
  }

  // Tiles cover the image in row-major order; edge tiles are padded with zeros.
  const { width: tileWidth, height: tileHeight } = spec.tile;
  const bytes: number[] = [];
  const chunkOffsets: number[] = [];
  const chunkSizes: number[] = [];
  for (let ty = 0; ty < Math.ceil(spec.height / tileHeight); ty++) {
    for (let tx = 0; tx < Math.ceil(spec.width / tileWidth); tx++) {
      chunkOffsets.push(bytes.length);
      if (withData) {
        for (let y = 0; y < tileHeight; y++) {
          for (let x = 0; x < tileWidth; x++) {
            const gx = tx * tileWidth + x;
            const gy = ty * tileHeight + y;
            for (let s = 0; s < spp; s++) writeSample(bytes, gx < spec.width && gy < spec.height ? sampleAt(gx, gy, s) : 0);
          }
        }
      }
      chunkSizes.push(bytes.length - chunkOffsets[chunkOffsets.length - 1]);
    }
  }
  return { bytes, chunkOffsets, chunkSizes };
}
