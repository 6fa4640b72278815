import { useZeroShotStore } from '../state/zero-shot-store';
import type { ExtraComparisonRow } from './ComparisonTable';

/** Builds the zero-shot (and contrastive) rows of the comparison table, one per evaluated CLIP. */
export function useZeroShotComparisonRows(): ExtraComparisonRow[] {
  const rows = useZeroShotStore((s) => s.rows);
  return rows.map((row) => ({
    key: row.label === 'Zero-shot' ? 'zero-shot' : row.label.toLowerCase(),
    label: `${row.label} (${row.clipName}, ${row.templates.length} prompt${row.templates.length === 1 ? '' : 's'})`,
    balancedAccuracy: row.metrics.balancedAccuracy,
    accuracy: row.metrics.accuracy,
    macroF1: row.metrics.macroF1,
    note: 'no seed (no training)',
  }));
}
