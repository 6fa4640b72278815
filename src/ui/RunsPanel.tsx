import { useRunsStore } from '../state/runs-store';
import { percent } from './format';
import { RunBundleButton } from './RunBundleButton';


/** Lists all runs of this browser, newest last, with their headline test metrics; click one to inspect it. */
export function RunsPanel() {
  const { runs, selectedRunId, selectRun } = useRunsStore();
  if (runs.length === 0) return null;
  const selected = runs.find((run) => run.id === selectedRunId);

  return (
    <div className="panel" aria-labelledby="runs-heading">
      <h2 id="runs-heading">Runs</h2>
      <table className="runs-table" data-testid="runs-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            <th>Backend</th>
            <th>Epochs</th>
            <th>Accuracy</th>
            <th>Balanced acc.</th>
            <th>Macro F1</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr
              key={run.id}
              className={run.id === selectedRunId ? 'selected' : undefined}
              onClick={() => selectRun(run.id)}
              onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && selectRun(run.id)}
              tabIndex={0}
              aria-selected={run.id === selectedRunId}
            >
              <td>{run.name}</td>
              <td>{run.phase}</td>
              <td>{run.result?.backend ?? '–'}</td>
              <td>{run.epochs.length}</td>
              <td>{percent(run.result?.test?.accuracy)}</td>
              <td>{percent(run.result?.test?.balancedAccuracy)}</td>
              <td>{percent(run.result?.test?.macroF1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected && <RunBundleButton run={selected} />}
    </div>
  );
}
