import { useState } from 'react';

import { STAGE_LABELS, type ComparisonResult, type ComparisonStage } from '../../clipit-protocol';
import { useDatasetStore } from '../../state/dataset-store';
import { EvaluationViews } from './EvaluationViews';

/** Renders the evaluation views of one comparison stage (its first seed), chosen from a list. */
export function ComparisonEvaluation({ result }: { result: ComparisonResult }) {
  const classNames = useDatasetStore((s) => s.classNames);
  const [chosen, setChosen] = useState<ComparisonStage | null>(null);
  const stage = result.stages.find((s) => s.stage === chosen) ?? result.stages[result.stages.length - 1];
  if (!stage) return null;
  const predictions = stage.testPredictions ?? [];
  const matchesDataset = predictions.every((p) => p.probabilities.length === classNames.length);

  return (
    <div className="comparison-evaluation" data-testid="comparison-evaluation">
      <h3>
        Evaluation of{' '}
        <select value={stage.stage} onChange={(e) => setChosen(e.target.value as ComparisonStage)} data-testid="comparison-eval-stage" aria-label="Stage to evaluate">
          {result.stages.map((s) => (
            <option key={s.stage} value={s.stage}>
              {STAGE_LABELS[s.stage]}
            </option>
          ))}
        </select>{' '}
        on the test split, seed {stage.seeds[0]}
      </h3>
      {/* NOTE: comparison stages keep no weights after training, so their galleries offer no Grad-CAM overlay. */}
      {matchesDataset ? (
        <EvaluationViews key={stage.stage} source={{ classNames, predictions, saliencyRunId: null }} />
      ) : (
        <p className="hint">The loaded dataset has {classNames.length} classes but this comparison was trained on a different set; import its folder again to see the evaluation.</p>
      )}
    </div>
  );
}
