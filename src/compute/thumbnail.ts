import type { DecodedImage } from '../core/ingest/decoded-image';

export const THUMBNAIL_SIZE = 96;

/**
 * Renders a small JPEG of a decoded image with OffscreenCanvas (available in
 * workers), so TIFF tiles, which `<img>` cannot show, get thumbnails too.
 */
export async function makeThumbnail(image: DecodedImage, size = THUMBNAIL_SIZE): Promise<Blob> {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    rgba[j] = image.data[i];
    rgba[j + 1] = image.data[i + 1];
    rgba[j + 2] = image.data[i + 2];
    rgba[j + 3] = 255;
  }

  const source = new OffscreenCanvas(image.width, image.height);
  source.getContext('2d')!.putImageData(new ImageData(rgba, image.width, image.height), 0, 0);

  const scale = size / Math.max(image.width, image.height);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const target = new OffscreenCanvas(width, height);
  const context = target.getContext('2d')!;
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, 0, 0, width, height);

  return target.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
}
