import { useState } from 'react';

import { exportRunBundle } from '../state/run-bundle-export';
import type { Run } from '../state/runs-store';
import { downloadBlob } from './download';

const FINISHED: readonly Run['phase'][] = ['completed', 'stopped'];

/** Exports the selected finished run as one reproducible zip bundle. */
export function RunBundleButton({ run }: { run: Run }) {
  const [status, setStatus] = useState<{ text: string; error: boolean } | null>(null);
  const [working, setWorking] = useState(false);
  if (!FINISHED.includes(run.phase)) return null;

  async function exportBundle() {
    setWorking(true);
    setStatus(null);
    try {
      const bundle = await exportRunBundle(run);
      downloadBlob(bundle.fileName, bundle.blob);
      setStatus({
        text: bundle.withWeights ? `Saved ${bundle.fileName}.` : `Saved ${bundle.fileName} without weights: this run has no stored weights.`,
        error: false,
      });
    } catch (error) {
      setStatus({ text: error instanceof Error ? error.message : String(error), error: true });
    } finally {
      setWorking(false);
    }
  }

  return (
    <p className="row">
      <button type="button" disabled={working} onClick={() => void exportBundle()} data-testid="export-run-bundle">
        Export run bundle
      </button>
      <span className="hint">Config, split membership, data hashes, app version, metrics, curves and weights in one zip.</span>
      {status && (
        <span className={status.error ? 'error-text' : undefined} role={status.error ? 'alert' : undefined} data-testid="run-bundle-status">
          {status.text}
        </span>
      )}
    </p>
  );
}
