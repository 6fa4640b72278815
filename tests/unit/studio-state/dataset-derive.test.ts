import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { sha256Hex } from '../../../src/core/ingest/duplicates';
import { classifyPath } from '../../../src/core/ingest/file-filter';
import { decodeImageFile } from '../../../src/core/ingest/image-decode';
import { parseCsv } from '../../../src/core/reports/csv-parse';
import { deriveDataset, maxFolderDepth, summariseDuplicates, type DecodedFile, type ImportSource } from '../../../src/state/dataset-derive';
import { nodeImageDecoder } from '../../../src/platform/node-image-decoder';
import { listAsDropped } from '../ingest/walk-folder';
import { sharedPath } from '../shared-path';

const IMAGES = sharedPath('data', 'bad-inputs', 'images');

/** Decodes the bad-inputs folder the way the import worker does, with a Node decoder. */
async function loadSource(): Promise<ImportSource> {
  const paths = listAsDropped(IMAGES);
  const decoded = new Map<string, DecodedFile>();
  const problems: ImportSource['problems'] = [];

  for (const dropped of paths.filter((p) => classifyPath(p) === 'image')) {
    const bytes = new Uint8Array(readFileSync(path.join(IMAGES, dropped.split('/').slice(1).join('/'))));
    const result = await decodeImageFile(bytes, dropped, nodeImageDecoder);
    if (!result.ok) {
      problems.push({ path: dropped, reason: result.reason, detail: result.detail });
      continue;
    }
    const file = new File([bytes], dropped.split('/').pop()!);
    decoded.set(dropped, { path: dropped, file, width: result.image.width, height: result.image.height, thumbnailUrl: '', sha256: await sha256Hex(bytes) });
  }
  return { root: 'images', paths, decoded, problems, warnings: [] };
}

describe('deriveDataset on the bad-inputs folder', () => {
  let source: ImportSource;
  beforeAll(async () => {
    source = await loadSource();
  });

  it('uses first-level folders as classes', () => {
    const dataset = deriveDataset(source, { kind: 'folders', classLevel: 0, merge: {}, exclude: [] });
    expect(dataset.classNames).toEqual(['NORM', 'TUM']);
    expect(dataset.images.filter((image) => image.label === 0).map((image) => image.path)).toEqual([
      'images/NORM/nested/deeper/deep.png',
      'images/NORM/nested/norm_a.png',
      'images/NORM/norm_a.png',
    ]);
    expect(dataset.notices.unlabelled).toEqual(['images/stray_top_level.png']);
    expect(dataset.notices.emptyClasses).toEqual(['EMPTY_CLASS']);
  });

  it('keeps only decoded files', () => {
    const dataset = deriveDataset(source, { kind: 'folders', classLevel: 0, merge: {}, exclude: [] });
    const paths = dataset.images.map((image) => image.path);
    expect(paths).not.toContain('images/TUM/empty.png');
    expect(paths).not.toContain('images/TUM/huge_header.png');
    expect(paths).toContain('images/TUM/tumör ü 01.png');
    expect(dataset.images.length).toBe(source.decoded.size - 1);
  });

  it('counts decoded images per raw class', () => {
    const dataset = deriveDataset(source, { kind: 'folders', classLevel: 0, merge: {}, exclude: [] });
    const tumDecoded = [...source.decoded.keys()].filter((p) => p.startsWith('images/TUM/')).length;
    expect(dataset.rawClasses).toEqual([
      { name: 'NORM', imageCount: 3 },
      { name: 'TUM', imageCount: tumDecoded },
    ]);
  });

  it('applies merge and exclude', () => {
    const merged = deriveDataset(source, { kind: 'folders', classLevel: 0, merge: { NORM: 'TUM' }, exclude: [] });
    expect(merged.classNames).toEqual(['TUM']);
    expect(merged.images.every((image) => image.label === 0)).toBe(true);

    const excluded = deriveDataset(source, { kind: 'folders', classLevel: 0, merge: {}, exclude: ['NORM/nested'] });
    expect(excluded.images.filter((image) => image.path.startsWith('images/NORM/')).map((image) => image.path)).toEqual(['images/NORM/norm_a.png']);
    expect(excluded.notices.excluded).toHaveLength(2);
  });

  it('re-derives at a deeper class level', () => {
    const dataset = deriveDataset(source, { kind: 'folders', classLevel: 1, merge: {}, exclude: [] });
    expect(dataset.classNames).toEqual(['nested']);
    expect(dataset.notices.unlabelled).toContain('images/NORM/norm_a.png');
    expect(maxFolderDepth(source.paths, source.root)).toBe(3);
  });

  it('labels a flat list from a CSV', () => {
    const csv = 'file,tissue,patient\nTUM/good_reference.jpg,tumour,p1\nNORM/norm_a.png,normal,p2\nmissing.png,normal,p3\nTUM/rgba.png,,p4\n';
    const dataset = deriveDataset(source, {
      kind: 'table',
      tableName: 'labels.csv',
      table: parseCsv(csv),
      pathColumn: 'file',
      labelColumn: 'tissue',
      groupColumn: 'patient',
    });
    expect(dataset.classNames).toEqual(['normal', 'tumour']);
    expect(dataset.images.map((image) => image.path)).toEqual(['images/NORM/norm_a.png', 'images/TUM/good_reference.jpg']);
    expect(dataset.groupByPath?.get('images/TUM/good_reference.jpg')).toBe('p1');
    expect(dataset.notices.tableIssues.some((issue) => issue.includes('line 4 ("missing.png")'))).toBe(true);
    expect(dataset.notices.tableIssues.some((issue) => issue.includes('empty label'))).toBe(true);
  });

  it('finds the cross-class duplicate set', () => {
    const dataset = deriveDataset(source, { kind: 'folders', classLevel: 0, merge: {}, exclude: [] });
    const duplicates = summariseDuplicates(dataset.images, dataset.classNames, null);
    expect(duplicates.sets).toHaveLength(1);
    expect(duplicates.sets[0].paths).toHaveLength(4);
    expect(duplicates.crossClassSets).toBe(1);
    expect(duplicates.crossSplitSets).toBe(0);
    expect(duplicates.redundantFiles).toBe(3);
  });

  it('flags duplicates that span splits', () => {
    const dataset = deriveDataset(source, { kind: 'folders', classLevel: 0, merge: {}, exclude: [] });
    const assignment = dataset.images.map((image) => (image.path === 'images/NORM/norm_a.png' ? 'test' : 'train')) as ('train' | 'test')[];
    const split = { assignment, indices: { train: [], val: [], test: [] }, counts: { train: [], val: [], test: [] }, groupCounts: { train: 0, val: 0, test: 0 }, excluded: 0 };
    const duplicates = summariseDuplicates(dataset.images, dataset.classNames, split);
    expect(duplicates.crossSplitSets).toBe(1);
    expect(duplicates.sets[0].splits).toEqual(['test', 'train']);
  });
});
