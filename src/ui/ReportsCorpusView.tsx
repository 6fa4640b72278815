import { useMemo, useState } from 'react';

import { lengthStats, searchReports } from '../core/reports/corpus';
import { useReportsStore } from '../state/reports-store';

/** Shows the reports in use: length histogram, search, and one report's full text. */
export function ReportsCorpusView() {
  const reports = useReportsStore((s) => s.reports);
  const corpus = useMemo(() => ({ reports, problems: [], warnings: [] }), [reports]);
  const stats = useMemo(() => lengthStats(corpus, 'words', 20), [corpus]);
  const [query, setQuery] = useState('');
  const hits = useMemo(() => searchReports(corpus, query, 50), [corpus, query]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = reports.find((report) => report.id === selectedId) ?? reports[0];
  const tallest = Math.max(1, ...stats.bins.map((bin) => bin.count));

  return (
    <div className="reports-corpus" data-testid="reports-corpus">
      <h3>
        <span data-testid="reports-count">{stats.count.toLocaleString()}</span> reports · median {stats.median.toLocaleString()} words (min {stats.min}, max{' '}
        {stats.max.toLocaleString()})
      </h3>
      <div className="length-histogram" data-testid="length-histogram" aria-label="Report length histogram, words per report">
        {stats.bins.map((bin) => (
          <div key={bin.start} className="bar" title={`${bin.start}–${bin.end - 1} words: ${bin.count} reports`}>
            <div className="bar-fill" style={{ height: `${(bin.count / tallest) * 100}%` }} />
          </div>
        ))}
      </div>
      <p className="hint">
        Words per report, {stats.min.toLocaleString()} to {stats.max.toLocaleString()}.
      </p>

      <label>
        Search reports (all words must occur)
        <input type="text" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="e.g. adenocarcinoma pleura" data-testid="reports-search" />
      </label>
      {query.trim() !== '' && (
        <p className="hint" data-testid="reports-search-count">
          {hits.length === 50 ? 'At least 50' : hits.length} matching report(s)
        </p>
      )}
      {hits.length > 0 && (
        <ul className="search-hits" data-testid="reports-search-hits">
          {hits.map((hit) => (
            <li key={hit.reportId}>
              <button type="button" className="link" onClick={() => setSelectedId(hit.reportId)}>
                {hit.reportId}
              </button>{' '}
              … {hit.snippet} …
            </li>
          ))}
        </ul>
      )}

      {selected && (
        <div className="report-text">
          <h4>
            Report <span data-testid="report-view-id">{selected.id}</span>
            {selected.source ? ` from ${selected.source}` : ''}
          </h4>
          {Object.keys(selected.meta).length > 0 && (
            <p className="hint">
              {Object.entries(selected.meta)
                .slice(0, 8)
                .map(([name, value]) => `${name}: ${String(value).slice(0, 80)}`)
                .join(' · ')}
            </p>
          )}
          <pre data-testid="report-view-text">{selected.text}</pre>
        </div>
      )}
    </div>
  );
}
