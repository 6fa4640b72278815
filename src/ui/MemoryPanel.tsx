import { useEffect, useState } from 'react';

import { getTrainingWorker } from '../state/workers';
import { useRunsStore } from '../state/runs-store';
import type { MemoryInfo } from '../worker-protocol';
import { LineChart } from './LineChart';
import './memory-panel.css';

const POLL_MS = 3000;

/** Samples kept for the chart: 10 minutes at one sample every 3 s. */
const MAX_SAMPLES = 200;

const MB = 1024 ** 2;

interface MemorySample extends MemoryInfo {
  /** Seconds since the panel opened. */
  seconds: number;
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? '–' : (bytes / MB).toFixed(2);
}

/**
 * Shows the training worker's tfjs memory over time (tensors, bytes, GPU
 * bytes) and per epoch of the selected run. After the first epoch, the
 * tensor count and GPU bytes at each epoch end stay the same unless tensors
 * leak, so a rising line points at a leak.
 */
export function MemoryPanel() {
  const [samples, setSamples] = useState<MemorySample[]>([]);
  const run = useRunsStore((s) => s.runs.find((r) => r.id === s.selectedRunId) ?? null);

  useEffect(() => {
    const opened = performance.now();
    let cancelled = false;
    let inFlight = false;

    const sample = async () => {
      // The worker handles calls only between training steps, so a tick is skipped rather than queued behind a long step.
      if (inFlight) return;
      inFlight = true;
      try {
        const memory = await getTrainingWorker().memory();
        if (cancelled) return;
        const next = { ...memory, seconds: Math.round((performance.now() - opened) / 1000) };
        setSamples((previous) => [...previous.slice(-(MAX_SAMPLES - 1)), next]);
      } catch (error) {
        console.warn('[memory panel] reading worker memory failed:', error);
      } finally {
        inFlight = false;
      }
    };

    void sample();
    const timer = setInterval(() => void sample(), POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);

  const latest = samples[samples.length - 1];
  const epochs = run?.epochs ?? [];

  return (
    <details className="panel memory-panel" data-testid="memory-panel">
      <summary>
        <h2>Memory</h2>
        {latest && (
          <span className="memory-now" data-testid="memory-now">
            {latest.numTensors.toLocaleString()} tensors · {megabytes(latest.numBytes)} MB
            {latest.numBytesInGPU !== undefined && ` · GPU ${megabytes(latest.numBytesInGPU)} MB`}
          </span>
        )}
      </summary>

      <div className="charts">
        <LineChart
          title="Tensors"
          testId="memory-tensors-chart"
          xLabel="seconds"
          x={samples.map((s) => s.seconds)}
          series={[{ label: 'tensors', values: samples.map((s) => s.numTensors), color: '#7b2d6b' }]}
        />
        <LineChart
          title="Tensor memory (MB)"
          testId="memory-bytes-chart"
          xLabel="seconds"
          x={samples.map((s) => s.seconds)}
          series={[
            { label: 'all bytes', values: samples.map((s) => s.numBytes / MB), color: '#2d5f7b' },
            // Only the webgpu and webgl backends report GPU bytes.
            ...(latest?.numBytesInGPU !== undefined
              ? [{ label: 'GPU bytes', values: samples.map((s) => (s.numBytesInGPU ?? 0) / MB), color: '#b5651d' }]
              : []),
          ]}
        />
      </div>

      {epochs.length > 0 && (
        <table className="memory-epochs" data-testid="memory-epochs">
          <caption>At the end of each epoch of {run?.name}</caption>
          <thead>
            <tr>
              <th>Epoch</th>
              <th>Tensors</th>
              <th>MB</th>
              <th>GPU MB</th>
            </tr>
          </thead>
          <tbody>
            {epochs.map((epoch) => (
              <tr
                key={epoch.epoch}
                data-testid="memory-epoch-row"
                data-epoch={epoch.epoch}
                data-tensors={epoch.numTensors}
                data-bytes={epoch.memory?.numBytes ?? ''}
                data-gpu-bytes={epoch.memory?.numBytesInGPU ?? ''}
              >
                <td>{epoch.epoch}</td>
                <td>{epoch.numTensors.toLocaleString()}</td>
                <td>{megabytes(epoch.memory?.numBytes)}</td>
                <td>{megabytes(epoch.memory?.numBytesInGPU)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
