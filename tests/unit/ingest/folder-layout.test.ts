import { describe, expect, it } from 'vitest';

import { deriveFolderLayout, suggestClassLevel } from '../../../src/core/ingest/folder-layout';
import { filterFiles } from '../../../src/core/ingest/file-filter';
import { sharedPath } from '../shared-path';
import { listAsDropped } from './walk-folder';

describe('folder layout on bad-inputs/images', () => {
  const paths = listAsDropped(sharedPath('data', 'bad-inputs', 'images'));
  const layout = deriveFolderLayout(paths);

  it('uses the dropped folder as root', () => {
    expect(layout.root).toBe('images');
    expect(layout.classLevel).toBe(0);
  });

  it('EMPTY_CLASS: reported as an empty class', () => {
    expect(layout.emptyClasses).toEqual(['EMPTY_CLASS']);
    expect(layout.classes.map((entry) => entry.name)).not.toContain('EMPTY_CLASS');
  });

  it('stray_top_level.png: reported as unlabelled', () => {
    expect(layout.unlabelled).toEqual(['images/stray_top_level.png']);
    expect(layout.images.some((image) => image.path === 'images/stray_top_level.png')).toBe(false);
  });

  it('NORM nested files: class NORM', () => {
    const deep = layout.images.find((image) => image.path === 'images/NORM/nested/deeper/deep.png');
    expect(deep?.className).toBe('NORM');
    expect(deep?.classFolder).toBe('NORM');
  });

  it('norm_a.png twice: both kept, told apart by path', () => {
    const copies = layout.images.filter((image) => image.path.endsWith('/norm_a.png'));
    expect(copies.map((image) => image.path).sort()).toEqual(['images/NORM/nested/norm_a.png', 'images/NORM/norm_a.png']);
    expect(copies.every((image) => image.className === 'NORM')).toBe(true);
  });

  it('classes: NORM and TUM with their image counts', () => {
    const candidates = filterFiles(paths).images;
    const tumCandidates = candidates.filter((candidate) => candidate.startsWith('images/TUM/')).length;
    expect(layout.classes).toEqual([
      { name: 'NORM', imageCount: 3, folders: ['NORM'] },
      { name: 'TUM', imageCount: tumCandidates, folders: ['TUM'] },
    ]);
    expect(tumCandidates).toBe(16);
  });

  it('hidden files: ignored silently, not counted as problems', () => {
    expect(layout.hidden.sort()).toEqual(['images/EMPTY_CLASS/.gitkeep', 'images/TUM/.DS_Store', 'images/TUM/Thumbs.db']);
    expect(layout.nonImages).toEqual([]);
  });

  it('merge and exclude options', () => {
    const merged = deriveFolderLayout(paths, { merge: { NORM: 'benign', TUM: 'tumour' }, exclude: ['TUM/UPPER.JPEG', 'nested'] });
    expect(merged.classes.map((entry) => entry.name)).toEqual(['benign', 'tumour']);
    expect(merged.excluded).toContain('images/TUM/UPPER.JPEG');

    // "nested" is neither a class nor a root-relative folder, so nothing under NORM/nested is excluded by it.
    expect(merged.classes.find((entry) => entry.name === 'benign')?.imageCount).toBe(3);

    const withoutNested = deriveFolderLayout(paths, { exclude: ['NORM/nested'] });
    expect(withoutNested.classes.find((entry) => entry.name === 'NORM')?.imageCount).toBe(1);
    expect(withoutNested.excluded.sort()).toEqual(['images/NORM/nested/deeper/deep.png', 'images/NORM/nested/norm_a.png']);

    const withoutTum = deriveFolderLayout(paths, { exclude: ['TUM'] });
    expect(withoutTum.classes.map((entry) => entry.name)).toEqual(['NORM']);
    expect(withoutTum.hints.map((hint) => hint.kind)).toContain('single-class');
  });

  it('class level 1: images above it are unlabelled', () => {
    const deeper = deriveFolderLayout(paths, { classLevel: 1 });
    expect(deeper.classes.map((entry) => entry.name)).toEqual(['nested']);
    expect(deeper.unlabelled).toContain('images/NORM/norm_a.png');
    expect(deeper.unlabelled).toContain('images/stray_top_level.png');
  });
});

describe('folder layout on lc25000-lung', () => {
  const paths = listAsDropped(sharedPath('data', 'lc25000-lung'));
  const layout = deriveFolderLayout(paths);

  it('group_source: not a class, it holds only CSVs', () => {
    expect(layout.classes.map((entry) => entry.name)).toEqual(['lung_aca', 'lung_n', 'lung_scc']);
    const hint = layout.hints.find((entry) => entry.kind === 'folder-without-images');
    expect(hint?.message).toContain('group_source');
    expect(layout.emptyClasses).toEqual([]);
  });

  it('6,035 images in three classes, root files listed as non-images', () => {
    expect(layout.images.length).toBe(6035);
    expect(layout.classes.map((entry) => entry.imageCount)).toEqual([2009, 2010, 2016]);
    expect(layout.unlabelled).toEqual([]);
    expect(layout.nonImages).toContain('lc25000-lung/groups.csv');
    expect(layout.nonImages).toContain('lc25000-lung/SOURCE.txt');
    expect(layout.nonImages).toContain('lc25000-lung/group_source/lung_aca.csv');
  });

  it('suggested class level is 0', () => {
    expect(suggestClassLevel(paths)).toBe(0);
  });
});

describe('folder layout with two datasets in one folder', () => {
  const paths = listAsDropped(sharedPath('data', 'crc-he-tiles'));

  it('first level flagged as datasets, class level 1 suggested', () => {
    const layout = deriveFolderLayout(paths);
    expect(layout.classes.map((entry) => entry.name)).toEqual(['CRC-VAL-HE-7K', 'NCT-CRC-HE-100K']);
    const hint = layout.hints.find((entry) => entry.kind === 'containers-not-classes');
    expect(hint?.suggestedLevel).toBe(1);
    expect(suggestClassLevel(paths)).toBe(1);
  });

  it('class level 1: same class names from both datasets merge', () => {
    const layout = deriveFolderLayout(paths, { classLevel: 1 });
    const norm = layout.classes.find((entry) => entry.name === 'NORM');
    expect(norm?.folders.sort()).toEqual(['CRC-VAL-HE-7K/NORM', 'NCT-CRC-HE-100K/NORM']);
    expect(layout.images.length).toBe(41);
    expect(layout.classes.length).toBe(9);
    expect(layout.hints.filter((entry) => entry.kind !== 'folder-without-images')).toEqual([]);
  });
});
