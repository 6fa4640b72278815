import { useMemo } from 'react';

import { countMetaValues, type MetaValue } from '../core/reports/corpus';
import { filterableFields, useReportsStore } from '../state/reports-store';

/** Keeps only reports with chosen values of one metadata field, e.g. `organ` or `project_or_label`. */
export function ReportsFilter() {
  const { corpus, filter, setFilter } = useReportsStore();
  const fields = useMemo(() => filterableFields(corpus.reports), [corpus]);
  const field = filter?.field ?? '';
  const counts = useMemo(() => (field ? [...countMetaValues(corpus, field).entries()].sort((a, b) => b[1] - a[1]) : []), [corpus, field]);

  if (fields.length === 0) return null;

  function chooseField(name: string) {
    if (name === '') {
      setFilter(null);
      return;
    }
    setFilter({ field: name, values: [...countMetaValues(corpus, name).keys()] });
  }

  function toggle(value: MetaValue, keep: boolean) {
    if (!filter) return;
    const values = filter.values.filter((entry) => entry !== value);
    if (keep) values.push(value);
    setFilter({ field: filter.field, values });
  }

  return (
    <div className="reports-filter">
      <label>
        Filter by
        <select value={field} onChange={(e) => chooseField(e.target.value)} data-testid="reports-filter-field">
          <option value="">(all reports)</option>
          {fields.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </label>
      {filter && (
        <div className="filter-values" data-testid="reports-filter-values">
          {counts.map(([value, count]) => (
            <label key={String(value)} className="inline">
              <input type="checkbox" checked={filter.values.includes(value)} onChange={(e) => toggle(value, e.target.checked)} data-testid={`reports-filter-value-${String(value)}`} />
              {value === null ? '(missing)' : String(value)} ({count.toLocaleString()})
            </label>
          ))}
        </div>
      )}
    </div>
  );
}
