import { create } from 'zustand';

import { listProjects, addProject, renameProject, type ProjectRecord } from '../storage/project-registry';
import { currentProjectId, DEFAULT_PROJECT_ID } from '../storage/project-scope';
import type { ProjectSize } from '../storage/project-size';
import { deleteProject, exportProjectFile, importProjectFile, measureProject, projectExportFileName } from './project-files';
import { isProjectLocked } from './project-lock';
import { openProjectInThisTab } from './project-session';

/** Whether this tab may write its project (see project-lock.ts). */
export type LockState = 'pending' | 'held' | 'busy' | 'lost' | 'unsupported';

interface ProjectsState {
  projects: ProjectRecord[];
  currentId: string;
  lock: LockState;
  sizes: Record<string, ProjectSize | { error: string }>;
  /** The action in progress, shown as a status line, or null when idle. */
  busy: string | null;
  message: string | null;
  /** Notices about what an import skipped or repaired, one sentence each. */
  notices: string[];
  error: string | null;

  setLock(lock: LockState): void;
  load(): Promise<void>;
  measureSizes(): Promise<void>;
  create(name: string): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  remove(id: string): Promise<void>;
  open(id: string): void;
  /** Builds the export file; the caller saves it, because downloading is the UI's job. */
  exportProject(id: string): Promise<{ fileName: string; blob: Blob } | null>;
  importFile(file: File): Promise<void>;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const useProjectsStore = create<ProjectsState>((set, get) => {
  /** Runs one action at a time and turns its failure into the panel's error line. */
  async function perform(label: string, action: () => Promise<void>): Promise<void> {
    if (get().busy) return;
    set({ busy: label, error: null, message: null, notices: [] });
    try {
      await action();
    } catch (error) {
      set({ error: errorText(error) });
    } finally {
      set({ busy: null });
    }
  }

  return {
    projects: [],
    currentId: currentProjectId(),
    lock: 'pending',
    sizes: {},
    busy: null,
    message: null,
    notices: [],
    error: null,

    setLock(lock) {
      set({ lock });
    },

    async load() {
      try {
        const { projects, skipped } = await listProjects();
        set({
          projects,
          currentId: currentProjectId(),
          error: skipped > 0 ? `${skipped} damaged entr${skipped === 1 ? 'y was' : 'ies were'} skipped in the project list.` : get().error,
        });
      } catch (error) {
        set({ error: errorText(error) });
      }
    },

    async measureSizes() {
      for (const project of get().projects) {
        let size: ProjectSize | { error: string };
        try {
          size = await measureProject(project.id);
        } catch (error) {
          size = { error: errorText(error) };
        }
        set({ sizes: { ...get().sizes, [project.id]: size } });
      }
    },

    create(name) {
      return perform('Creating the project', async () => {
        const project = await addProject(name);
        openProjectInThisTab(project.id);
      });
    },

    rename(id, name) {
      return perform('Renaming the project', async () => {
        const renamed = await renameProject(id, name);
        set({ projects: get().projects.map((p) => (p.id === id ? renamed : p)) });
      });
    },

    remove(id) {
      return perform('Deleting the project', async () => {
        const project = get().projects.find((p) => p.id === id);
        if (!project) return;
        if (id === DEFAULT_PROJECT_ID) throw new Error('The default project cannot be deleted.');
        if (id === get().currentId) throw new Error(`"${project.name}" is open in this tab; open another project first, then delete it.`);
        if (await isProjectLocked(id)) throw new Error(`"${project.name}" is open in another tab; close that tab first, then delete it.`);

        await deleteProject(id);
        const sizes = { ...get().sizes };
        delete sizes[id];
        set({ projects: get().projects.filter((p) => p.id !== id), sizes, message: `Deleted "${project.name}".` });
      });
    },

    open(id) {
      if (id !== get().currentId) openProjectInThisTab(id);
    },

    async exportProject(id) {
      let exported: { fileName: string; blob: Blob } | null = null;
      await perform('Exporting the project', async () => {
        const project = get().projects.find((p) => p.id === id);
        if (!project) return;
        const blob = await exportProjectFile(project);
        exported = { fileName: projectExportFileName(project.name), blob };
        set({ message: `Exported "${project.name}" (${(blob.size / 1024 ** 2).toFixed(1)} MB).` });
      });
      return exported;
    },

    importFile(file) {
      return perform(`Importing ${file.name}`, async () => {
        const imported = await importProjectFile(file);
        set({
          projects: [...get().projects, imported.project],
          message: `Imported ${file.name} as "${imported.project.name}": ${imported.records} records, ${imported.files} files. Open it to use it.`,
          notices: imported.notices,
        });
        void get().measureSizes();
      });
    },
  };
});
