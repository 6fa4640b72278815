import { useClipItStore } from '../../state/clipit-store';
import { useWizardStore } from '../../state/wizard-store';
import { ComparisonTable } from '../ComparisonTable';
import { formatDuration } from '../ProgressBar';
import { useZeroShotComparisonRows } from '../zero-shot-rows';

/** Step 5: the comparison table, mean ± std over seeds, with zero-shot CLIP as a reference row. */
export function ResultsStep() {
  const { result, epochs, clipName } = useClipItStore();
  const { startedAt, finishedAt, dismiss } = useWizardStore();
  const extraRows = useZeroShotComparisonRows();
  const wallSeconds = finishedAt !== null ? (finishedAt - startedAt) / 1000 : NaN;

  if (!result) return <p>No comparison has run yet; go back one step.</p>;
  return (
    <>
      <ComparisonTable result={result} epochs={epochs} clipName={clipName} extraRows={extraRows} />
      {clipName?.startsWith('demo CLIP') && (
        <p className="warning-text" data-testid="wizard-demo-supervision">
          CLIP-IT with the demo CLIP benefits from extra supervision: the demo CLIP was trained on labelled LC25000 tiles (of groups left out of this split), so its report
          embeddings carry class information the baseline never sees. A gain here shows the workflow, not what an independent histology CLIP would add.
        </p>
      )}
      <p className="stats" data-testid="wizard-wall-time">
        Guided run from the first step to these results: {formatDuration(wallSeconds)}.
      </p>
      <p className="hint">Everything stays loaded in the studio: the panels behind this window show the pairs, the curves and each seed.</p>
      <div className="wizard-nav">
        <button type="button" className="primary" onClick={dismiss} data-testid="wizard-finish">
          Close and explore the studio
        </button>
      </div>
    </>
  );
}
