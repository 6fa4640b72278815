/**
 * Whole-slide image detection. The studio trains on tiles of about 224 px,
 * so a slide must be tiled before import, and the skip message explains how.
 */

import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from './image-limits';
import type { TiffHeaderInfo } from './tiff-header';

/** Extensions of whole-slide formats (Aperio, Hamamatsu, MIRAX, Leica, Ventana). */
export const WHOLE_SLIDE_EXTENSIONS = ['svs', 'ndpi', 'mrxs', 'scn', 'vms', 'vmu', 'bif'] as const;

/** Plain instructions shown when a whole-slide image is dropped. */
export const WHOLE_SLIDE_ADVICE =
  'The studio trains on image tiles, not on whole slides. Cut the slide into 224x224 px tiles first, ' +
  'for example with a QuPath tile export script (TileExporter, tile size 224) or with openslide-python ' +
  '(openslide.deepzoom.DeepZoomGenerator(slide, tile_size=224, overlap=0)), save the tiles as PNG or JPEG ' +
  'in one folder per class, and drop that folder here.';

export function fileExtension(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

export function hasWholeSlideExtension(path: string): boolean {
  return (WHOLE_SLIDE_EXTENSIONS as readonly string[]).includes(fileExtension(path));
}

/**
 * Names the whole-slide flavour of a TIFF, or returns null for an ordinary TIFF.
 * Vendor markers: Aperio writes "Aperio" at the start of ImageDescription,
 * Hamamatsu NDPI sets private tag 65420, Leica SCN stores an XML description
 * with a "scn" root element.
 */
export function wholeSlideKindFromTiff(info: TiffHeaderInfo): string | null {
  const description = info.description ?? '';
  if (description.startsWith('Aperio')) return 'Aperio SVS';
  if (info.hasNdpiTag) return 'Hamamatsu NDPI';
  if (/<scn[\s>]/i.test(description)) return 'Leica SCN';
  if (info.bigTiff) return 'BigTIFF';

  // A tiled TIFF with several pages (a pyramid) and a large base level is a
  // slide even without a vendor marker, for example a generic pyramidal TIFF.
  const largest = info.largestPage;
  const large =
    largest !== undefined &&
    (largest.width > MAX_IMAGE_SIDE || largest.height > MAX_IMAGE_SIDE || largest.width * largest.height > MAX_IMAGE_PIXELS);
  if (info.tiled && info.pageCount > 1 && large) return 'pyramidal tiled TIFF';

  return null;
}

export function wholeSlideMessage(kind: string): string {
  return `whole-slide image (${kind}). ${WHOLE_SLIDE_ADVICE}`;
}
