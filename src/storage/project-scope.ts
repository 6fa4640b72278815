import { StorageError } from './storage-error';

/**
 * The project that storage reads and writes in this context (page or
 * worker). Every storage module takes its IndexedDB database name and OPFS
 * folder from here, so switching the project switches all of them at once.
 */

/** Id of the project that existed before projects did, which keeps the original database and folder. */
export const DEFAULT_PROJECT_ID = 'default';

/** Database and OPFS folder of the default project, as earlier versions named them. */
const DEFAULT_DB_NAME = 'clip-it-studio';
const DEFAULT_OPFS_ROOT = ['clip-it-studio'];

/** Parent OPFS folder of every other project's folder. */
const PROJECTS_OPFS_ROOT = 'clip-it-studio-projects';

let currentId = DEFAULT_PROJECT_ID;
let writable = true;

/** Checks a project id, which the studio generates, so it is safe as a database and folder name. */
export function isValidProjectId(id: string): boolean {
  return /^[a-z0-9-]{1,64}$/.test(id);
}

export function projectDbName(id: string): string {
  return id === DEFAULT_PROJECT_ID ? DEFAULT_DB_NAME : `${DEFAULT_DB_NAME}:project:${id}`;
}

/** OPFS folder path of a project, from the origin's root directory. */
export function projectOpfsRoot(id: string): string[] {
  return id === DEFAULT_PROJECT_ID ? DEFAULT_OPFS_ROOT : [PROJECTS_OPFS_ROOT, id];
}

export function setCurrentProject(id: string): void {
  if (!isValidProjectId(id)) throw new Error(`Invalid project id "${id}": expected lower-case letters, digits and dashes.`);
  currentId = id;
}

export function currentProjectId(): string {
  return currentId;
}

export function currentDbName(): string {
  return projectDbName(currentId);
}

export function currentOpfsRoot(): string[] {
  return projectOpfsRoot(currentId);
}

/**
 * Marks whether this context may write the current project. A tab that does
 * not hold the project's lock turns writing off, so OPFS writes fail early
 * instead of interleaving with the tab that holds it.
 */
export function setProjectWritable(value: boolean): void {
  writable = value;
}

export function isProjectWritable(): boolean {
  return writable;
}

/** Throws a `read-only` StorageError when this context must not write the current project. */
export function assertProjectWritable(action: string): void {
  if (!writable) {
    throw new StorageError('read-only', `${action} failed: this project is open for writing in another tab. Take it over or open another project.`);
  }
}
