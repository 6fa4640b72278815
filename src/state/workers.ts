import * as Comlink from 'comlink';

import { currentProjectId, isProjectWritable } from '../storage/project-scope';
import type { ImportWorkerApi, TrainingWorkerApi } from '../worker-protocol';
import { workerName } from './test-hooks';

let trainingWorker: { worker: Worker; remote: Comlink.Remote<TrainingWorkerApi> } | null = null;
let importWorker: { worker: Worker; remote: Comlink.Remote<ImportWorkerApi> } | null = null;

/** Returns the one long-lived training worker, which owns tfjs and all model state. */
export function getTrainingWorker(): Comlink.Remote<TrainingWorkerApi> {
  if (!trainingWorker) {
    const worker = new Worker(new URL('../../workers/training.worker.ts', import.meta.url), { type: 'module', name: workerName('training') });
    const remote = Comlink.wrap<TrainingWorkerApi>(worker);
    // Sent before any other call, and comlink keeps the order, so the worker never touches another project's storage.
    void remote.setStorageProject(currentProjectId(), isProjectWritable());
    trainingWorker = { worker, remote };
  }
  return trainingWorker.remote;
}

export function getImportWorker(): Comlink.Remote<ImportWorkerApi> {
  if (!importWorker) {
    const worker = new Worker(new URL('../../workers/import.worker.ts', import.meta.url), { type: 'module', name: 'import' });
    const remote = Comlink.wrap<ImportWorkerApi>(worker);
    void remote.setStorageProject(currentProjectId(), isProjectWritable());
    importWorker = { worker, remote };
  }
  return importWorker.remote;
}

/**
 * Stops both workers at once, e.g. when another tab takes the project over,
 * so a run in progress writes no further checkpoint. Calls still waiting on
 * them never settle.
 */
export function terminateWorkers(): void {
  trainingWorker?.worker.terminate();
  importWorker?.worker.terminate();
  trainingWorker = null;
  importWorker = null;
}
