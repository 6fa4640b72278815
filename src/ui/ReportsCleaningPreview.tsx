import { useMemo, useState } from 'react';

import { cleanReportText } from '../core/reports/report-clean';
import { useReportsStore } from '../state/reports-store';

/** Raw and cleaned text of one report side by side, with what cleaning removed. */
export function ReportsCleaningPreview() {
  const corpus = useReportsStore((s) => s.corpus);
  const [index, setIndex] = useState(0);
  const report = corpus.reports[Math.min(index, corpus.reports.length - 1)];
  const result = useMemo(() => (report ? cleanReportText(report.text) : null), [report]);
  if (!report || !result) return null;

  const { counts } = result;
  const removed = counts.charsBefore - counts.charsAfter;

  // Jumps to the next report whose cleaning changes something, so the preview shows an effect.
  function nextChanged() {
    for (let step = 1; step <= corpus.reports.length; step++) {
      const candidate = (index + step) % corpus.reports.length;
      if (cleanReportText(corpus.reports[candidate].text).text !== corpus.reports[candidate].text) {
        setIndex(candidate);
        return;
      }
    }
  }

  return (
    <details className="cleaning-preview" data-testid="cleaning-preview">
      <summary>Cleaning: before and after for a sample report</summary>
      <div className="row">
        <span>
          Report <strong data-testid="cleaning-report-id">{report.id}</strong> ({index + 1} of {corpus.reports.length})
        </span>
        <button type="button" onClick={() => setIndex((index + corpus.reports.length - 1) % corpus.reports.length)}>
          Previous
        </button>
        <button type="button" onClick={() => setIndex((index + 1) % corpus.reports.length)}>
          Next
        </button>
        <button type="button" onClick={nextChanged} data-testid="cleaning-next-changed">
          Next report that cleaning changes
        </button>
      </div>
      <p className="hint" data-testid="cleaning-counts">
        {removed.toLocaleString()} of {counts.charsBefore.toLocaleString()} characters removed: {counts.barcodeLines} barcode line(s), {counts.junkSpans} junk
        span(s), {counts.headerLines} header line(s), {counts.redactions} redaction placeholder(s), {counts.whitespaceRuns} whitespace run(s).
      </p>
      <div className="before-after">
        <div>
          <h4>Before</h4>
          <pre data-testid="cleaning-before">{report.text}</pre>
        </div>
        <div>
          <h4>After</h4>
          <pre data-testid="cleaning-after">{result.text}</pre>
        </div>
      </div>
      {result.removedLines.length > 0 && (
        <ul className="removed-lines" data-testid="cleaning-removed-lines">
          {result.removedLines.slice(0, 20).map((line) => (
            <li key={line.line}>
              line {line.line} ({line.kind}): <code>{line.text}</code>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
