import * as Comlink from 'comlink';

import type { ImportWorkerApi, TrainingWorkerApi } from '../worker-protocol';

let trainingWorker: Comlink.Remote<TrainingWorkerApi> | null = null;
let importWorker: Comlink.Remote<ImportWorkerApi> | null = null;

/** Returns the one long-lived training worker, which owns tfjs and all model state. */
export function getTrainingWorker(): Comlink.Remote<TrainingWorkerApi> {
  if (!trainingWorker) {
    const worker = new Worker(new URL('../../workers/training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
    trainingWorker = Comlink.wrap<TrainingWorkerApi>(worker);
  }
  return trainingWorker;
}

export function getImportWorker(): Comlink.Remote<ImportWorkerApi> {
  if (!importWorker) {
    const worker = new Worker(new URL('../../workers/import.worker.ts', import.meta.url), { type: 'module', name: 'import' });
    importWorker = Comlink.wrap<ImportWorkerApi>(worker);
  }
  return importWorker;
}
