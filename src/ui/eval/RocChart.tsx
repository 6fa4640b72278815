import type { RocResult } from '../../core/eval/roc';
import { classColour } from './class-colours';
import { UnitSquarePlot, toX, toY } from './UnitSquarePlot';

/** Draws the one-vs-rest ROC curve of each class with its AUC, and the macro average over classes with a defined AUC. */
export function RocChart({ roc, classNames }: { roc: RocResult; classNames: string[] }) {
  return (
    <figure className="eval-figure" data-testid="roc-chart">
      <figcaption>ROC, one class vs rest (test split)</figcaption>
      <UnitSquarePlot xLabel="false positive rate" yLabel="true positive rate" ariaLabel="ROC curves per class">
        {roc.perClass.map((curve) =>
          curve.points.length === 0 ? null : (
            <polyline
              key={curve.classIndex}
              data-testid={`roc-curve-${curve.classIndex}`}
              points={curve.points.map((p) => `${toX(p.falsePositiveRate)},${toY(p.truePositiveRate)}`).join(' ')}
              fill="none"
              stroke={classColour(curve.classIndex)}
              strokeWidth={2}
            />
          ),
        )}
      </UnitSquarePlot>
      <ul className="legend">
        {roc.perClass.map((curve) => (
          <li key={curve.classIndex} data-testid={`roc-auc-${curve.classIndex}`} title={curve.undefinedReason}>
            <span className="swatch" style={{ background: classColour(curve.classIndex) }} />
            {classNames[curve.classIndex]}: {curve.auc === undefined ? `AUC undefined (${curve.positives} positive, ${curve.negatives} negative)` : `AUC ${curve.auc.toFixed(3)}`}
          </li>
        ))}
        <li data-testid="roc-macro-auc">
          <strong>Macro AUC {roc.macroAuc === undefined ? 'undefined' : roc.macroAuc.toFixed(3)}</strong>
          {roc.classesWithoutAuc.length > 0 && ` (leaves out ${roc.classesWithoutAuc.map((c) => classNames[c]).join(', ')})`}
        </li>
      </ul>
    </figure>
  );
}
