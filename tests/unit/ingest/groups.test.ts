import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { groupsFromRegex, groupsFromTable } from '../../../src/core/ingest/groups';
import { filterFiles } from '../../../src/core/ingest/file-filter';
import { parseCsv } from '../../../src/core/reports/csv-parse';
import { sharedPath } from '../shared-path';
import { listAsDropped } from './walk-folder';

describe('groups from lc25000 groups.csv', () => {
  const imagePaths = filterFiles(listAsDropped(sharedPath('data', 'lc25000-lung'))).images;
  const table = parseCsv(readFileSync(sharedPath('data', 'lc25000-lung', 'groups.csv'), 'utf8'));

  it('every one of the 6,035 files gets a group', () => {
    expect(imagePaths.length).toBe(6035);
    const result = groupsFromTable(imagePaths, table, { pathColumn: 'filename', groupColumn: 'group_id' });

    expect(result.unmatchedRows).toEqual([]);
    expect(result.ambiguousRows).toEqual([]);
    expect(result.conflictingRows).toEqual([]);
    expect(result.imagesWithoutGroup).toEqual([]);
    expect(result.groupByPath.size).toBe(6035);
    expect(result.groupCount).toBe(98 + 101 + 99);
  });

  it('group ids agree with the class folder', () => {
    const result = groupsFromTable(imagePaths, table, { pathColumn: 'filename', groupColumn: 'group_id' });
    let mismatched = 0;
    for (const [path, group] of result.groupByPath) {
      const classFolder = path.split('/')[1];
      if (!group.startsWith(`${classFolder}-`)) mismatched++;
    }
    expect(mismatched).toBe(0);
  });

  it('unknown column: error names the available columns', () => {
    expect(() => groupsFromTable(imagePaths, table, { pathColumn: 'path', groupColumn: 'group_id' })).toThrow(/"class", "filename"/);
  });
});

describe('groups from a table, path matching', () => {
  const imagePaths = [
    'drop/TUM/a.png',
    'drop/TUM/b.png',
    'drop/NORM/a.png',
    'drop/NORM/nested/c.png',
    'drop/NORM/d.png',
  ];

  it('bare name fallback only when unique; ambiguous rows reported', () => {
    const table = parseCsv(
      ['path,patient', 'a.png,P1', 'TUM/a.png,P1', 'drop/NORM/a.png,P2', 'c.png,P3', 'missing.png,P4', 'b.png,', 'NORM\\d.png,P5'].join('\n'),
    );
    const result = groupsFromTable(imagePaths, table, { pathColumn: 'path', groupColumn: 'patient' });

    expect(result.ambiguousRows).toEqual([{ line: 2, value: 'a.png', candidates: ['drop/TUM/a.png', 'drop/NORM/a.png'] }]);
    expect(result.unmatchedRows).toEqual([{ line: 6, value: 'missing.png' }]);
    expect(result.emptyGroupRows).toEqual([{ line: 7, value: 'b.png' }]);
    expect(result.groupByPath.get('drop/TUM/a.png')).toBe('P1');
    expect(result.groupByPath.get('drop/NORM/a.png')).toBe('P2');
    expect(result.groupByPath.get('drop/NORM/nested/c.png')).toBe('P3');
    expect(result.groupByPath.get('drop/NORM/d.png')).toBe('P5');
    expect(result.imagesWithoutGroup).toEqual(['drop/TUM/b.png']);
  });

  it('second, different group for one image: reported, first kept', () => {
    const table = parseCsv('path,patient\nTUM/b.png,P1\ndrop/TUM/b.png,P9\n');
    const result = groupsFromTable(imagePaths, table, { pathColumn: 'path', groupColumn: 'patient' });
    expect(result.groupByPath.get('drop/TUM/b.png')).toBe('P1');
    expect(result.conflictingRows).toEqual([{ line: 3, value: 'drop/TUM/b.png', candidates: ['drop/TUM/b.png'] }]);
  });
});

describe('groups from a filename regex', () => {
  const imagePaths = filterFiles(listAsDropped(sharedPath('data', 'crc-he-tiles'))).images;

  it('one capture group: tissue code from the file name', () => {
    const result = groupsFromRegex(imagePaths, '/([A-Z]+)-[A-Z0-9-]+\\.(?:png|tif)$');
    if (!result.ok) throw new Error(result.error);
    expect(result.unmatched).toEqual([]);
    expect(result.groupByPath.size).toBe(41);
    expect(result.groupCount).toBe(9);
    expect(result.groupByPath.get('crc-he-tiles/NCT-CRC-HE-100K/NORM/NORM-AAAWMSFI.tif')).toBe('NORM');
  });

  it('paths that do not match are listed', () => {
    const result = groupsFromRegex(imagePaths, '-TCGA-([A-Z]{4})');
    if (!result.ok) throw new Error(result.error);
    expect(result.groupByPath.size).toBe(32);
    expect(result.unmatched.length).toBe(9);
    expect(result.unmatched.every((path) => path.endsWith('.tif'))).toBe(true);
  });

  it('zero or two capture groups: rejected with a message', () => {
    const none = groupsFromRegex(imagePaths, 'TCGA-[A-Z]+');
    const two = groupsFromRegex(imagePaths, '(TCGA)-([A-Z]+)');
    expect(none.ok).toBe(false);
    expect(two.ok).toBe(false);
    if (!none.ok) expect(none.error).toContain('0 capture groups');
    if (!two.ok) expect(two.error).toContain('2 capture groups');
  });

  it('invalid pattern: rejected with a message', () => {
    const result = groupsFromRegex(imagePaths, '([A-Z');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('invalid regular expression');
  });
});
