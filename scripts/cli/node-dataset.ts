/**
 * Reads an image folder from disk the way the studio reads a dropped one:
 * classes from the first folder level, every file checked and decoded by the
 * same core, resized to the model input size.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { PixelStore } from '../../src/core/data/pixel-store';
import { resizeRgbSquare } from '../../src/core/data/resize-rgb';
import type { DecodedImage } from '../../src/core/ingest/decoded-image';
import { deriveFolderLayout } from '../../src/core/ingest/folder-layout';
import { decodeImageFile } from '../../src/core/ingest/image-decode';
import { nodeImageDecoder } from '../../src/platform/node-image-decoder';

export interface NodeDataset {
  root: string;
  classNames: string[];
  /** Paths relative to the images folder, e.g. `lung_aca/lungaca1.jpeg`. */
  paths: string[];
  labels: Int32Array;
  skipped: { path: string; reason: string }[];
}

/** Lists every file below `dir` as paths relative to its parent (`<dir name>/class/file`). */
export function walkFolder(dir: string): string[] {
  const root = path.basename(path.resolve(dir));
  const out: string[] = [];
  const visit = (absolute: string, relative: string) => {
    for (const name of readdirSync(absolute).sort()) {
      const childAbsolute = path.join(absolute, name);
      const childRelative = `${relative}/${name}`;
      if (statSync(childAbsolute).isDirectory()) visit(childAbsolute, childRelative);
      else out.push(childRelative);
    }
  };
  visit(path.resolve(dir), root);
  return out;
}

/** Classes and labels of an ImageFolder-style directory (one subfolder per class). */
export function listDataset(dir: string): NodeDataset {
  const layout = deriveFolderLayout(walkFolder(dir));
  if (layout.images.length === 0) {
    throw new Error(`${dir}: no images inside class folders. Expected one subfolder per class holding PNG, JPEG, TIFF, BMP or WebP files.`);
  }
  const classNames = layout.classes.map((c) => c.name);
  const rootPrefix = `${layout.root}/`;
  return {
    root: layout.root,
    classNames,
    paths: layout.images.map((image) => (image.path.startsWith(rootPrefix) ? image.path.slice(rootPrefix.length) : image.path)),
    labels: Int32Array.from(layout.images.map((image) => classNames.indexOf(image.className))),
    skipped: layout.unlabelled.map((p) => ({ path: p, reason: 'unlabelled: not inside a class folder' })),
  };
}

/** Decodes each image once; `onImage` receives it (for CLIP preprocessing and the CNN store). */
export async function decodeAll(
  dir: string,
  paths: readonly string[],
  onImage: (index: number, image: DecodedImage) => void,
): Promise<{ path: string; reason: string }[]> {
  const failed: { path: string; reason: string }[] = [];
  for (let i = 0; i < paths.length; i++) {
    const bytes = new Uint8Array(readFileSync(path.join(dir, paths[i])));
    const result = await decodeImageFile(bytes, paths[i], nodeImageDecoder);
    if (result.ok) onImage(i, result.image);
    else failed.push({ path: paths[i], reason: `${result.reason}: ${result.detail}` });
  }
  return failed;
}

/** Creates a PixelStore and a sink that resizes decoded images into it at `size` px. */
export function pixelStoreSink(count: number, size: number): { store: PixelStore; add(index: number, image: DecodedImage): void } {
  const store = new PixelStore(count, size);
  return { store, add: (index, image) => store.set(index, resizeRgbSquare(image.data, image.width, image.height, size)) };
}
