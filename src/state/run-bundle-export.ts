import { APP_VERSION } from '../app-version';
import { buildRunBundle } from '../storage/run-bundle';
import { loadRunWeights } from '../storage/run-weights';
import { datasetFingerprint } from './dataset-fingerprint';
import { useDatasetStore } from './dataset-store';
import type { Run } from './runs-store';

/**
 * Builds a run's bundle from the loaded dataset (for paths and SHA-256
 * hashes) and the run's stored weights. The loaded images must be the ones
 * the run was trained on, which the dataset fingerprint checks.
 */
export async function exportRunBundle(run: Run): Promise<{ fileName: string; blob: Blob; withWeights: boolean }> {
  const images = useDatasetStore.getState().images;
  if (images.length === 0 || datasetFingerprint(images) !== run.request.datasetFingerprint) {
    throw new Error(`To export "${run.name}", import the image folder it was trained on (${run.request.labels.length} images); the loaded images differ.`);
  }

  const weights = await loadRunWeights(run.id);
  const bytes = await buildRunBundle({ run, images, appVersion: APP_VERSION, weights });
  const fileName = `${run.name.replace(/[\\/:*?"<>|·\s]+/g, '_')}.run-bundle.zip`;
  return { fileName, blob: new Blob([bytes as BlobPart], { type: 'application/zip' }), withWeights: weights !== null };
}
