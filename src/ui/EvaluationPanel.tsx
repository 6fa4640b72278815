import { useRunsStore } from '../state/runs-store';
import { percent } from './format';
import { ConfusionMatrix } from './ConfusionMatrix';


/** Test-split metrics of the selected run: accuracy, balanced accuracy, macro F1, per class, confusion matrix. */
export function EvaluationPanel() {
  const { runs, selectedRunId } = useRunsStore();
  const run = runs.find((r) => r.id === selectedRunId);
  const metrics = run?.result?.test;
  if (!run || !metrics) return null;

  const classNames = run.request.classNames;

  return (
    <div className="panel" aria-labelledby="eval-heading" data-testid="evaluation">
      <h2 id="eval-heading">4 · Test results</h2>
      <p className="hint">
        {metrics.numSamples} test images never seen in training or model selection. Balanced accuracy is the mean per-class recall, the metric the CLIP-IT paper reports.
      </p>
      <dl className="headline-metrics">
        <div>
          <dt>Accuracy</dt>
          <dd data-testid="metric-accuracy">{percent(metrics.accuracy)}</dd>
        </div>
        <div>
          <dt>Balanced accuracy</dt>
          <dd data-testid="metric-balanced-accuracy">{percent(metrics.balancedAccuracy)}</dd>
        </div>
        <div>
          <dt>Macro F1</dt>
          <dd data-testid="metric-macro-f1">{percent(metrics.macroF1)}</dd>
        </div>
        <div>
          <dt>Throughput</dt>
          <dd>{Number.isFinite(run.result!.meanImagesPerSecond) ? `${run.result!.meanImagesPerSecond.toFixed(1)} img/s on ${run.result!.backend}` : '–'}</dd>
        </div>
      </dl>

      <div className="eval-grid">
        <table className="per-class" data-testid="per-class-metrics">
          <thead>
            <tr>
              <th>Class</th>
              <th>Precision</th>
              <th>Recall</th>
              <th>F1</th>
              <th>Support</th>
            </tr>
          </thead>
          <tbody>
            {metrics.perClass.map((c) => (
              <tr key={c.classIndex}>
                <td>{classNames[c.classIndex]}</td>
                <td>{c.precisionUndefined ? 'n/a' : percent(c.precision)}</td>
                <td>{c.recallUndefined ? 'n/a' : percent(c.recall)}</td>
                <td>{percent(c.f1)}</td>
                <td>{c.support}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <ConfusionMatrix matrix={metrics.confusionMatrix} classNames={classNames} />
      </div>
      {metrics.classesWithoutSamples.length > 0 && (
        <p className="hint">
          No test images of {metrics.classesWithoutSamples.map((i) => classNames[i]).join(', ')}: balanced accuracy averages the other classes.
        </p>
      )}
    </div>
  );
}
