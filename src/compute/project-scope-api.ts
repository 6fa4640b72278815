import type { ProjectScopeWorkerApi } from '../project-protocol';
import { setCurrentProject, setProjectWritable } from '../storage/project-scope';

/** Spread into each worker's API, because a worker has its own copy of the storage modules. */
export const projectScopeApi: ProjectScopeWorkerApi = {
  setStorageProject(projectId, writable) {
    setCurrentProject(projectId);
    setProjectWritable(writable);
  },
};
