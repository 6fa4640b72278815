import { useMemo } from 'react';

import { describeContextTruncation } from '../core/reports/corpus';
import { useReportsStore } from '../state/reports-store';

/** Passage splitting: sentence or paragraph units packed under a word budget. */
export function ReportsPassages() {
  const { reports, passages, setPassages } = useReportsStore();
  const corpusTexts = useReportsStore((s) => s.corpusTexts);
  const truncation = useMemo(() => describeContextTruncation({ reports, problems: [], warnings: [] }, passages.maxTokens), [reports, passages.maxTokens]);
  const passageCount = useMemo(() => (passages.enabled ? corpusTexts().length : 0), [passages, reports, corpusTexts]);

  return (
    <div className="reports-passages">
      <div className="row">
        <label className="inline">
          <input type="checkbox" checked={passages.enabled} onChange={(e) => setPassages({ ...passages, enabled: e.target.checked })} data-testid="passages-enabled" />
          Split reports into passages
        </label>
        <label>
          Unit
          <select value={passages.mode} onChange={(e) => setPassages({ ...passages, mode: e.target.value as 'sentence' | 'paragraph' })} data-testid="passages-mode">
            <option value="sentence">sentences</option>
            <option value="paragraph">paragraphs</option>
          </select>
        </label>
        <label title="Maximum words per passage. Words approximate the text model's tokens; one word is often more than one token.">
          Max words per passage
          <input
            type="number"
            min={1}
            value={passages.maxTokens}
            onChange={(e) => {
              const value = Number(e.target.value);
              if (Number.isInteger(value) && value >= 1) setPassages({ ...passages, maxTokens: value });
            }}
            data-testid="passages-max-tokens"
          />
        </label>
      </div>
      <p className="hint" data-testid="passages-summary">
        {passages.enabled
          ? `${passageCount.toLocaleString()} passages from ${reports.length.toLocaleString()} reports.`
          : `Without splitting, ${truncation.message.replace('tokens', 'words')}.`}
      </p>
    </div>
  );
}
