/**
 * Size limits for imported images, checked against the header before any
 * pixel is decoded, so a forged or huge header cannot exhaust memory.
 */

/** Maximum width or height of an imported image, in pixels. */
export const MAX_IMAGE_SIDE = 10_000;

/** Maximum pixel count (width x height) of an imported image: 50 megapixels. */
export const MAX_IMAGE_PIXELS = 50_000_000;

/**
 * Minimum width and height, in pixels. Smaller images carry no tissue
 * structure at the 224 px model input and are skipped with reason 'too small'.
 */
export const MIN_IMAGE_SIDE = 8;

export type DimensionCheck =
  | { ok: true }
  | { ok: false; kind: 'over-limit' | 'too-small' | 'invalid'; message: string };

/** Checks declared dimensions against the limits above; `width`/`height` are in pixels. */
export function checkImageDimensions(width: number, height: number): DimensionCheck {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    return {
      ok: false,
      kind: 'invalid',
      message: `the header declares an invalid size of ${width}x${height} px`,
    };
  }

  const pixels = width * height;
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || pixels > MAX_IMAGE_PIXELS) {
    const megapixels = (pixels / 1e6).toFixed(pixels >= 1e8 ? 0 : 1);
    return {
      ok: false,
      kind: 'over-limit',
      message:
        `the header declares ${width}x${height} px (${megapixels} megapixels), over the limit of ` +
        `${MAX_IMAGE_SIDE} px per side and ${MAX_IMAGE_PIXELS / 1e6} megapixels; ` +
        'cut it into tiles or downscale it before import',
    };
  }

  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
    return {
      ok: false,
      kind: 'too-small',
      message: `${width}x${height} px is below the minimum of ${MIN_IMAGE_SIDE}x${MIN_IMAGE_SIDE} px`,
    };
  }

  return { ok: true };
}
