import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

import { DEFAULT_PROJECT_ID, isValidProjectId } from './project-scope';
import { toStorageError } from './storage-error';

/** Entry of the project list. The project's data lives in its own database and OPFS folder. */
export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: number;
  lastOpenedAt: number;
}

interface RegistrySchema extends DBSchema {
  projects: { key: string; value: ProjectRecord };
}

const REGISTRY_DB = 'clip-it-studio-projects';
const REGISTRY_VERSION = 1;
export const DEFAULT_PROJECT_NAME = 'Default project';
export const MAX_PROJECT_NAME = 80;

let registry: Promise<IDBPDatabase<RegistrySchema>> | null = null;

function openRegistry(): Promise<IDBPDatabase<RegistrySchema>> {
  registry ??= openDB<RegistrySchema>(REGISTRY_DB, REGISTRY_VERSION, {
    upgrade(db) {
      db.createObjectStore('projects', { keyPath: 'id' });
    },
  }).catch((error) => {
    registry = null;
    throw toStorageError(error, 'Opening the project list');
  });
  return registry;
}

/** Trims a project name and checks it, so the list never shows an empty or overlong name. */
export function normaliseProjectName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (trimmed.length === 0) throw new Error('A project name cannot be empty.');
  if (trimmed.length > MAX_PROJECT_NAME) throw new Error(`Project names have at most ${MAX_PROJECT_NAME} characters; this one has ${trimmed.length}.`);
  return trimmed;
}

/**
 * Lists all projects, oldest first. The default project (the data of
 * studio versions before projects) is always listed. A damaged entry is
 * skipped and counted.
 */
export async function listProjects(): Promise<{ projects: ProjectRecord[]; skipped: number }> {
  try {
    const db = await openRegistry();
    const records = await db.getAll('projects');
    const projects = records.filter(isProjectRecord);
    const skipped = records.length - projects.length;
    if (!projects.some((p) => p.id === DEFAULT_PROJECT_ID)) {
      const created: ProjectRecord = { id: DEFAULT_PROJECT_ID, name: DEFAULT_PROJECT_NAME, createdAt: 0, lastOpenedAt: 0 };
      await db.put('projects', created);
      projects.push(created);
    }
    projects.sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
    return { projects, skipped };
  } catch (error) {
    throw toStorageError(error, 'Listing projects');
  }
}

export async function getProject(id: string): Promise<ProjectRecord | null> {
  const db = await openRegistry();
  const record = await db.get('projects', id);
  return record && isProjectRecord(record) ? record : null;
}

/**
 * Adds a project to the list. An import writes the project's data under
 * `id` first and calls this last, so the entry never points at missing data.
 */
export async function addProject(name: string, id = newProjectId(), now = Date.now()): Promise<ProjectRecord> {
  const record: ProjectRecord = { id, name: normaliseProjectName(name), createdAt: now, lastOpenedAt: now };
  try {
    const db = await openRegistry();
    await db.add('projects', record);
    return record;
  } catch (error) {
    throw toStorageError(error, `Adding project "${record.name}"`);
  }
}

export async function renameProject(id: string, name: string): Promise<ProjectRecord> {
  const normalised = normaliseProjectName(name);
  try {
    const db = await openRegistry();
    const record = await db.get('projects', id);
    if (!record) throw new Error(`Project ${id} is not in the project list; reload the page.`);

    // Two rows with one name look the same in the menu, so names stay unique, as on import.
    const others = await db.getAll('projects');
    if (others.some((other) => other.id !== id && typeof other.name === 'string' && other.name.toLowerCase() === normalised.toLowerCase())) {
      throw new Error(`A project named "${normalised}" already exists; choose another name.`);
    }

    const renamed = { ...record, name: normalised };
    await db.put('projects', renamed);
    return renamed;
  } catch (error) {
    throw toStorageError(error, `Renaming the project to "${normalised}"`);
  }
}

export async function markProjectOpened(id: string, now = Date.now()): Promise<void> {
  const db = await openRegistry();
  const record = await db.get('projects', id);
  if (record) await db.put('projects', { ...record, lastOpenedAt: now });
}

export async function removeProjectRecord(id: string): Promise<void> {
  const db = await openRegistry();
  await db.delete('projects', id);
}

/** Returns `name`, or `name (2)`, `name (3)`…, whichever no project in `taken` has. */
export function uniqueProjectName(name: string, taken: readonly string[]): string {
  const names = new Set(taken.map((n) => n.toLowerCase()));
  if (!names.has(name.toLowerCase())) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name} (${n})`;
    if (!names.has(candidate.toLowerCase())) return candidate;
  }
}

/** Creates a project id, time-ordered and random, so two tabs creating projects at once never collide. */
export function newProjectId(now = Date.now()): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `p-${now.toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

function isProjectRecord(value: unknown): value is ProjectRecord {
  const record = value as Partial<ProjectRecord> | null;
  return (
    !!record &&
    typeof record.id === 'string' &&
    isValidProjectId(record.id) &&
    typeof record.name === 'string' &&
    typeof record.createdAt === 'number' &&
    typeof record.lastOpenedAt === 'number'
  );
}
