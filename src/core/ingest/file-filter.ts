/**
 * Sorts dropped file paths before any byte is read: hidden and system files
 * are ignored silently, files with image (or whole-slide) extensions become
 * candidates, everything else is listed as not an image. The extension only
 * decides which files are worth reading; the format itself comes from the
 * magic bytes in `image-sniff.ts`.
 */

import { fileExtension, WHOLE_SLIDE_EXTENSIONS } from './whole-slide';

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'jpe', 'jfif', 'tif', 'tiff', 'bmp', 'dib', 'webp', 'gif'] as const;

/** File names that operating systems and tools create beside user files. */
const SYSTEM_FILE_NAMES = new Set(['thumbs.db', 'ehthumbs.db', 'desktop.ini', 'icon\r', '$recycle.bin']);

/** Folder names whose content is never user data (macOS archive metadata, version control). */
const SYSTEM_FOLDER_NAMES = new Set(['__macosx', '.git', '.svn', '$recycle.bin', 'system volume information']);

export type FileKind = 'hidden' | 'image' | 'other';

export interface FilteredFiles {
  /** Paths to read and decode, in input order. */
  images: string[];
  /** Paths ignored silently: dotfiles, OS metadata, files inside system folders. */
  hidden: string[];
  /** Paths without an image extension, listed so the user can see they were not read. */
  nonImages: string[];
}

/** Splits a path on '/' and '\', dropping empty segments. */
export function pathSegments(path: string): string[] {
  return path.split(/[\\/]+/).filter((segment) => segment.length > 0);
}

/** True for dotfiles, AppleDouble files (`._name`), OS metadata files and anything inside a system folder. */
export function isHiddenOrSystemPath(path: string): boolean {
  const segments = pathSegments(path);
  if (segments.length === 0) return true;

  const name = segments[segments.length - 1];
  if (name.startsWith('.') || name.startsWith('~$')) return true;
  if (SYSTEM_FILE_NAMES.has(name.toLowerCase())) return true;

  return segments.slice(0, -1).some((folder) => folder.startsWith('.') || SYSTEM_FOLDER_NAMES.has(folder.toLowerCase()));
}

export function classifyPath(path: string): FileKind {
  if (isHiddenOrSystemPath(path)) return 'hidden';

  const extension = fileExtension(path);
  const imageLike =
    (IMAGE_EXTENSIONS as readonly string[]).includes(extension) || (WHOLE_SLIDE_EXTENSIONS as readonly string[]).includes(extension);
  return imageLike ? 'image' : 'other';
}

export function filterFiles(paths: readonly string[]): FilteredFiles {
  const result: FilteredFiles = { images: [], hidden: [], nonImages: [] };
  for (const path of paths) {
    const kind = classifyPath(path);
    if (kind === 'hidden') result.hidden.push(path);
    else if (kind === 'image') result.images.push(path);
    else result.nonImages.push(path);
  }
  return result;
}
