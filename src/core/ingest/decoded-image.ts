/** Decoded pixels in the one layout the rest of the studio consumes. */

/** An 8-bit RGB image, row-major, 3 bytes per pixel, no padding between rows. */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Converts RGBA to RGB by dropping alpha. Colour values are kept as stored and
 * not composited over white, because stain colour is the signal and a
 * semi-transparent export should not shift it.
 */
export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): DecodedImage {
  const pixels = width * height;
  if (rgba.length < pixels * 4) {
    throw new RangeError(`RGBA buffer is ${rgba.length} bytes, expected ${pixels * 4} for ${width}x${height} px`);
  }

  const data = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    data[i * 3] = rgba[i * 4];
    data[i * 3 + 1] = rgba[i * 4 + 1];
    data[i * 3 + 2] = rgba[i * 4 + 2];
  }
  return { width, height, data };
}

/** Replicates one 8-bit gray channel into R, G and B. */
export function grayToRgb(gray: Uint8Array | Uint8ClampedArray, width: number, height: number): DecodedImage {
  const pixels = width * height;
  if (gray.length < pixels) {
    throw new RangeError(`gray buffer is ${gray.length} bytes, expected ${pixels} for ${width}x${height} px`);
  }

  const data = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const value = gray[i];
    data[i * 3] = value;
    data[i * 3 + 1] = value;
    data[i * 3 + 2] = value;
  }
  return { width, height, data };
}
