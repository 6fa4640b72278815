import 'fake-indexeddb/auto';
import fs from 'node:fs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { openStudioDb } from '../../../src/storage/db';
import {
  exportProjectArchive,
  PROJECT_ARCHIVE_FORMAT,
  ProjectArchiveError,
  readProjectArchive,
  writeProjectArchive,
} from '../../../src/storage/project-archive';
import { sharedPath } from '../shared-path';
import { memoryFiles } from './memory-files';

const TILE = sharedPath('data', 'lc25000-lung', 'lung_aca');

/** Creates a project database with a run (NaN loss included), a checkpoint with typed arrays, a kv entry and a comparison. */
async function seededProject(name: string) {
  const db = await openStudioDb(name);
  await db.put('runs', {
    id: 'run-1',
    name: 'Run 1',
    createdAt: 10,
    payload: { id: 'run-1', name: 'Run 1', steps: [{ step: 1, loss: 0.7 }, { step: 2, loss: Number.NaN }], epochs: [], request: { seed: 3 } },
  });
  await db.put('checkpoints', { runId: 'run-1', step: 2, epoch: 1, savedAt: 11, weightsKey: 'checkpoints/run-1/step-2.bin', meta: { rngState: new Uint32Array([1, 2, 3, 4]) } });
  await db.put('kv', { rows: 1, dims: 4, savedAt: 12 }, 'embeddings:image-1');
  await db.put('comparisons', { id: 'compare-1', createdAt: 13, payload: { scores: new Float32Array([0.25, 0.5]) } });

  // Two real LC25000 tiles as the stored originals.
  const tiles = fs.readdirSync(TILE).filter((f) => f.endsWith('.jpeg')).sort().slice(0, 2);
  const files = memoryFiles({
    [`imported-images/${tiles[0]}`]: new Uint8Array(fs.readFileSync(`${TILE}/${tiles[0]}`)),
    [`imported-images/${tiles[1]}`]: new Uint8Array(fs.readFileSync(`${TILE}/${tiles[1]}`)),
    'checkpoints/run-1/step-2.bin': new Uint8Array(new Float32Array([1, 2, 3]).buffer),
  });
  return { db, files };
}

describe('project archive', () => {
  it('round-trips records and files', async () => {
    const { db, files } = await seededProject(`export-${Math.random()}`);
    const bytes = await exportProjectArchive(db, files, { name: 'Lung study', createdAt: 5 }, '9.9.9', new Date('2026-01-02T03:04:05Z'));

    const content = readProjectArchive(bytes, 'lung.zip');
    expect(content.notices).toEqual([]);
    expect(content.manifest.project.name).toBe('Lung study');
    expect(content.manifest.appVersion).toBe('9.9.9');
    expect(content.manifest.schemaVersion).toBe(3);

    const target = await openStudioDb(`import-${Math.random()}`);
    const copy = memoryFiles();
    const written = await writeProjectArchive(content, target, copy);
    expect(written).toBe(4);

    const run = await target.get('runs', 'run-1');
    const steps = (run?.payload as { steps: { loss: number }[] }).steps;
    expect(steps[0].loss).toBe(0.7);
    expect(Number.isNaN(steps[1].loss)).toBe(true);

    const checkpoint = await target.get('checkpoints', 'run-1');
    const rngState = (checkpoint?.meta as { rngState: Uint32Array }).rngState;
    expect(rngState).toBeInstanceOf(Uint32Array);
    expect([...rngState]).toEqual([1, 2, 3, 4]);

    expect(await target.get('kv', 'embeddings:image-1')).toEqual({ rows: 1, dims: 4, savedAt: 12 });
    const comparison = await target.get('comparisons', 'compare-1');
    expect((comparison?.payload as { scores: Float32Array }).scores).toEqual(new Float32Array([0.25, 0.5]));

    expect([...copy.map.keys()].sort()).toEqual([...files.map.keys()].sort());
    for (const [path, original] of files.map) expect(copy.map.get(path)).toEqual(original);
  });

  it('skips a damaged record with a notice', async () => {
    const { db, files } = await seededProject(`damaged-${Math.random()}`);
    const entries = unzipSync(await exportProjectArchive(db, files, { name: 'Damaged', createdAt: 1 }, '1.0.0'));

    const runs = JSON.parse(strFromU8(entries['records/runs.json'])) as unknown[];
    runs.push({ key: 'broken', value: { name: 'no id' } });
    entries['records/runs.json'] = strToU8(JSON.stringify(runs));
    entries['records/checkpoints.json'] = strToU8('{ not json');

    const content = readProjectArchive(zipSync(entries), 'damaged.zip');
    expect(content.stores.get('runs')?.length).toBe(1);
    expect(content.stores.has('checkpoints')).toBe(false);
    expect(content.notices).toContain('Skipped record 2 of store "runs": it is damaged (no valid id).');
    expect(content.notices.some((n) => n.startsWith('Skipped all records of store "checkpoints"'))).toBe(true);

    // The rest of the project still imports.
    const target = await openStudioDb(`damaged-import-${Math.random()}`);
    await writeProjectArchive(content, target, memoryFiles());
    expect(await target.get('runs', 'run-1')).toBeDefined();
    expect(await target.get('kv', 'embeddings:image-1')).toBeDefined();
  });

  it('rejects a file that is not a zip', () => {
    const notZip = new Uint8Array(fs.readFileSync(`${TILE}/${fs.readdirSync(TILE)[0]}`));
    expect(() => readProjectArchive(notZip, 'tile.jpeg')).toThrow(ProjectArchiveError);
    expect(() => readProjectArchive(notZip, 'tile.jpeg')).toThrow(/tile\.jpeg is not a readable zip file/);
  });

  it('rejects a zip without a manifest', () => {
    const foreign = zipSync({ 'readme.txt': strToU8('hello') });
    expect(() => readProjectArchive(foreign, 'other.zip')).toThrow(/other\.zip is not a CLIP-IT Studio project export: it has no manifest\.json/);
  });

  it('rejects a zip from another program', () => {
    const foreign = zipSync({ 'manifest.json': strToU8(JSON.stringify({ format: 'something-else' })) });
    expect(() => readProjectArchive(foreign, 'other.zip')).toThrow(/manifest format is "something-else"/);
  });

  it('rejects a newer schema version', () => {
    const manifest = { format: PROJECT_ARCHIVE_FORMAT, archiveVersion: 1, schemaVersion: 99, project: { name: 'x', createdAt: 0 }, files: [] };
    const newer = zipSync({ 'manifest.json': strToU8(JSON.stringify(manifest)) });
    expect(() => readProjectArchive(newer, 'newer.zip')).toThrow(/newer\.zip was exported by a newer studio/);
  });

  it('skips paths that leave the project folder', () => {
    const manifest = { format: PROJECT_ARCHIVE_FORMAT, archiveVersion: 1, schemaVersion: 3, project: { name: 'x', createdAt: 0 }, files: [] };
    const archive = zipSync({ 'manifest.json': strToU8(JSON.stringify(manifest)), 'files/../escape.bin': new Uint8Array([1]), 'files/ok/a.bin': new Uint8Array([2]) });
    const content = readProjectArchive(archive, 'paths.zip');
    expect(content.files.map((f) => f.path)).toEqual(['ok/a.bin']);
    expect(content.notices).toContain('Skipped files/../escape.bin: not a part of a project export.');
  });
});
