import { describe, expect, it } from 'vitest';

import { addDecodeResult, countProblemsByReason, createImportReport, importProblemsToCsv } from '../../../src/core/ingest/import-report';
import { decodeImageFile } from '../../../src/core/ingest/image-decode';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { filterFiles } from '../../../src/core/ingest/file-filter';
import { SHARED, sharedPath } from '../shared-path';
import { listAsDropped } from './walk-folder';
import { nodeImageDecoder } from '../../../src/platform/node-image-decoder';

describe('import report', () => {
  it('CSV export quotes per RFC 4180', () => {
    const csv = importProblemsToCsv([
      { path: 'TUM/a, b.png', reason: 'truncated', detail: 'ends "early"' },
      { path: 'TUM/c.png', reason: 'empty file', detail: 'the file is 0 bytes long' },
    ]);
    expect(csv).toBe('path,reason\r\n"TUM/a, b.png","truncated: ends ""early"""\r\nTUM/c.png,empty file: the file is 0 bytes long\r\n');
  });

  it('bad-inputs image folder: every file accounted for, none throws', async () => {
    const paths = filterFiles(listAsDropped(sharedPath('data', 'bad-inputs', 'images'))).images;
    const report = createImportReport();
    for (const imagePath of paths) {
      const bytes = new Uint8Array(readFileSync(path.join(SHARED, 'data', 'bad-inputs', imagePath)));
      addDecodeResult(report, await decodeImageFile(bytes, imagePath, nodeImageDecoder));
    }

    expect(report.importedCount + report.problems.length).toBe(paths.length);
    const counts = countProblemsByReason(report);
    expect(counts.get('empty file')).toBe(1);
    expect(counts.get('not a decodable image')).toBe(1);
    expect(counts.get('dimensions over the limit')).toBe(1);
    expect(counts.get('too small')).toBe(1);
    expect(counts.get('truncated')).toBe(1);

    // WebP has no Node decoder, so only here it is reported as unsupported.
    expect(counts.get('unsupported encoding')).toBe(1);
    expect(report.problems.find((problem) => problem.reason === 'unsupported encoding')?.path).toBe('images/TUM/tile.webp');
    expect(report.importedCount).toBe(paths.length - 6);

    const csv = importProblemsToCsv(report.problems);
    expect(csv.split('\r\n').length).toBe(report.problems.length + 2);
  });
});
