/** Worker methods that point a worker's storage at the page's current project. */
export interface ProjectScopeWorkerApi {
  /** Sets the project whose database and OPFS folder the worker reads and writes, and whether it may write. */
  setStorageProject(projectId: string, writable: boolean): void;
}
