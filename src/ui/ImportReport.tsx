import { csvField, REASON_HELP, type ImportReason } from '../core/ingest/import-report';
import { useDatasetStore } from '../state/dataset-store';
import { downloadText } from './download';

/** Rows shown on the page. The CSV export contains all of them. */
const MAX_ROWS = 500;

interface ReportRow {
  path: string;
  status: 'skipped' | 'excluded' | 'imported with warning';
  reason: string;
  detail: string;
}

/**
 * Files that could not be used, with a plain reason, plus layout notices
 * (unlabelled images, empty classes, files without an image extension) and
 * labels CSV issues. Hidden and system files are left out on purpose.
 * Exportable as CSV.
 */
export function ImportReport() {
  const report = useDatasetStore((s) => s.report);
  if (!report) return null;

  const { problems, warnings, notices } = report;
  const rows: ReportRow[] = [
    ...problems.map((p): ReportRow => ({ path: p.path, status: 'skipped', reason: p.reason, detail: p.detail })),
    ...notices.unlabelled.map((path): ReportRow => ({
      path,
      status: 'skipped',
      reason: 'unlabelled',
      detail: 'the image is not inside a class folder, so it has no class',
    })),
    ...notices.emptyClasses.map((folder): ReportRow => ({
      path: report.root ? `${report.root}/${folder}/` : `${folder}/`,
      status: 'skipped',
      reason: 'empty class',
      detail: 'the class folder contains no images, so the class was dropped',
    })),
    ...notices.nonImages.map((path): ReportRow => ({ path, status: 'skipped', reason: 'not an image file', detail: REASON_HELP['not an image file'] })),
    ...notices.excluded.map((path): ReportRow => ({ path, status: 'excluded', reason: 'excluded', detail: 'left out by an exclusion you chose' })),
    ...warnings.map((w): ReportRow => ({ path: w.path, status: 'imported with warning', reason: 'warning', detail: w.message })),
  ];

  const skipped = rows.filter((row) => row.status === 'skipped' && row.reason !== 'empty class').length;
  const reasonsUsed = [...new Set(problems.map((p) => p.reason))] as ImportReason[];
  if (rows.length === 0 && notices.hints.length === 0 && notices.tableIssues.length === 0 && !report.failed) return null;

  return (
    <details className="import-report" open data-testid="import-report">
      <summary>
        Import report for {report.root || 'the dropped files'}: {skipped} file(s) skipped
        {notices.emptyClasses.length > 0 && `, ${notices.emptyClasses.length} empty class(es)`}
        {warnings.length > 0 && `, ${warnings.length} warning(s)`}
      </summary>
      {report.failed && (
        <p className="error-text" data-testid="import-report-failed">
          No file of this import could be used, so the previous dataset was kept.
        </p>
      )}
      {notices.hints.map((hint) => (
        <p key={hint.kind + hint.message} className="hint">
          {hint.message}
        </p>
      ))}
      {notices.tableIssues.map((issue) => (
        <p key={issue} className="hint" data-testid="labels-table-issue">
          {issue}
        </p>
      ))}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>File</th>
              <th>Status</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, MAX_ROWS).map((row) => (
              <tr key={row.path + row.reason + row.detail} data-testid="import-report-row" data-path={row.path} data-reason={row.reason}>
                <td className="path">{row.path}</td>
                <td>{row.status}</td>
                <td>
                  <strong>{row.reason}</strong>: {row.detail}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows.length > MAX_ROWS && (
        <p>
          Showing the first {MAX_ROWS} of {rows.length} entries; the CSV has all of them.
        </p>
      )}
      {reasonsUsed.length > 0 && (
        <dl className="reason-legend">
          {reasonsUsed.map((reason) => (
            <div key={reason}>
              <dt>{reason}</dt>
              <dd>{REASON_HELP[reason]}</dd>
            </div>
          ))}
        </dl>
      )}
      {rows.length > 0 && (
        <button type="button" data-testid="import-report-export" onClick={() => downloadText('import-report.csv', reportCsv(rows), 'text/csv')}>
          Export report as CSV
        </button>
      )}
    </details>
  );
}

function reportCsv(rows: ReportRow[]): string {
  return toCsv([['path', 'status', 'reason', 'detail'], ...rows.map((row) => [row.path, row.status, row.reason, row.detail])]);
}

/** Serialises rows as RFC 4180 CSV with CRLF line ends. */
export function toCsv(rows: string[][]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
