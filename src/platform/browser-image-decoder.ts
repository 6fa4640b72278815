/**
 * `PlatformDecoder` for browsers and Web Workers: createImageBitmap decodes
 * PNG, JPEG, WebP and GIF (first frame), and an OffscreenCanvas reads the
 * pixels back, so it runs inside a worker without a DOM.
 */

import { ImageDecodeError } from '../core/ingest/decode-error';
import type { PlatformDecoder, PlatformImage } from '../core/ingest/image-decode';

export const browserImageDecoder: PlatformDecoder = async (bytes: Uint8Array, mime: string): Promise<PlatformImage> => {
  let bitmap: ImageBitmap;
  try {
    // Colour management off and premultiplication off keep the stored RGB values.
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError('corrupt', `the browser could not decode this ${mime} file (${detail})`);
  }

  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('OffscreenCanvas 2D context is not available in this browser');

    // NOTE: a 2D canvas stores premultiplied alpha, so semi-transparent pixels
    // can come back up to about 1 step off per channel after getImageData.
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, width, height);
    return { width, height, rgba: pixels.data };
  } finally {
    bitmap.close();
  }
};
