/**
 * OPFS keys for imported images. Originals and thumbnails are stored by the
 * SHA-256 of the original bytes, so identical files are stored once and a
 * second import of the same tiles writes nothing.
 */

export const IMPORTED_ORIGINALS = 'imported-images';
export const IMPORTED_THUMBNAILS = 'imported-thumbnails';
export const DATASET_MANIFEST_KEY = 'imported-datasets/current.json';

export function originalKey(sha256: string): string {
  return `${IMPORTED_ORIGINALS}/${sha256}`;
}

export function thumbnailKey(sha256: string): string {
  return `${IMPORTED_THUMBNAILS}/${sha256}.jpg`;
}
