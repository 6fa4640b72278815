/**
 * Whole-project operations that touch a project's database and OPFS folder
 * together: export, import, size and delete. Each takes the project id, so
 * they work on projects other than the one open in this tab.
 */
import { deleteDB } from 'idb';

import { APP_VERSION } from '../app-version';
import { closeStudioDb, openStudioDb } from '../storage/db';
import { opfsProjectFiles } from '../storage/opfs-tree';
import { exportProjectArchive, readProjectArchive, writeProjectArchive } from '../storage/project-archive';
import { addProject, listProjects, newProjectId, removeProjectRecord, uniqueProjectName, type ProjectRecord } from '../storage/project-registry';
import { projectDbName, projectOpfsRoot } from '../storage/project-scope';
import { measureProjectSize, type ProjectSize } from '../storage/project-size';

export async function exportProjectFile(project: ProjectRecord): Promise<Blob> {
  const db = await openStudioDb(projectDbName(project.id));
  const bytes = await exportProjectArchive(db, opfsProjectFiles(projectOpfsRoot(project.id)), { name: project.name, createdAt: project.createdAt }, APP_VERSION);
  return new Blob([bytes as BlobPart], { type: 'application/zip' });
}

/** File name for an export: the project name with characters that file systems reject replaced. */
export function projectExportFileName(name: string): string {
  const safe = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim() || 'project';
  return `${safe}.clipit-project.zip`;
}

export interface ImportedProject {
  project: ProjectRecord;
  records: number;
  files: number;
  notices: string[];
}

/**
 * Imports an exported project as a new project: its files first, then its
 * records, then the list entry. An existing project is never overwritten; a
 * name already in use gets a number. A failure removes what was written.
 */
export async function importProjectFile(file: File): Promise<ImportedProject> {
  const content = readProjectArchive(new Uint8Array(await file.arrayBuffer()), file.name);
  const id = newProjectId();
  const files = opfsProjectFiles(projectOpfsRoot(id));

  try {
    const db = await openStudioDb(projectDbName(id));
    const records = await writeProjectArchive(content, db, files);
    const { projects } = await listProjects();
    const name = uniqueProjectName(content.manifest.project.name, projects.map((p) => p.name));
    const project = await addProject(name, id);
    return { project, records, files: content.files.length, notices: content.notices };
  } catch (error) {
    await removeProjectData(id).catch((cleanup) => console.warn(`[projects] cleaning up the failed import ${id} failed:`, cleanup));
    throw error;
  }
}

export async function measureProject(id: string): Promise<ProjectSize> {
  const db = await openStudioDb(projectDbName(id));
  return measureProjectSize(db, opfsProjectFiles(projectOpfsRoot(id)));
}

/** Deletes a project: the list entry first, so the list never shows a half-deleted project, then its data. */
export async function deleteProject(id: string): Promise<void> {
  await removeProjectRecord(id);
  await removeProjectData(id);
}

async function removeProjectData(id: string): Promise<void> {
  const name = projectDbName(id);
  await closeStudioDb(name);
  await deleteDB(name, {
    blocked() {
      console.warn(`[projects] deleting database ${name} waits for another tab to close it`);
    },
  });
  await opfsProjectFiles(projectOpfsRoot(id)).removeAll();
}
