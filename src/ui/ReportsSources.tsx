import { useReportsStore } from '../state/reports-store';

/** Loaded report files with their text and id fields, encoding warnings and the rows that could not be read. */
export function ReportsSources() {
  const { sources, corpus, setFields, removeSource } = useReportsStore();
  if (sources.length === 0) return null;

  return (
    <div className="reports-sources">
      <table data-testid="reports-sources">
        <thead>
          <tr>
            <th>File</th>
            <th>Reports</th>
            <th>Text field</th>
            <th>Id field</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sources.map((source, index) => (
            <tr key={source.name + index} data-testid="reports-source">
              <td className="path">{source.name}</td>
              <td>{source.corpus.reports.length.toLocaleString()}</td>
              <td>
                {source.kind === 'txt' ? (
                  'whole file'
                ) : (
                  <select
                    value={source.textField ?? ''}
                    onChange={(e) => setFields(index, e.target.value, source.idField)}
                    aria-label={`Text field of ${source.name}`}
                    data-testid={`reports-text-field-${index}`}
                  >
                    {source.fields.map((field) => (
                      <option key={field}>{field}</option>
                    ))}
                  </select>
                )}
              </td>
              <td>
                {source.kind === 'txt' ? (
                  'file name'
                ) : (
                  <select
                    value={source.idField ?? ''}
                    onChange={(e) => setFields(index, source.textField ?? '', e.target.value || null)}
                    aria-label={`Id field of ${source.name}`}
                    data-testid={`reports-id-field-${index}`}
                  >
                    <option value="">(automatic)</option>
                    {source.fields.map((field) => (
                      <option key={field}>{field}</option>
                    ))}
                  </select>
                )}
              </td>
              <td>
                <button type="button" onClick={() => removeSource(index)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {corpus.warnings.length > 0 && (
        <ul className="reports-warnings" data-testid="reports-warnings">
          {corpus.warnings.slice(0, 50).map((warning, index) => (
            <li key={index}>{warning}</li>
          ))}
          {corpus.warnings.length > 50 && <li>… and {corpus.warnings.length - 50} more</li>}
        </ul>
      )}

      {corpus.problems.length > 0 && (
        <details className="reports-problems" open data-testid="reports-problems">
          <summary>{corpus.problems.length} row(s), line(s) or file(s) could not be used</summary>
          <table>
            <thead>
              <tr>
                <th>File</th>
                <th>Line</th>
                <th>Id</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {corpus.problems.slice(0, 500).map((problem, index) => (
                <tr key={index} data-testid="reports-problem" data-source={problem.source ?? ''} data-line={problem.line ?? ''}>
                  <td className="path">{problem.source ?? ''}</td>
                  <td>{problem.line ?? ''}</td>
                  <td>{problem.id ?? ''}</td>
                  <td>{problem.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {corpus.problems.length > 500 && <p>Showing the first 500 of {corpus.problems.length}.</p>}
        </details>
      )}
    </div>
  );
}
