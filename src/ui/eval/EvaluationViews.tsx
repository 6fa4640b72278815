import { useMemo, useState } from 'react';

import { summarizeEvaluation } from '../../core/eval/evaluation-summary';
import { confusionCellTiles, mostConfidentMistakes, type TilePrediction } from '../../core/eval/mistakes';
import { useDatasetStore, type DatasetImage } from '../../state/dataset-store';
import type { TestPrediction } from '../../worker-protocol';
import { ConfusionMatrix, type ConfusionCell } from '../ConfusionMatrix';
import { GroupMetrics } from './GroupMetrics';
import { PerClassTable } from './PerClassTable';
import { ReliabilityDiagram } from './ReliabilityDiagram';
import { RocChart } from './RocChart';
import { TileGallery, type GalleryTile } from './TileGallery';
import './eval.css';

/** Test predictions of one model: a studio run or one stage of a CLIP-IT comparison. */
export interface EvaluationSource {
  classNames: string[];
  predictions: TestPrediction[];
  /** Run whose stored weights give Grad-CAM maps; null when no weights are stored. */
  saliencyRunId: string | null;
}

/** Number of tiles in the most-confident-mistakes gallery. */
const MISTAKES_SHOWN = 24;

/**
 * Renders the ROC, reliability diagram, per-class metrics, a confusion matrix whose
 * cells open a gallery of their tiles, the most confident mistakes and
 * group-level metrics, all for one set of test predictions.
 */
export function EvaluationViews({ source }: { source: EvaluationSource }) {
  const { classNames, predictions } = source;
  const numClasses = classNames.length;
  const images = useDatasetStore((s) => s.images);
  const [cell, setCell] = useState<ConfusionCell | null>(null);

  const summary = useMemo(
    () => summarizeEvaluation(predictions.map((p) => ({ label: p.label, probabilities: p.probabilities, group: p.group })), numClasses),
    [predictions, numClasses],
  );
  const probabilityRows = useMemo(() => predictions.map((p) => p.probabilities), [predictions]);
  const labels = useMemo(() => predictions.map((p) => p.label), [predictions]);
  const imagesByPath = useMemo(() => new Map(images.map((image) => [image.path, image])), [images]);

  const toGalleryTile = (tile: TilePrediction): GalleryTile => galleryTile(tile, predictions[tile.index], imagesByPath);
  const mistakes = useMemo(() => mostConfidentMistakes(probabilityRows, labels, numClasses, MISTAKES_SHOWN), [probabilityRows, labels, numClasses]);
  const cellTiles = useMemo(
    () => (cell ? confusionCellTiles(probabilityRows, labels, numClasses, cell.trueClass, cell.predictedClass) : []),
    [cell, probabilityRows, labels, numClasses],
  );

  if (predictions.length === 0) {
    return <p className="hint">This model has no test predictions (the test split is empty), so there is nothing to evaluate.</p>;
  }
  const missingImages = predictions.some((p) => !p.path || !imagesByPath.has(p.path));

  return (
    <div className="evaluation-views" data-testid="evaluation-views">
      <div className="eval-grid">
        <RocChart roc={summary.roc} classNames={classNames} />
        {summary.calibration && <ReliabilityDiagram result={summary.calibration} />}
      </div>

      <div className="eval-grid">
        <PerClassTable metrics={summary.metrics} classNames={classNames} />
        <div>
          <ConfusionMatrix matrix={summary.metrics.confusionMatrix} classNames={classNames} selected={cell} onSelectCell={setCell} />
          <p className="hint">Click a cell to see its tiles.</p>
        </div>
        <GroupMetrics tileMetrics={summary.metrics} groups={summary.groups} problem={summary.groupProblem} classNames={classNames} />
      </div>

      {missingImages && <p className="hint">Some test images are not loaded, so their thumbnails are missing: import the folder this model was trained on.</p>}

      {cell && (
        <TileGallery
          title={`True ${classNames[cell.trueClass]}, predicted ${classNames[cell.predictedClass]}`}
          testId="cell-gallery"
          tiles={cellTiles.map(toGalleryTile)}
          classNames={classNames}
          saliencyRunId={source.saliencyRunId}
          emptyMessage="No test tile falls in this cell."
        />
      )}
      <TileGallery
        title="Most confident mistakes"
        testId="mistakes-gallery"
        tiles={mistakes.map(toGalleryTile)}
        classNames={classNames}
        saliencyRunId={source.saliencyRunId}
        emptyMessage="Every test tile is classified correctly."
      />
    </div>
  );
}

function galleryTile(tile: TilePrediction, prediction: TestPrediction, imagesByPath: ReadonlyMap<string, DatasetImage>): GalleryTile {
  const path = prediction.path ?? null;
  return {
    index: prediction.index,
    path,
    image: path ? (imagesByPath.get(path) ?? null) : null,
    trueLabel: tile.trueLabel,
    predictedLabel: tile.predictedLabel,
    confidence: tile.confidence,
  };
}
