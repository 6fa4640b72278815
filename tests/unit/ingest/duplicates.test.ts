import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { findDuplicateSets, sha256Hex, type HashedFile } from '../../../src/core/ingest/duplicates';
import { filterFiles } from '../../../src/core/ingest/file-filter';
import { groupsFromTable } from '../../../src/core/ingest/groups';
import { parseCsv } from '../../../src/core/reports/csv-parse';
import { SHARED, sharedPath } from '../shared-path';
import { listAsDropped } from './walk-folder';

describe('duplicates', () => {
  it('sha256Hex: known digest of "abc"', async () => {
    // FIPS 180-2 appendix B.1 test vector.
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('lc25000: 318 identical sets, none across groups or classes', async () => {
    const lungFolder = sharedPath('data', 'lc25000-lung');
    const imagePaths = filterFiles(listAsDropped(lungFolder)).images;
    const groups = groupsFromTable(imagePaths, parseCsv(readFileSync(path.join(lungFolder, 'groups.csv'), 'utf8')), {
      pathColumn: 'filename',
      groupColumn: 'group_id',
    });

    const files: HashedFile[] = [];
    for (const imagePath of imagePaths) {
      const bytes = new Uint8Array(readFileSync(path.join(path.dirname(lungFolder), imagePath)));
      files.push({ path: imagePath, sha256: await sha256Hex(bytes), group: groups.groupByPath.get(imagePath), className: imagePath.split('/')[1] });
    }

    const report = findDuplicateSets(files);
    expect(report.sets.length).toBe(318);
    expect(report.anyCrossGroup).toBe(false);
    expect(report.anyCrossClass).toBe(false);
    expect(report.sets.every((set) => set.paths.length >= 2 && set.groups.length === 1)).toBe(true);
  });

  it('bad-inputs: norm_a.png copies flagged across classes', async () => {
    const imagesFolder = sharedPath('data', 'bad-inputs', 'images');
    const imagePaths = filterFiles(listAsDropped(imagesFolder)).images;
    const files: HashedFile[] = [];
    for (const imagePath of imagePaths) {
      const bytes = new Uint8Array(readFileSync(path.join(SHARED, 'data', 'bad-inputs', imagePath)));
      files.push({ path: imagePath, sha256: await sha256Hex(bytes), className: imagePath.split('/')[1] });
    }

    const report = findDuplicateSets(files);
    const normSet = report.sets.find((set) => set.paths.includes('images/NORM/norm_a.png'));
    expect(normSet?.paths).toContain('images/NORM/nested/norm_a.png');

    // The same 94,855-byte tile also sits in TUM and at the top level, so the set spans classes.
    expect(normSet?.crossClass).toBe(true);
    expect(report.anyCrossClass).toBe(true);
  });
});
