import { useEffect, useState } from 'react';

import { storageEstimate } from '../storage/opfs';
import { getTrainingWorker } from '../state/workers';
import type { MemoryInfo } from '../worker-protocol';

const POLL_MS = 3000;

function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(0)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/**
 * Shows browser storage used and available, whether it is persistent, and the
 * training worker's tensor memory, refreshed every few seconds so a leak or a
 * filling disk shows before it costs a run.
 */
export function ResourcePanel() {
  const [storage, setStorage] = useState<{ usage: number; quota: number; persisted: boolean } | null>(null);
  const [memory, setMemory] = useState<MemoryInfo | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    let inFlight = false;
    const refresh = async () => {
      // The worker replies only between training steps, so a tick is skipped rather than queued behind a long step.
      if (inFlight) return;
      inFlight = true;
      try {
        const [estimate, workerMemory] = await Promise.all([storageEstimate(), getTrainingWorker().memory()]);
        if (!cancelled) {
          setStorage(estimate);
          setMemory(workerMemory);
        }
      } catch (error) {
        console.warn('[resources] refresh failed:', error);
      } finally {
        inFlight = false;
      }
    };
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);

  async function requestPersistence() {
    const granted = (await navigator.storage.persist?.()) ?? false;
    setMessage(granted ? 'Storage is now persistent: the browser will not evict the studio\'s data under storage pressure.' : 'The browser declined persistent storage; data may be evicted when the disk runs low.');
    setStorage(await storageEstimate());
  }

  return (
    <footer className="resource-panel" data-testid="resource-panel">
      {storage && (
        <span data-testid="storage-usage">
          Storage {formatBytes(storage.usage)} of {formatBytes(storage.quota)} · {storage.persisted ? 'persistent' : 'may be evicted'}
          {!storage.persisted && (
            <button type="button" onClick={() => void requestPersistence()}>
              Keep data
            </button>
          )}
        </span>
      )}
      {memory && (
        <span data-testid="tensor-memory">
          Tensors {memory.numTensors.toLocaleString()} · {formatBytes(memory.numBytes)}
          {memory.numBytesInGPU !== undefined && ` · GPU ${formatBytes(memory.numBytesInGPU)}`}
        </span>
      )}
      {message && <span className="hint">{message}</span>}
    </footer>
  );
}
