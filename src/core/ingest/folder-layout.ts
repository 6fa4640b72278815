/**
 * Derives classes from a dropped folder tree. By default each folder at the
 * first level below the dropped root is a class and every image below it, at
 * any depth, belongs to that class. Images at or above the class level are
 * unlabelled, never given a class.
 */

import { classifyPath, pathSegments } from './file-filter';
import { detectRoot, relativeSegments } from './path-match';

export interface FolderLayoutOptions {
  /** Folder depth below the dropped root whose names are the classes; 0 (default) is the first level. */
  classLevel?: number;
  /** Class merges applied after derivation: source class name to target class name. */
  merge?: Readonly<Record<string, string>>;
  /**
   * Left out of the dataset: a class name (before or after merging) or a folder
   * path relative to the dropped root (e.g. "TUM/old").
   */
  exclude?: readonly string[];
}

export interface LabelledImage {
  path: string;
  className: string;
  /** Class folder relative to the root, e.g. "CRC-VAL-HE-7K/NORM". */
  classFolder: string;
}

export interface LayoutClass {
  name: string;
  imageCount: number;
  /** Class folders (relative to the root) merged into this class. */
  folders: string[];
}

export interface LayoutHint {
  kind: 'folder-without-images' | 'containers-not-classes' | 'single-class' | 'no-classes';
  message: string;
  /** Class level the user should try instead, when one fits better. */
  suggestedLevel?: number;
}

export interface FolderLayout {
  /** Dropped root folder name ('' when the paths have none). */
  root: string;
  classLevel: number;
  /** Classes holding at least one image, sorted by name. */
  classes: LayoutClass[];
  images: LabelledImage[];
  /** Image paths at or above the class level. */
  unlabelled: string[];
  /** Class folders that hold only hidden files: dropped from training, listed for the user. */
  emptyClasses: string[];
  /** Images left out by `exclude`. */
  excluded: string[];
  /** Files ignored silently (dotfiles, Thumbs.db, __MACOSX). */
  hidden: string[];
  /** Files without an image extension, listed but not read. */
  nonImages: string[];
  hints: LayoutHint[];
}

interface FolderStats {
  /** Folder path relative to the root. */
  folder: string;
  name: string;
  images: string[];
  directImages: number;
  nonImages: number;
  hiddenFiles: number;
  /** Names of the next-level subfolders that hold images. */
  childNames: Set<string>;
}

export function deriveFolderLayout(paths: readonly string[], options: FolderLayoutOptions = {}): FolderLayout {
  const classLevel = options.classLevel ?? 0;
  if (!Number.isInteger(classLevel) || classLevel < 0) {
    throw new RangeError(`classLevel must be a non-negative integer, got ${classLevel}`);
  }

  const root = detectRoot(paths);
  const layout: FolderLayout = {
    root,
    classLevel,
    classes: [],
    images: [],
    unlabelled: [],
    emptyClasses: [],
    excluded: [],
    hidden: [],
    nonImages: [],
    hints: [],
  };

  const folders = collectFolders(paths, root, classLevel, layout);
  const excludes = (options.exclude ?? []).map((entry) => pathSegments(entry).join('/'));
  const merge = options.merge ?? {};
  const classes = new Map<string, LayoutClass>();

  for (const stats of folders.values()) {
    if (stats.images.length === 0) {
      if (stats.nonImages === 0 && stats.hiddenFiles > 0) layout.emptyClasses.push(stats.folder);
      else if (stats.nonImages > 0) {
        layout.hints.push({
          kind: 'folder-without-images',
          message: `"${stats.folder}" contains no images (${stats.nonImages} other file${stats.nonImages === 1 ? '' : 's'}), so it is not a class`,
        });
      }
      continue;
    }

    const className = merge[stats.name] ?? stats.name;
    for (const path of stats.images) {
      if (isExcluded(path, root, stats.name, className, excludes)) {
        layout.excluded.push(path);
        continue;
      }
      layout.images.push({ path, className, classFolder: stats.folder });

      let entry = classes.get(className);
      if (entry === undefined) {
        entry = { name: className, imageCount: 0, folders: [] };
        classes.set(className, entry);
      }
      entry.imageCount += 1;
      if (!entry.folders.includes(stats.folder)) entry.folders.push(stats.folder);
    }
  }

  layout.classes = [...classes.values()].sort((a, b) => a.name.localeCompare(b.name));
  layout.emptyClasses.sort();
  layout.hints.push(...levelHints(paths, layout, folders));
  return layout;
}

