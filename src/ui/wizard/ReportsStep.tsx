import { useRef } from 'react';

import { useReportsStore } from '../../state/reports-store';
import { WizardNav } from './FirstRunWizard';

/** Step 2: the unpaired report corpus (.txt files, CSV/TSV or JSONL). */
export function ReportsStep() {
  const { reports, corpus, loading, error, loadFiles } = useReportsStore();
  const inputRef = useRef<HTMLInputElement>(null);

  return (
    <>
      <p>
        Add pathology reports of the same organ, not paired with any image: one <code>.txt</code> file per report, a CSV/TSV, or JSONL (e.g.{' '}
        <code>lung_reports.jsonl</code> with TCGA lung reports). CLIP-IT pairs each image with its most similar report.
      </p>
      <div className="row">
        <button type="button" onClick={() => inputRef.current?.click()} disabled={loading}>
          Choose report files…
        </button>
        <input
          ref={inputRef}
          type="file"
          hidden
          multiple
          accept=".txt,.csv,.tsv,.jsonl,.ndjson"
          data-testid="wizard-reports-input"
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            e.target.value = '';
            if (files.length > 0) void loadFiles(files);
          }}
        />
        {loading && <span>Reading…</span>}
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {corpus.problems.length > 0 && (
        <div className="warning-text" role="alert" data-testid="wizard-reports-problems">
          {corpus.problems.length} file(s) or row(s) skipped; the other reports were kept:
          <ul>
            {corpus.problems.slice(0, 5).map((problem, index) => (
              <li key={`${problem.source}-${index}`}>
                <code>{problem.source ?? problem.id ?? 'report'}</code>
                {problem.line !== undefined && `, line ${problem.line}`}: {problem.reason}
              </li>
            ))}
          </ul>
          {corpus.problems.length > 5 && <span>The Reports panel behind this window lists all {corpus.problems.length}.</span>}
        </div>
      )}
      {corpus.reports.length > 0 && (
        <p className="summary" data-testid="wizard-reports-summary">
          {corpus.reports.length.toLocaleString()} reports loaded; {reports.length.toLocaleString()} in use after cleaning and filters
        </p>
      )}
      <p className="hint">The Reports panel behind this window has the text field choice, OCR cleaning, passages and a metadata filter.</p>

      <WizardNav canNext={reports.length > 0 && !loading} hint="Add reports first." />
    </>
  );
}
