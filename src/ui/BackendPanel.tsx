import { useBackendStore } from '../state/backend-store';
import { useRunsStore } from '../state/runs-store';
import type { BackendBenchmark, BackendInfo, BackendPreference, BackendSpeed, WasmInfo } from '../worker-protocol';

const OPTIONS: { value: BackendPreference; label: string }[] = [
  { value: 'auto', label: 'Automatic (fastest measured)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WASM' },
  { value: 'cpu', label: 'CPU' },
];

/**
 * Active compute backend, the GPU adapter behind it, the measured training
 * speed of each backend, and a way to force one or to measure again.
 */
export function BackendPanel() {
  const { info, benchmark, status, error, preference, select, measure } = useBackendStore();
  const training = useRunsStore((s) => s.activeRunId !== null);

  const adapter = info?.adapter;
  const adapterText = adapter
    ? [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' · ') || 'unnamed adapter'
    : 'no WebGPU adapter';

  let badgeText: string = info?.active ?? 'no backend';
  if (status === 'measuring') badgeText = 'measuring…';
  if (status === 'selecting') badgeText = 'selecting…';

  return (
    <div className="backend-panel" aria-live="polite">
      <span className={`badge backend-${info?.active ?? 'none'}`} data-testid="backend-badge">
        {badgeText}
      </span>
      <span className="adapter" data-testid="adapter-info" title={adapterText}>
        {adapterText}
        {adapter?.isFallbackAdapter && <span className="warning-chip">software fallback</span>}
      </span>
      <label className="inline">
        Backend
        <select
          value={preference}
          disabled={training || status === 'selecting'}
          onChange={(e) => void select(e.target.value as BackendPreference)}
          data-testid="backend-select"
        >
          {OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => void measure()} disabled={training || status === 'measuring' || status === 'selecting'} data-testid="measure-backends">
        Measure again
      </button>
      {info && <IsolationStatus info={info} />}
      {benchmark && <BenchmarkTable benchmark={benchmark} active={info?.active ?? null} />}
      {info && info.preference !== 'auto' && info.active !== info.preference && (
        <span className="error-text" role="alert">
          {info.preference} is not available here ({info.attempts.find((a) => a.backend === info.preference)?.error}); using {info.active}.
        </span>
      )}
      {error && <span className="error-text" role="alert">{error}</span>}
    </div>
  );
}

const WASM_BUILD_LABELS: Record<WasmInfo['build'], string> = {
  'threaded-simd': 'SIMD + threads',
  simd: 'SIMD, one thread',
  plain: 'no SIMD, one thread',
};

/** Cross-origin isolation (needed for SharedArrayBuffer) and the wasm build with its thread count. */
function IsolationStatus({ info }: { info: BackendInfo }) {
  const wasm = info.wasm;
  let wasmText = 'WASM not loaded';
  if (wasm) {
    const build = WASM_BUILD_LABELS[wasm.build];
    wasmText = `WASM ${build}: ${wasm.threadsCount} thread${wasm.threadsCount === 1 ? '' : 's'}`;
  }
  const threadsMissing = wasm !== null && wasm.build !== 'threaded-simd';

  return (
    <>
      <span
        className={info.crossOriginIsolated ? 'adapter' : 'warning-chip'}
        data-testid="cross-origin-isolated"
        data-value={String(info.crossOriginIsolated)}
        title="SharedArrayBuffer, and so threaded WASM, needs a cross-origin-isolated page (COOP + COEP headers)."
      >
        crossOriginIsolated: {String(info.crossOriginIsolated)}
      </span>
      <span
        className={threadsMissing ? 'warning-chip' : 'adapter'}
        data-testid="wasm-threads"
        data-threads={wasm?.threadsCount ?? 0}
        data-build={wasm?.build ?? 'none'}
        title={threadsMissing ? 'The threaded WASM build is not available, so WASM runs on one thread.' : undefined}
      >
        {wasmText}
      </span>
    </>
  );
}

/** Images/s per backend for the measurement step, fastest first. */
function BenchmarkTable({ benchmark, active }: { benchmark: BackendBenchmark; active: string | null }) {
  const fastest = benchmark.results.find((r) => r.imagesPerSecond !== null);
  const summary = fastest ? `fastest: ${fastest.backend} ${formatSpeed(fastest)}` : 'no backend could train';

  return (
    <details data-testid="backend-benchmark" data-complete={String(benchmark.complete)}>
      <summary>
        Measured speed ({summary}){!benchmark.complete && ' — incomplete'}
      </summary>
      <table style={{ fontSize: 12 }}>
        <caption style={{ textAlign: 'left', fontSize: 12 }}>
          SmallCnn {benchmark.inputSize} px, channels {benchmark.channels.join('-')}, batch {benchmark.batchSize}; measured{' '}
          {new Date(benchmark.measuredAt).toLocaleString()}
        </caption>
        <thead>
          <tr>
            <th>Backend</th>
            <th>Images/s</th>
            <th>Warm-up ms</th>
            <th>Step ms</th>
          </tr>
        </thead>
        <tbody>
          {benchmark.results.map((r) => (
            <tr key={r.backend} data-testid={`benchmark-row-${r.backend}`} data-images-per-second={r.imagesPerSecond ?? ''}>
              <td>
                {r.backend}
                {r.backend === active && ' (active)'}
              </td>
              <td>{formatSpeed(r)}</td>
              <td>{r.warmupMs === null ? '–' : r.warmupMs.toFixed(0)}</td>
              <td title={r.error}>{r.error ? `failed: ${r.error}` : r.stepMs.map((ms) => ms.toFixed(0)).join(', ') || '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function formatSpeed(speed: BackendSpeed): string {
  if (speed.imagesPerSecond === null) return 'failed';
  const value = speed.imagesPerSecond >= 10 ? speed.imagesPerSecond.toFixed(0) : speed.imagesPerSecond.toFixed(1);
  // A warm-up-only figure includes compilation, so the steady speed is at least this.
  return speed.warmupOnly ? `≥ ${value} images/s` : `${value} images/s`;
}