/**
 * Suggests the class level: the shallowest level with at least two classes
 * that does not look like a level of dataset containers. Returns 0 when no
 * level up to depth 5 fits.
 */
export function suggestClassLevel(paths: readonly string[]): number {
  const root = detectRoot(paths);
  for (let level = 0; level <= 5; level++) {
    const folders = collectFolders(paths, root, level, null);
    const withImages = [...folders.values()].filter((stats) => stats.images.length > 0);
    if (withImages.length === 0) break;
    if (new Set(withImages.map((stats) => stats.name)).size >= 2 && !looksLikeContainers(withImages)) return level;
  }
  return 0;
}

/** Groups every file by its folder at `classLevel`; files above that level go to `layout` directly. */
function collectFolders(paths: readonly string[], root: string, classLevel: number, layout: FolderLayout | null): Map<string, FolderStats> {
  const folders = new Map<string, FolderStats>();

  for (const path of paths) {
    const kind = classifyPath(path);
    const segments = relativeSegments(path, root);
    const folderSegments = segments.slice(0, -1);

    if (kind === 'hidden') layout?.hidden.push(path);
    if (kind === 'other') layout?.nonImages.push(path);

    if (folderSegments.length <= classLevel) {
      if (kind === 'image') layout?.unlabelled.push(path);
      continue;
    }

    const folder = folderSegments.slice(0, classLevel + 1).join('/');
    let stats = folders.get(folder);
    if (stats === undefined) {
      stats = { folder, name: folderSegments[classLevel], images: [], directImages: 0, nonImages: 0, hiddenFiles: 0, childNames: new Set() };
      folders.set(folder, stats);
    }

    if (kind === 'hidden') stats.hiddenFiles += 1;
    else if (kind === 'other') stats.nonImages += 1;
    else {
      stats.images.push(path);
      if (folderSegments.length === classLevel + 1) stats.directImages += 1;
      else stats.childNames.add(folderSegments[classLevel + 1]);
    }
  }
  return folders;
}

/**
 * True when the folders look like datasets that each contain the real class
 * folders: no images directly inside, and at least one subfolder name that
 * repeats under two of them (e.g. "NORM" under two collections).
 */
function looksLikeContainers(folders: FolderStats[]): boolean {
  if (folders.some((stats) => stats.directImages > 0)) return false;
  if (folders.length === 1) return folders[0].childNames.size >= 2;

  const seen = new Map<string, number>();
  for (const stats of folders) {
    for (const name of stats.childNames) seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  return [...seen.values()].some((count) => count >= 2);
}

function levelHints(paths: readonly string[], layout: FolderLayout, folders: Map<string, FolderStats>): LayoutHint[] {
  const hints: LayoutHint[] = [];
  const withImages = [...folders.values()].filter((stats) => stats.images.length > 0);
  const suggested = suggestClassLevel(paths);
  const suggestion = suggested !== layout.classLevel ? suggested : undefined;

  if (withImages.length === 0) {
    hints.push({ kind: 'no-classes', message: `no folder at class level ${layout.classLevel} contains images; try another level`, suggestedLevel: suggestion });
    return hints;
  }

  if (looksLikeContainers(withImages)) {
    const names = withImages.map((stats) => stats.name).join(', ');
    hints.push({
      kind: 'containers-not-classes',
      message: `the folders at this level (${names}) hold their images only in subfolders with repeating names, so they look like separate datasets; the class names are probably one level deeper`,
      suggestedLevel: layout.classLevel + 1,
    });
  } else if (layout.classes.length === 1) {
    hints.push({
      kind: 'single-class',
      message: `only one class ("${layout.classes[0].name}") was found; a classifier needs at least two`,
      suggestedLevel: suggestion,
    });
  }
  return hints;
}

function isExcluded(path: string, root: string, folderName: string, className: string, excludes: readonly string[]): boolean {
  if (excludes.length === 0) return false;
  const relative = relativeSegments(path, root).join('/');
  return excludes.some((entry) => entry === folderName || entry === className || relative === entry || relative.startsWith(entry + '/'));
}
