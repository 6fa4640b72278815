import { useRef } from 'react';

import { useReportsStore } from '../state/reports-store';
import { ReportsCleaningPreview } from './ReportsCleaningPreview';
import { ReportsCorpusView } from './ReportsCorpusView';
import { ReportsExport } from './ReportsExport';
import { ReportsFilter } from './ReportsFilter';
import { ReportsPassages } from './ReportsPassages';
import { ReportsSources } from './ReportsSources';

/**
 * Builds the unpaired report corpus for CLIP-IT: loads .txt, CSV/TSV or JSONL
 * reports, lists what could not be read, cleans OCR junk, splits into
 * passages, filters by metadata and shows the result.
 */
export function ReportsPanel() {
  const { corpus, reports, loading, error, cleaning, emptiedByCleaning, loadFiles, setCleaning, clear } = useReportsStore();
  const filesRef = useRef<HTMLInputElement>(null);
  const folderRef = useRef<HTMLInputElement>(null);

  function onChosen(input: HTMLInputElement) {
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (files.length > 0) void loadFiles(files);
  }

  return (
    <div className="panel reports-panel" aria-labelledby="reports-heading">
      <h2 id="reports-heading">Reports</h2>
      <p className="hint">
        Pathology reports, not paired with images: one <code>.txt</code> per report, or a CSV/TSV or JSONL file with one report per row. They stay on this
        machine.
      </p>
      <div className="row">
        <button type="button" onClick={() => filesRef.current?.click()} disabled={loading}>
          Choose report files…
        </button>
        <button type="button" onClick={() => folderRef.current?.click()} disabled={loading}>
          Choose a folder of .txt reports…
        </button>
        {corpus.reports.length + corpus.problems.length > 0 && (
          <button type="button" onClick={clear} data-testid="reports-clear">
            Remove all reports
          </button>
        )}
        <input ref={filesRef} type="file" hidden multiple accept=".txt,.csv,.tsv,.jsonl,.ndjson" data-testid="reports-input" onChange={(e) => onChosen(e.target)} />
        <input
          ref={folderRef}
          type="file"
          hidden
          multiple
          data-testid="reports-folder-input"
          // webkitdirectory is not in React's typings, so it is set as a plain attribute.
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => onChosen(e.target)}
        />
      </div>
      {loading && <p className="hint">Reading reports…</p>}
      {error && (
        <p className="error-text" role="alert" data-testid="reports-error">
          {error}
        </p>
      )}

      <ReportsSources />

      {corpus.reports.length > 0 && (
        <>
          <p className="summary" data-testid="reports-summary">
            {corpus.reports.length.toLocaleString()} reports loaded; {reports.length.toLocaleString()} in use
          </p>
          <label className="inline">
            <input type="checkbox" checked={cleaning} onChange={(e) => setCleaning(e.target.checked)} data-testid="reports-cleaning" />
            Clean OCR text (barcode junk, redaction placeholders, UUID and barcode header lines, extra whitespace)
          </label>
          {cleaning && emptiedByCleaning.length > 0 && (
            <p className="hint" data-testid="reports-emptied">
              {emptiedByCleaning.length} report(s) contained nothing but junk and were dropped after cleaning: {emptiedByCleaning.slice(0, 10).join(', ')}
              {emptiedByCleaning.length > 10 ? ', …' : ''}
            </p>
          )}
          <ReportsCleaningPreview />
          <ReportsFilter />
          <ReportsPassages />
          <ReportsCorpusView />
          <ReportsExport />
        </>
      )}
    </div>
  );
}
