import { useState } from 'react';

import { SPLIT_NAMES, parseSplitRatios } from '../core/split';
import { useDatasetStore } from '../state/dataset-store';

/** Train / validation / test ratios, the split seed, and the resulting counts per class. */
export function SplitPanel() {
  const { classNames, split, splitRatios, splitSeed, setSplitOptions, groups, excludedGroups } = useDatasetStore();
  const [ratioText, setRatioText] = useState(`${splitRatios.train},${splitRatios.val},${splitRatios.test}`);
  const [seedText, setSeedText] = useState(String(splitSeed));
  const [error, setError] = useState<string | null>(null);

  function apply() {
    try {
      const seed = Number(seedText);
      if (!Number.isInteger(seed) || seed < 0) throw new Error(`Invalid seed "${seedText}": expected a whole number >= 0.`);
      setSplitOptions(parseSplitRatios(ratioText), seed);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <div className="panel" aria-labelledby="split-heading">
      <h2 id="split-heading">2 · Split</h2>
      <div className="row">
        <label title="Fractions of each class for train, validation and test; they must sum to 1.">
          Train, val, test
          <input value={ratioText} onChange={(e) => setRatioText(e.target.value)} onBlur={apply} onKeyDown={(e) => e.key === 'Enter' && apply()} data-testid="split-ratios" />
        </label>
        <label title="Seed of the split; the same seed and data always give the same split.">
          Seed
          <input value={seedText} onChange={(e) => setSeedText(e.target.value)} onBlur={apply} onKeyDown={(e) => e.key === 'Enter' && apply()} size={4} data-testid="split-seed" />
        </label>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}

      {split && (
        <table className="split-table" data-testid="split-table">
          <thead>
            <tr>
              <th>Class</th>
              {SPLIT_NAMES.map((name) => (
                <th key={name}>{name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {classNames.map((className, label) => (
              <tr key={className}>
                <td>{className}</td>
                {SPLIT_NAMES.map((name) => (
                  <td key={name}>{split.counts[name][label]}</td>
                ))}
              </tr>
            ))}
            <tr className="total">
              <td>{groups ? 'groups' : 'total'}</td>
              {SPLIT_NAMES.map((name) => (
                <td key={name} data-testid={`split-count-${name}`}>
                  {groups ? split.groupCounts[name] : split.indices[name].length}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      )}
      {split && split.excluded > 0 && excludedGroups && (
        <p className="warning-text" data-testid="split-excluded">
          {split.excluded.toLocaleString()} images left out of every split: {excludedGroups.reason}
        </p>
      )}
      {split && !groups && (
        <p className="hint">
          Split image by image. If several images come from one patient, slide or source tile, add groups so they stay together.
        </p>
      )}
    </div>
  );
}
