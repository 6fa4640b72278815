import { useDatasetStore } from '../state/dataset-store';
import { downloadText } from './download';

/**
 * Files that could not be used, with the reason, plus layout notices
 * (unlabelled images, empty classes). Exportable as CSV.
 */
export function ImportReport() {
  const { problems, warnings, layout } = useDatasetStore();
  const unlabelled = layout?.unlabelled ?? [];
  const emptyClasses = layout?.emptyClasses ?? [];
  const hints = layout?.hints ?? [];

  if (problems.length === 0 && warnings.length === 0 && unlabelled.length === 0 && emptyClasses.length === 0 && hints.length === 0) {
    return null;
  }

  const rows: string[][] = [
    ['path', 'status', 'reason', 'detail'],
    ...problems.map((p) => [p.path, 'skipped', p.reason, p.detail]),
    ...unlabelled.map((path) => [path, 'skipped', 'unlabelled', 'the image is not inside a class folder']),
    ...emptyClasses.map((folder) => [folder, 'skipped', 'empty class', 'the class folder holds no images']),
    ...warnings.map((w) => [w.path, 'imported with warning', 'warning', w.message]),
  ];

  return (
    <details className="import-report" open data-testid="import-report">
      <summary>
        Import report: {problems.length + unlabelled.length} file(s) skipped
        {emptyClasses.length > 0 && `, ${emptyClasses.length} empty class(es)`}
        {warnings.length > 0 && `, ${warnings.length} warning(s)`}
      </summary>
      {hints.map((hint) => (
        <p key={hint.kind + hint.message} className="hint">
          {hint.message}
        </p>
      ))}
      <table>
        <thead>
          <tr>
            <th>File</th>
            <th>Status</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.slice(1, 501).map((row) => (
            <tr key={row[0] + row[2]} data-reason={row[2]}>
              <td className="path">{row[0]}</td>
              <td>{row[1]}</td>
              <td>
                <strong>{row[2]}</strong>: {row[3]}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > 501 && <p>Showing the first 500 of {rows.length - 1} entries; the CSV has all of them.</p>}
      <button type="button" onClick={() => downloadText('import-report.csv', toCsv(rows), 'text/csv')}>
        Export report as CSV
      </button>
    </details>
  );
}

export function toCsv(rows: string[][]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
