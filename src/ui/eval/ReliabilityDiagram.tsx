import type { CalibrationResult } from '../../core/eval/calibration';
import { percent } from '../format';
import { UnitSquarePlot, toX, toY } from './UnitSquarePlot';

/**
 * Draws the accuracy of each confidence bin against the bin's mean confidence.
 * A calibrated model has its bars on the diagonal. ECE weighs each bin's gap by its share of tiles.
 */
export function ReliabilityDiagram({ result }: { result: CalibrationResult }) {
  return (
    <figure className="eval-figure" data-testid="reliability-diagram">
      <figcaption>Reliability diagram ({result.bins.length} confidence bins)</figcaption>
      <UnitSquarePlot xLabel="confidence (max probability)" yLabel="accuracy" ariaLabel="Reliability diagram">
        {result.bins.map((bin, i) =>
          bin.count === 0 ? null : (
            <g key={i} data-testid="reliability-bin">
              <title>{`confidence (${bin.lower.toFixed(2)}, ${bin.upper.toFixed(2)}]: ${bin.count} tiles, accuracy ${percent(bin.accuracy)}, mean confidence ${percent(bin.meanConfidence)}`}</title>
              <rect x={toX(bin.lower) + 1} y={toY(bin.accuracy)} width={toX(bin.upper) - toX(bin.lower) - 2} height={toY(0) - toY(bin.accuracy)} className="accuracy-bar" />
              <line x1={toX(bin.lower) + 1} x2={toX(bin.upper) - 1} y1={toY(bin.meanConfidence)} y2={toY(bin.meanConfidence)} className="confidence-mark" />
            </g>
          ),
        )}
      </UnitSquarePlot>
      <p className="legend">
        <span data-testid="ece-value">
          <strong>ECE {percent(result.expectedCalibrationError)}</strong>
        </span>
        , maximum bin gap {percent(result.maxCalibrationError)}, {result.numSamples} tiles. Bars: accuracy; dark marks: mean confidence.
      </p>
    </figure>
  );
}
