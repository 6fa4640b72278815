import { describe, expect, it } from 'vitest';

import { classifyPath, filterFiles } from '../../../src/core/ingest/file-filter';
import { buildPathIndex } from '../../../src/core/ingest/path-match';

describe('file filter', () => {
  const cases: [string, 'hidden' | 'image' | 'other'][] = [
    ['drop/TUM/.DS_Store', 'hidden'],
    ['drop/TUM/Thumbs.db', 'hidden'],
    ['drop/TUM/desktop.ini', 'hidden'],
    ['drop/__MACOSX/TUM/._a.png', 'hidden'],
    ['drop/TUM/._a.png', 'hidden'],
    ['drop/.git/config', 'hidden'],
    ['drop/TUM/.gitkeep', 'hidden'],
    ['drop/TUM/UPPER.JPEG', 'image'],
    ['drop/TUM/a.tif', 'image'],
    ['drop/TUM/slide.svs', 'image'],
    ['drop/TUM/tile.webp', 'image'],
    ['drop/labels.csv', 'other'],
    ['drop/README', 'other'],
  ];

  it.each(cases)('%s: %s', (path, kind) => {
    expect(classifyPath(path)).toBe(kind);
  });

  it('filterFiles keeps input order per list', () => {
    const result = filterFiles(['d/b.png', 'd/.DS_Store', 'd/notes.txt', 'd/a.png']);
    expect(result).toEqual({ images: ['d/b.png', 'd/a.png'], hidden: ['d/.DS_Store'], nonImages: ['d/notes.txt'] });
  });
});

describe('path matching', () => {
  it('decomposed (NFD) file name matches a composed (NFC) CSV value', () => {
    const decomposed = 'drop/TUM/tumo\u0308r \u0075\u0308 01.png';
    const index = buildPathIndex([decomposed], 'drop');
    expect(index.match('tumör ü 01.png')).toEqual({ kind: 'matched', path: decomposed, by: 'suffix' });
    expect(index.match('TUM/tumör ü 01.png')).toEqual({ kind: 'matched', path: decomposed, by: 'path' });
  });

  it('Windows separators and ./ prefix accepted', () => {
    const index = buildPathIndex(['drop/TUM/a.png'], 'drop');
    expect(index.match('./TUM/a.png')).toEqual({ kind: 'matched', path: 'drop/TUM/a.png', by: 'path' });
    expect(index.match('TUM\\a.png')).toEqual({ kind: 'matched', path: 'drop/TUM/a.png', by: 'path' });
    expect(index.match('')).toEqual({ kind: 'none' });
  });
});
