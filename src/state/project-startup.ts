/**
 * Opens this tab's project before the studio renders: picks the project,
 * points storage at it, takes its lock and, once this tab may write it,
 * restores what the other stores do not restore themselves.
 */
import { listProjects, markProjectOpened, type ProjectRecord } from '../storage/project-registry';
import { DEFAULT_PROJECT_ID, setCurrentProject, setProjectWritable } from '../storage/project-scope';
import { restoreAndKeepComparisons } from './comparison-persistence';
import { acquireProjectLock } from './project-lock';
import { chosenProjectId, consumeTakeOver, rememberProject } from './project-session';
import { useProjectsStore } from './projects-store';
import { restoreAndKeepReports } from './reports-persistence';
import { terminateWorkers } from './workers';

let session: Promise<void> | null = null;

/** Starts the session once per page, however often React mounts the gate. */
export function startProjectSession(): Promise<void> {
  session ??= openSession();
  return session;
}

async function openSession(): Promise<void> {
  let projects: ProjectRecord[] = [];
  try {
    projects = (await listProjects()).projects;
  } catch (error) {
    console.warn('[projects] the project list could not be read; opening the default project:', error);
    useProjectsStore.setState({ error: error instanceof Error ? error.message : String(error) });
  }

  const chosen = chosenProjectId();
  const id = projects.some((p) => p.id === chosen) ? chosen : DEFAULT_PROJECT_ID;
  setCurrentProject(id);
  rememberProject(id);
  useProjectsStore.setState({ projects, currentId: id });

  const outcome = await acquireProjectLock(id, { steal: consumeTakeOver(id), onLost: loseProject });
  if (outcome === 'busy') {
    setProjectWritable(false);
    useProjectsStore.getState().setLock('busy');
    return;
  }

  setProjectWritable(true);
  useProjectsStore.getState().setLock(outcome);
  void markProjectOpened(id).catch((error: unknown) => console.warn(`[projects] marking project ${id} as opened failed:`, error));
  void restoreAndKeepReports();
  void restoreAndKeepComparisons();
}

/** Another tab took the project over: stop writing at once, including a run in the training worker. */
function loseProject(): void {
  setProjectWritable(false);
  terminateWorkers();
  useProjectsStore.getState().setLock('lost');
}
