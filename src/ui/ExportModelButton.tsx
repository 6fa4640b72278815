import { useState } from 'react';

import { useVisionModelStore } from '../state/vision-model-store';
import { downloadBlob } from './download';

/**
 * Downloads the model folder of a trained CLIP-IT model: `model.safetensors` + `config.json` and
 * the TensorFlow.js files `model.json` + `group1-shard*.bin`. Put the files in one folder to load
 * them back with "Load model" or `npm run predict`.
 */
export function ExportModelButton({ exported }: { exported: { safetensors: Uint8Array; config: unknown } }) {
  const buildExportFolder = useVisionModelStore((s) => s.buildExportFolder);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const exportFolder = async () => {
    setBusy(true);
    setError(null);
    try {
      for (const file of await buildExportFolder(exported)) downloadBlob(file.path, new Blob([file.data as BlobPart]));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="row">
      <button type="button" disabled={busy} onClick={() => void exportFolder()} data-testid="export-clipit-model">
        Export CLIP-IT vision model (safetensors + tfjs)
      </button>
      <span className="hint">Files: model.safetensors, config.json, model.json and its group1-shard*.bin weights. Keep them in one folder.</span>
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
