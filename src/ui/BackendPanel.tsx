import { useBackendStore } from '../state/backend-store';
import { useRunsStore } from '../state/runs-store';
import type { BackendPreference } from '../worker-protocol';

const OPTIONS: { value: BackendPreference; label: string }[] = [
  { value: 'auto', label: 'Automatic (WebGPU → WebGL → CPU)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'cpu', label: 'CPU' },
];

/** Active compute backend, the GPU adapter behind it, and a way to force one. */
export function BackendPanel() {
  const { info, status, error, preference, select } = useBackendStore();
  const training = useRunsStore((s) => s.activeRunId !== null);

  const adapter = info?.adapter;
  const adapterText = adapter
    ? [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' · ') || 'unnamed adapter'
    : 'no WebGPU adapter';

  return (
    <div className="backend-panel" aria-live="polite">
      <span className={`badge backend-${info?.active ?? 'none'}`} data-testid="backend-badge">
        {status === 'selecting' ? 'selecting…' : (info?.active ?? 'no backend')}
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
      {info && info.preference !== 'auto' && info.active !== info.preference && (
        <span className="error-text" role="alert">
          {info.preference} is not available here ({info.attempts.find((a) => a.backend === info.preference)?.error}); using {info.active}.
        </span>
      )}
      {error && <span className="error-text" role="alert">{error}</span>}
    </div>
  );
}
