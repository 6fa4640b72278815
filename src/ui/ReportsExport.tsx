import { useState } from 'react';

import { useReportsStore } from '../state/reports-store';
import { downloadText } from './download';
import { toCsv } from './ImportReport';

/**
 * Corpus export as CSV. Report text is patient data, so the export first
 * warns and offers a file with ids and metadata only.
 */
export function ReportsExport() {
  const reports = useReportsStore((s) => s.reports);
  const [confirming, setConfirming] = useState(false);

  function exportCsv(withText: boolean) {
    const metaFields = [...new Set(reports.flatMap((report) => Object.keys(report.meta)))].sort();
    const header = ['id', 'source', ...metaFields, 'words', ...(withText ? ['text'] : [])];
    const rows = reports.map((report) => [
      report.id,
      report.source ?? '',
      ...metaFields.map((field) => (report.meta[field] === undefined || report.meta[field] === null ? '' : String(report.meta[field]))),
      String(report.text.split(/\s+/).filter((word) => word !== '').length),
      ...(withText ? [report.text] : []),
    ]);
    downloadText(withText ? 'report-corpus-with-text.csv' : 'report-corpus-without-text.csv', toCsv([header, ...rows]), 'text/csv');
    setConfirming(false);
  }

  return (
    <div className="reports-export">
      {!confirming ? (
        <button type="button" onClick={() => setConfirming(true)} data-testid="reports-export">
          Export corpus as CSV…
        </button>
      ) : (
        <div className="export-warning" role="alertdialog" aria-labelledby="export-warning-text" data-testid="reports-export-warning">
          <p id="export-warning-text">
            Report text is patient data. A file with the text can leave this machine once saved; check that sharing it is allowed. The export without text keeps
            ids, metadata and word counts only.
          </p>
          <div className="row">
            <button type="button" className="primary" onClick={() => exportCsv(false)} data-testid="reports-export-without-text">
              Export without text
            </button>
            <button type="button" onClick={() => exportCsv(true)} data-testid="reports-export-with-text">
              Export with text
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
