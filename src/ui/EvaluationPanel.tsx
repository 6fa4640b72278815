import { useRunsStore } from '../state/runs-store';
import { percent } from './format';
import { EvaluationViews } from './eval/EvaluationViews';
import { WEIGHTS_NOT_SAVED_WARNING } from '../saliency-protocol';


/** Test-split metrics of the selected run: headline metrics, then the evaluation views (ROC, calibration, confusion matrix, galleries, groups). */
export function EvaluationPanel() {
  const { runs, selectedRunId } = useRunsStore();
  const run = runs.find((r) => r.id === selectedRunId);
  const metrics = run?.result?.test;
  if (!run || !metrics) return null;

  const classNames = run.request.classNames;
  const weightsSaved = !run.warnings.some((warning) => warning.startsWith(WEIGHTS_NOT_SAVED_WARNING));

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

      <EvaluationViews key={run.id} source={{ classNames, predictions: run.result!.predictions, saliencyRunId: weightsSaved ? run.id : null }} />
      {metrics.classesWithoutSamples.length > 0 && (
        <p className="hint">
          No test images of {metrics.classesWithoutSamples.map((i) => classNames[i]).join(', ')}: balanced accuracy averages the other classes.
        </p>
      )}
    </div>
  );
}
