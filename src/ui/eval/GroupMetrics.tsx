import type { ClassificationMetrics } from '../../core/eval/classification-metrics';
import type { GroupAggregation } from '../../core/eval/group-aggregation';
import { percent } from '../format';

/**
 * Shows tile-level metrics beside group-level ones (patient or slide), with each group
 * predicted by its tiles' mean probability and by majority vote.
 */
export function GroupMetrics({
  tileMetrics,
  groups,
  problem,
  classNames,
}: {
  tileMetrics: ClassificationMetrics;
  groups: GroupAggregation | null;
  problem: string | null;
  classNames: string[];
}) {
  const rows: { key: string; label: string; count: string; metrics: ClassificationMetrics }[] = [{ key: 'tiles', label: 'Tiles', count: `${tileMetrics.numSamples} tiles`, metrics: tileMetrics }];
  if (groups) {
    const count = `${groups.groups.length} groups`;
    rows.push({ key: 'mean-probability', label: 'Groups, mean probability', count, metrics: groups.meanProbabilityMetrics });
    rows.push({ key: 'majority-vote', label: 'Groups, majority vote', count, metrics: groups.majorityVoteMetrics });
  }

  return (
    <div className="group-metrics" data-testid="group-metrics">
      <h3>Tile and group level</h3>
      <table>
        <thead>
          <tr>
            <th>Level</th>
            <th>Count</th>
            <th>Accuracy</th>
            <th>Balanced accuracy</th>
            <th>Macro F1</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} data-testid={`group-level-${row.key}`}>
              <td>{row.label}</td>
              <td>{row.count}</td>
              <td>{percent(row.metrics.accuracy)}</td>
              <td>{percent(row.metrics.balancedAccuracy)}</td>
              <td>{percent(row.metrics.macroF1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {problem && <p className="hint">{problem}</p>}
      {groups && (
        <details>
          <summary>Per group ({groups.groups.length})</summary>
          <table className="group-table" data-testid="group-table">
            <thead>
              <tr>
                <th>Group</th>
                <th>True class</th>
                <th>Tiles</th>
                <th>Mean probability</th>
                <th>Majority vote</th>
              </tr>
            </thead>
            <tbody>
              {groups.groups.map((group) => (
                <tr key={group.groupId}>
                  <td>{group.groupId}</td>
                  <td>{classNames[group.trueLabel]}</td>
                  <td>{group.tileCount}</td>
                  <td className={group.meanPrediction === group.trueLabel ? undefined : 'wrong'}>
                    {classNames[group.meanPrediction]} ({percent(group.meanProbabilities[group.meanPrediction])})
                  </td>
                  <td className={group.majorityPrediction === group.trueLabel ? undefined : 'wrong'}>
                    {classNames[group.majorityPrediction]} ({group.voteCounts[group.majorityPrediction]} of {group.tileCount})
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}
