import { useState } from 'react';

import { parseCsv, type CsvTable } from '../core/reports/csv-parse';
import { useDatasetStore } from '../state/dataset-store';

const PATH_GUESSES = ['path', 'filename', 'file', 'image', 'file_name', 'image_path'];
const LABEL_GUESSES = ['label', 'class', 'class_name', 'classname', 'diagnosis', 'tissue'];
const GROUP_GUESSES = ['group_id', 'group', 'patient_id', 'patient', 'slide_id', 'slide', 'case_id'];

/**
 * Labels from a CSV instead of class folders, for a flat folder of images:
 * the user picks the path, label and (optional) group columns.
 */
export function LabelsTableControl() {
  const { source, labels, setTableLabels, setFolderLabels } = useDatasetStore();
  const [table, setTable] = useState<{ name: string; table: CsvTable } | null>(null);
  const [pathColumn, setPathColumn] = useState('');
  const [labelColumn, setLabelColumn] = useState('');
  const [groupColumn, setGroupColumn] = useState('');
  const [message, setMessage] = useState<string | null>(null);

  if (!source) return null;

  async function load(file: File) {
    const parsed = parseCsv(await file.text());
    if (parsed.header.length < 2) {
      setMessage(`${file.name}: expected a header row with at least two columns (an image path and a label).`);
      return;
    }
    setTable({ name: file.name, table: parsed });
    setPathColumn(guess(parsed.header, PATH_GUESSES) ?? parsed.header[0]);
    setLabelColumn(guess(parsed.header, LABEL_GUESSES) ?? parsed.header[1]);
    setGroupColumn(guess(parsed.header, GROUP_GUESSES) ?? '');
    setMessage(parsed.problems.length > 0 ? `${file.name}: ${parsed.problems.length} malformed row(s), first at line ${parsed.problems[0].line}.` : null);
  }

  function apply() {
    if (!table) return;
    setTableLabels({ tableName: table.name, table: table.table, pathColumn, labelColumn, groupColumn: groupColumn || undefined });
    const { images, classNames } = useDatasetStore.getState();
    setMessage(`${images.length} image(s) labelled from ${table.name}, in ${classNames.length} class(es).`);
  }

  return (
    <div className="labels-table-control">
      <h3>Labels from a CSV (flat folder)</h3>
      <label>
        Labels CSV
        <input type="file" accept=".csv,.tsv,text/csv" data-testid="labels-input" onChange={(e) => e.target.files?.[0] && void load(e.target.files[0])} />
      </label>
      {table && (
        <div className="row">
          <ColumnSelect label="Path column" value={pathColumn} onChange={setPathColumn} header={table.table.header} testId="labels-path-column" />
          <ColumnSelect label="Label column" value={labelColumn} onChange={setLabelColumn} header={table.table.header} testId="labels-label-column" />
          <ColumnSelect label="Group column" value={groupColumn} onChange={setGroupColumn} header={table.table.header} testId="labels-group-column" optional />
          <button type="button" onClick={apply} data-testid="labels-apply">
            Apply labels
          </button>
        </div>
      )}
      {labels.kind === 'table' && (
        <button type="button" onClick={() => setFolderLabels({ classLevel: 0, merge: {}, exclude: [] })}>
          Use class folders again
        </button>
      )}
      {message && (
        <p className="hint" data-testid="labels-message">
          {message}
        </p>
      )}
    </div>
  );
}

function ColumnSelect(props: { label: string; value: string; onChange(value: string): void; header: string[]; testId: string; optional?: boolean }) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)} data-testid={props.testId}>
        {props.optional && <option value="">(none)</option>}
        {props.header.map((name) => (
          <option key={name}>{name}</option>
        ))}
      </select>
    </label>
  );
}

function guess(header: string[], candidates: string[]): string | undefined {
  const lower = header.map((name) => name.trim().toLowerCase());
  for (const candidate of candidates) {
    const index = lower.indexOf(candidate);
    if (index >= 0) return header[index];
  }
  return undefined;
}
