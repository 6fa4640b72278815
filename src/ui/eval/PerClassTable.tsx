import type { ClassificationMetrics } from '../../core/eval/classification-metrics';
import { percent } from '../format';

/** Renders precision, recall, F1 and support of each class, one class vs rest. */
export function PerClassTable({ metrics, classNames }: { metrics: ClassificationMetrics; classNames: string[] }) {
  return (
    <table className="per-class" data-testid="per-class-metrics">
      <thead>
        <tr>
          <th>Class</th>
          <th>Precision</th>
          <th>Recall</th>
          <th>F1</th>
          <th>Support</th>
        </tr>
      </thead>
      <tbody>
        {metrics.perClass.map((c) => (
          <tr key={c.classIndex}>
            <td>{classNames[c.classIndex]}</td>
            <td title={c.precisionUndefined ? 'Never predicted, so precision is undefined' : undefined}>{c.precisionUndefined ? 'n/a' : percent(c.precision)}</td>
            <td title={c.recallUndefined ? 'No test tiles of this class, so recall is undefined' : undefined}>{c.recallUndefined ? 'n/a' : percent(c.recall)}</td>
            <td>{percent(c.f1)}</td>
            <td>{c.support}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
