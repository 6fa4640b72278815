/**
 * Resizes interleaved RGB uint8 pixels to a square `size` x `size` image:
 * centre-crop to a square first (tiles are usually square already; cropping
 * keeps the tissue scale equal along both axes), then area-average when
 * shrinking and bilinear interpolation when enlarging.
 */
export function resizeRgbSquare(rgb: Uint8Array | Uint8ClampedArray, width: number, height: number, size: number): Uint8Array {
  if (rgb.length !== width * height * 3) {
    throw new Error(`resizeRgbSquare: ${rgb.length} values do not match ${width}x${height}x3.`);
  }

  const side = Math.min(width, height);
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const out = new Uint8Array(size * size * 3);
  const scale = side / size;

  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const target = (y * size + x) * 3;
      if (scale >= 1) {
        areaAverage(rgb, width, left + x * scale, top + y * scale, scale, out, target);
      } else {
        bilinear(rgb, width, height, left + (x + 0.5) * scale - 0.5, top + (y + 0.5) * scale - 0.5, out, target);
      }
    }
  }
  return out;
}

function areaAverage(
  rgb: ArrayLike<number>,
  width: number,
  x0: number,
  y0: number,
  span: number,
  out: Uint8Array,
  target: number,
): void {
  const xStart = Math.floor(x0);
  const yStart = Math.floor(y0);
  const xEnd = Math.max(xStart + 1, Math.ceil(x0 + span - 1e-9));
  const yEnd = Math.max(yStart + 1, Math.ceil(y0 + span - 1e-9));
  let r = 0;
  let g = 0;
  let b = 0;
  let weightSum = 0;

  for (let sy = yStart; sy < yEnd; sy++) {
    const wy = Math.min(sy + 1, y0 + span) - Math.max(sy, y0);
    if (wy <= 0) continue;
    for (let sx = xStart; sx < xEnd; sx++) {
      const wx = Math.min(sx + 1, x0 + span) - Math.max(sx, x0);
      if (wx <= 0) continue;
      const w = wx * wy;
      const source = (sy * width + sx) * 3;
      r += rgb[source] * w;
      g += rgb[source + 1] * w;
      b += rgb[source + 2] * w;
      weightSum += w;
    }
  }

  out[target] = Math.round(r / weightSum);
  out[target + 1] = Math.round(g / weightSum);
  out[target + 2] = Math.round(b / weightSum);
}

function bilinear(
  rgb: ArrayLike<number>,
  width: number,
  height: number,
  fx: number,
  fy: number,
  out: Uint8Array,
  target: number,
): void {
  const x = Math.min(Math.max(fx, 0), width - 1);
  const y = Math.min(Math.max(fy, 0), height - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const dx = x - x0;
  const dy = y - y0;

  for (let c = 0; c < 3; c++) {
    const top = rgb[(y0 * width + x0) * 3 + c] * (1 - dx) + rgb[(y0 * width + x1) * 3 + c] * dx;
    const bottom = rgb[(y1 * width + x0) * 3 + c] * (1 - dx) + rgb[(y1 * width + x1) * 3 + c] * dx;
    out[target + c] = Math.round(top * (1 - dy) + bottom * dy);
  }
}

/** Drops the alpha channel of RGBA pixels. */
export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray): Uint8Array {
  const pixels = rgba.length / 4;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    rgb[i * 3] = rgba[i * 4];
    rgb[i * 3 + 1] = rgba[i * 4 + 1];
    rgb[i * 3 + 2] = rgba[i * 4 + 2];
  }
  return rgb;
}
