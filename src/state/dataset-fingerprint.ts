/**
 * Computes a short hash of a dataset's image paths, file sizes and labels. A resumed
 * run compares it with the fingerprint saved at the start, so it never
 * continues on different images or labels.
 */
export function datasetFingerprint(images: readonly { path: string; file: Blob; label: number }[]): string {
  // FNV-1a, 32-bit, over "path:size:label" lines: cheap and stable, not a security hash.
  let hash = 0x811c9dc5;
  for (const image of images) {
    const line = `${image.path}:${image.file.size}:${image.label}\n`;
    for (let i = 0; i < line.length; i++) {
      hash ^= line.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return `${images.length}-${(hash >>> 0).toString(16).padStart(8, '0')}`;
}
