import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';

import { loadLatestComparison } from '../../../src/storage/comparison-storage';
import { openStudioDb } from '../../../src/storage/db';
import { addProject, listProjects, normaliseProjectName, renameProject, uniqueProjectName } from '../../../src/storage/project-registry';
import { setCurrentProject } from '../../../src/storage/project-scope';

describe('project registry', () => {
  it('lists the default project first', async () => {
    const { projects } = await listProjects();
    expect(projects[0]).toMatchObject({ id: 'default', name: 'Default project' });
  });

  it('skips a damaged entry with a count', async () => {
    const added = await addProject('Lung study');
    const raw = await openDB('clip-it-studio-projects', 1);
    await raw.put('projects', { id: 'p-broken', name: 42 });
    await raw.put('projects', { id: '../escape', name: 'bad id', createdAt: 1, lastOpenedAt: 1 });
    raw.close();

    const { projects, skipped } = await listProjects();
    expect(skipped).toBe(2);
    expect(projects.map((p) => p.id)).toContain(added.id);
    expect(projects.map((p) => p.id)).not.toContain('p-broken');
  });

  it('renames a project', async () => {
    const added = await addProject('Colon');
    const renamed = await renameProject(added.id, '  Colon   CRC  ');
    expect(renamed.name).toBe('Colon CRC');
    const { projects } = await listProjects();
    expect(projects.find((p) => p.id === added.id)?.name).toBe('Colon CRC');
  });

  it('rejects renaming to a name in use', async () => {
    const first = await addProject('Breast');
    const second = await addProject('Prostate');
    await expect(renameProject(second.id, 'breast')).rejects.toThrow(/A project named "breast" already exists/);
    const { projects } = await listProjects();
    expect(projects.find((p) => p.id === second.id)?.name).toBe('Prostate');
    expect(projects.find((p) => p.id === first.id)?.name).toBe('Breast');
  });

  it('rejects empty and overlong names', () => {
    expect(() => normaliseProjectName('   ')).toThrow('A project name cannot be empty.');
    expect(() => normaliseProjectName('x'.repeat(81))).toThrow(/at most 80 characters/);
  });

  it('numbers a name already in use', () => {
    expect(uniqueProjectName('Lung', ['Other'])).toBe('Lung');
    expect(uniqueProjectName('Lung', ['lung'])).toBe('Lung (2)');
    expect(uniqueProjectName('Lung', ['Lung', 'Lung (2)'])).toBe('Lung (3)');
  });
});

describe('saved comparisons', () => {
  it('skips a damaged newer entry with a count', async () => {
    setCurrentProject('p-comparisons');
    const db = await openStudioDb();
    const stage = { stage: 'unimodal', seeds: [], mean: {}, std: {} };
    await db.put('comparisons', { id: 'good', createdAt: 1, payload: { result: { runId: 'good', status: 'completed', stages: [stage] }, steps: [], epochs: [], model: null, clipName: 'demo' } });
    await db.put('comparisons', { id: 'bad', createdAt: 2, payload: { result: 'truncated' } });

    const { comparison, skipped } = await loadLatestComparison();
    expect(skipped).toBe(1);
    expect(comparison?.id).toBe('good');
    expect(comparison?.clipName).toBe('demo');
    expect(comparison?.result.exportedModel).toBeNull();
    setCurrentProject('default');
  });
});
