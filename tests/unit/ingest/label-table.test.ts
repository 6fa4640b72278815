import { describe, expect, it } from 'vitest';

import { layoutFromLabelTable } from '../../../src/core/ingest/label-table';
import { parseCsv } from '../../../src/core/reports/csv-parse';

describe('labels from a CSV', () => {
  const paths = ['flat/img1.png', 'flat/img2.png', 'flat/sub/img3.png', 'flat/sub2/img3.png', 'flat/labels.csv', 'flat/.DS_Store'];

  it('labels, groups, unlabelled images and row problems', () => {
    const table = parseCsv(
      ['file,diagnosis,patient', 'img1.png,tumour,P1', 'flat/img2.png,normal,P2', 'img3.png,tumour,P3', 'sub2/img3.png,normal,', 'img9.png,normal,P4', 'img1.png,normal,P1', 'img2.png,,P2'].join('\n'),
    );
    const layout = layoutFromLabelTable(paths, table, { pathColumn: 'file', labelColumn: 'diagnosis', groupColumn: 'patient' });

    expect(layout.images).toEqual([
      { path: 'flat/img1.png', className: 'tumour', classFolder: '' },
      { path: 'flat/img2.png', className: 'normal', classFolder: '' },
      { path: 'flat/sub2/img3.png', className: 'normal', classFolder: '' },
    ]);
    expect(layout.classes).toEqual([
      { name: 'normal', imageCount: 2, folders: [] },
      { name: 'tumour', imageCount: 1, folders: [] },
    ]);
    expect(layout.groupByPath).toEqual(new Map([['flat/img1.png', 'P1'], ['flat/img2.png', 'P2']]));
    expect(layout.unlabelled).toEqual(['flat/sub/img3.png']);
    expect(layout.ambiguousRows).toEqual([{ line: 4, value: 'img3.png', candidates: ['flat/sub/img3.png', 'flat/sub2/img3.png'] }]);
    expect(layout.unmatchedRows).toEqual([{ line: 6, value: 'img9.png' }]);
    expect(layout.conflictingRows).toEqual([{ line: 7, value: 'img1.png', candidates: ['flat/img1.png'] }]);
    expect(layout.emptyLabelRows).toEqual([{ line: 8, value: 'img2.png' }]);
    expect(layout.nonImages).toEqual(['flat/labels.csv']);
    expect(layout.hidden).toEqual(['flat/.DS_Store']);
  });
});
