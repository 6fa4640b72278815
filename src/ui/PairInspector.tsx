import { useMemo, useState } from 'react';

import type { RetrievalResult } from '../state/clip-store';
import { useDatasetStore } from '../state/dataset-store';
import { useReportsStore } from '../state/reports-store';
import { downloadText } from './download';
import { toCsv } from './ImportReport';

const HISTOGRAM_BINS = 20;

/** Top-k reports per image, the top-1 score histogram, the reports each class retrieves most, and CSV export. */
export function PairInspector({ retrieval }: { retrieval: RetrievalResult }) {
  const classNames = useDatasetStore((s) => s.classNames);
  const images = useDatasetStore((s) => s.images);
  const reports = useReportsStore((s) => s.reports);
  const [selected, setSelected] = useState(0);

  const { k, topIndices, topScores, texts, imagePaths } = retrieval;
  const top1Scores = useMemo(() => imagePaths.map((_, row) => topScores[row * k]), [imagePaths, topScores, k]);
  const meanTop1 = top1Scores.reduce((a, b) => a + b, 0) / Math.max(1, top1Scores.length);
  const histogram = useMemo(() => scoreHistogram(top1Scores), [top1Scores]);
  const perClass = useMemo(() => mostRetrievedPerClass(retrieval, classNames.length), [retrieval, classNames.length]);
  const reportText = useMemo(() => new Map(reports.map((r) => [r.id, r.text])), [reports]);

  const image = images.find((i) => i.path === imagePaths[selected]);

  function exportPairs() {
    const includeText = window.confirm(
      'The pairs CSV can include report passages, which are patient data. Press OK to include the text, or Cancel to export ids and scores only.',
    );
    const rows: string[][] = [['image', 'report_id', 'passage', 'score', 'rank']];
    imagePaths.forEach((path, row) => {
      for (let rank = 0; rank < k; rank++) {
        const text = texts[topIndices[row * k + rank]];
        rows.push([path, text.reportId, includeText ? text.text : '', topScores[row * k + rank].toFixed(6), String(rank + 1)]);
      }
    });
    downloadText('pairs.csv', toCsv(rows), 'text/csv');
  }

  return (
    <div className="pair-inspector" data-testid="pair-inspector">
      <p className="summary" data-testid="retrieval-summary">
        {imagePaths.length.toLocaleString()} images paired with {texts.length.toLocaleString()} texts in {retrieval.seconds.toFixed(1)} s · mean top-1 cosine{' '}
        {meanTop1.toFixed(3)} · images {retrieval.imageCached ? 'from cache' : 'embedded'}, texts {retrieval.textCached ? 'from cache' : 'embedded'}
      </p>

      <div className="eval-grid">
        <div>
          <h3>Top-1 scores</h3>
          <div className="histogram" role="img" aria-label="Histogram of top-1 cosine similarities">
            {histogram.counts.map((count, bin) => (
              <div
                key={bin}
                className="histogram-bar"
                style={{ height: `${(count / Math.max(1, Math.max(...histogram.counts))) * 100}%` }}
                title={`${(histogram.min + bin * histogram.width).toFixed(3)}–${(histogram.min + (bin + 1) * histogram.width).toFixed(3)}: ${count}`}
              />
            ))}
          </div>
          <p className="hint">
            {histogram.min.toFixed(3)} to {(histogram.min + HISTOGRAM_BINS * histogram.width).toFixed(3)}
          </p>
        </div>
        <div>
          <h3>Reports each class retrieves most</h3>
          <table>
            <tbody>
              {perClass.map((entries, label) => (
                <tr key={label}>
                  <th scope="row">{classNames[label]}</th>
                  <td>{entries.map((e) => `${e.reportId} (${e.count})`).join(', ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <h3>Inspect an image</h3>
      <label>
        Image
        <select value={selected} onChange={(e) => setSelected(Number(e.target.value))} data-testid="pair-image-select">
          {imagePaths.map((path, row) => (
            <option key={path} value={row}>
              {path}
            </option>
          ))}
        </select>
      </label>
      <div className="pair-detail">
        {image && <img src={image.thumbnailUrl} alt={image.path} className="pair-thumbnail" />}
        <ol className="pair-list" data-testid="pair-list">
          {Array.from({ length: k }, (_, rank) => {
            const text = texts[topIndices[selected * k + rank]];
            const full = reportText.get(text.reportId) ?? text.text;
            return (
              <li key={rank}>
                <span className="score">{topScores[selected * k + rank].toFixed(4)}</span> <strong>{text.reportId}</strong>
                <p className="report-text">{highlight(full, text.text)}</p>
              </li>
            );
          })}
        </ol>
      </div>

      <button type="button" onClick={exportPairs} data-testid="export-pairs">
        Export pairs as CSV…
      </button>
    </div>
  );
}

/** Marks the retrieved passage inside its report, so the reader sees what matched. */
function highlight(report: string, passage: string) {
  const at = passage === report ? -1 : report.indexOf(passage);
  const shown = report.length > 1200 && at < 0 ? `${report.slice(0, 1200)}…` : report;
  if (at < 0) return passage === report ? <mark>{shown}</mark> : shown;
  return (
    <>
      {report.slice(Math.max(0, at - 400), at)}
      <mark>{passage}</mark>
      {report.slice(at + passage.length, at + passage.length + 400)}
    </>
  );
}

function scoreHistogram(scores: number[]): { counts: number[]; min: number; width: number } {
  const min = Math.min(...scores);
  const max = Math.max(...scores);
  const width = (max - min) / HISTOGRAM_BINS || 1e-6;
  const counts = new Array(HISTOGRAM_BINS).fill(0);
  for (const score of scores) counts[Math.min(HISTOGRAM_BINS - 1, Math.floor((score - min) / width))] += 1;
  return { counts, min, width };
}

function mostRetrievedPerClass(retrieval: RetrievalResult, classCount: number): { reportId: string; count: number }[][] {
  const tallies = Array.from({ length: classCount }, () => new Map<string, number>());
  retrieval.imageLabels.forEach((label, row) => {
    const reportId = retrieval.texts[retrieval.topIndices[row * retrieval.k]].reportId;
    tallies[label]?.set(reportId, (tallies[label].get(reportId) ?? 0) + 1);
  });
  return tallies.map((tally) =>
    [...tally.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([reportId, count]) => ({ reportId, count })),
  );
}
