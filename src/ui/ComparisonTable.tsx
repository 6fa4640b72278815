import { STAGE_LABELS, type ComparisonEpochEvent, type ComparisonResult, type ComparisonStage } from '../clipit-protocol';
import type { SeedSummary } from '../core/eval/classification-metrics';
import { LineChart } from './LineChart';

const STAGE_COLOURS: Record<ComparisonStage, string> = { unimodal: '#999999', text: '#1f5fa8', clipit: '#7b2d6b' };

function meanStd(summary: SeedSummary): string {
  if (!Number.isFinite(summary.mean)) return '–';
  const std = Number.isFinite(summary.std) ? ` ± ${(summary.std * 100).toFixed(1)}` : '';
  return `${(summary.mean * 100).toFixed(1)}${std}%`;
}

/** A single-run row under the seeded stages, e.g. zero-shot CLIP, which has no seed. */
export interface ExtraComparisonRow {
  key: string;
  label: string;
  balancedAccuracy: number;
  accuracy: number;
  macroF1: number;
  /** Shown in the Seeds column, e.g. "no training". */
  note: string;
}

/** Test metrics per stage as mean ± std over seeds, and validation curves of all stages overlaid. */
export function ComparisonTable({
  result,
  epochs,
  clipName,
  extraRows = [],
}: {
  result: ComparisonResult;
  epochs: ComparisonEpochEvent[];
  clipName: string | null;
  extraRows?: ExtraComparisonRow[];
}) {
  const firstSeed = result.stages[0]?.seeds[0];
  const maxEpoch = Math.max(0, ...epochs.map((e) => e.epoch));
  const x = Array.from({ length: maxEpoch }, (_, i) => i + 1);

  return (
    <div className="comparison" data-testid="comparison-table">
      <h3>Test split, mean ± std over {result.stages[0]?.seeds.length ?? 0} seed(s), on {result.backend}</h3>
      <table>
        <thead>
          <tr>
            <th>Method</th>
            <th>Balanced accuracy</th>
            <th>Accuracy</th>
            <th>Macro F1</th>
            <th>Seeds</th>
          </tr>
        </thead>
        <tbody>
          {result.stages.map((stage) => (
            <tr key={stage.stage} data-stage={stage.stage}>
              <td>{STAGE_LABELS[stage.stage]}</td>
              <td data-testid={`comparison-bacc-${stage.stage}`}>{meanStd(stage.balancedAccuracy)}</td>
              <td>{meanStd(stage.accuracy)}</td>
              <td>{meanStd(stage.macroF1)}</td>
              <td>{stage.seeds.join(', ')}</td>
            </tr>
          ))}
          {extraRows.map((row) => (
            <tr key={row.key} data-stage={row.key}>
              <td>{row.label}</td>
              <td data-testid={`comparison-bacc-${row.key}`}>{meanStd({ count: 1, mean: row.balancedAccuracy, std: NaN })}</td>
              <td>{meanStd({ count: 1, mean: row.accuracy, std: NaN })}</td>
              <td>{meanStd({ count: 1, mean: row.macroF1, std: NaN })}</td>
              <td>{row.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {clipName && (
        <p className="hint">
          Pairs come from {clipName}. A CLIP brings knowledge from its own training data; a CLIP with random weights cannot help, and one trained on labelled tiles of this
          dataset (like the bundled demo CLIP) gives CLIP-IT extra supervision the baseline does not get.
        </p>
      )}
      <LineChart
        title={`Validation balanced accuracy per epoch (seed ${firstSeed})`}
        testId="comparison-chart"
        xLabel="epoch"
        x={x}
        series={result.stages.map((stage) => ({
          label: STAGE_LABELS[stage.stage],
          color: STAGE_COLOURS[stage.stage],
          values: x.map((epoch) => epochs.find((e) => e.stage === stage.stage && e.seed === firstSeed && e.epoch === epoch)?.valBalancedAccuracy ?? NaN),
        }))}
      />
    </div>
  );
}
