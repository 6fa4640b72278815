import { useDatasetStore } from '../state/dataset-store';

/**
 * Byte-identical images in the dataset. Copies in different splits put the
 * same tile in training and test, which inflates test scores.
 */
export function DuplicatesWarning() {
  const duplicates = useDatasetStore((s) => s.duplicates);
  if (!duplicates || duplicates.sets.length === 0) return null;

  const { sets, redundantFiles, crossSplitSets, crossClassSets } = duplicates;
  return (
    <details className="duplicates-warning" data-testid="duplicates-warning" data-sets={sets.length} data-cross-split={crossSplitSets} data-cross-class={crossClassSets}>
      <summary>
        {sets.length} set(s) of identical images ({redundantFiles} extra cop{redundantFiles === 1 ? 'y' : 'ies'}).{' '}
        {crossSplitSets > 0
          ? `${crossSplitSets} set(s) span train/val/test: the same tile is trained on and tested, which inflates test scores. Put the copies in one group or delete them.`
          : 'No set spans two splits.'}{' '}
        {crossClassSets > 0 ? `${crossClassSets} set(s) carry two different classes: at least one label is wrong.` : 'No set spans two classes.'}
      </summary>
      <ul>
        {sets.slice(0, 100).map((set) => (
          <li key={set.sha256}>
            {set.paths.join(' = ')}
            {set.splits.length > 1 && <strong> · splits {set.splits.join(', ')}</strong>}
            {set.crossClass && <strong> · classes {set.classes.join(', ')}</strong>}
          </li>
        ))}
      </ul>
      {sets.length > 100 && <p>Showing 100 of {sets.length} sets.</p>}
    </details>
  );
}
