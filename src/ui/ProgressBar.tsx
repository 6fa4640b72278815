/** Renders a labelled progress bar with count and estimated time left. */
export function ProgressBar({ done, total, startedAt, label }: { done: number; total: number; startedAt?: number; label: string }) {
  const fraction = total > 0 ? done / total : 0;
  let eta = '';
  if (startedAt !== undefined && done > 0 && done < total) {
    const elapsed = (performance.now() - startedAt) / 1000;
    const remaining = (elapsed / done) * (total - done);
    eta = ` · about ${formatDuration(remaining)} left`;
  }

  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-label={label}>
      <div className="progress-track">
        <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </div>
      <span className="progress-text">
        {label} {done.toLocaleString()} / {total.toLocaleString()}
        {eta}
      </span>
    </div>
  );
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
