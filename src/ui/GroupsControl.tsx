import { useState } from 'react';

import { buildPathIndex } from '../core/ingest/path-match';
import { parseCsv, type CsvTable } from '../core/reports/csv-parse';
import { useDatasetStore, type GroupAssignment } from '../state/dataset-store';

const PATH_COLUMN_GUESSES = ['path', 'filename', 'file', 'image', 'file_name'];
const GROUP_COLUMN_GUESSES = ['group_id', 'group', 'patient_id', 'patient', 'slide_id', 'slide', 'case_id'];

/**
 * Group assignment from a CSV (path column + group column, chosen by the
 * user) or a file-name pattern, so images of one patient or slide never
 * cross splits.
 */
export function GroupsControl() {
  const { images, rootName, groups, setGroups } = useDatasetStore();
  const [table, setTable] = useState<{ name: string; table: CsvTable } | null>(null);
  const [pathColumn, setPathColumn] = useState('');
  const [groupColumn, setGroupColumn] = useState('');
  const [pattern, setPattern] = useState('');
  const [message, setMessage] = useState<string | null>(null);

  async function loadCsv(file: File) {
    const parsed = parseCsv(await file.text());
    if (parsed.header.length < 2) {
      setMessage(`${file.name}: expected a header row with at least two columns (a path and a group).`);
      return;
    }
    setTable({ name: file.name, table: parsed });
    setPathColumn(guess(parsed.header, PATH_COLUMN_GUESSES) ?? parsed.header[0]);
    setGroupColumn(guess(parsed.header, GROUP_COLUMN_GUESSES) ?? parsed.header[parsed.header.length - 1]);
    setMessage(parsed.problems.length > 0 ? `${file.name}: ${parsed.problems.length} malformed row(s), first at line ${parsed.problems[0].line}.` : null);
  }

  function applyCsv() {
    if (!table) return;
    if (pathColumn === groupColumn) {
      setMessage(`${table.name}: the path and the group column are both "${pathColumn}"; choose two different columns.`);
      return;
    }

    // A table that matches no image would make every image its own group, so the current groups are kept.
    const result = assignFromCsv(table.table, pathColumn, groupColumn, images.map((i) => i.path), rootName, table.name);
    if (images.length > 0 && result.assignment.matched === 0) {
      setMessage(`${table.name}: no value in column "${pathColumn}" names an imported image, so the groups were not changed. Choose the column that holds the file paths or names.`);
      return;
    }
    setGroups(result.assignment);
    setMessage(result.message);
  }

  function applyPattern() {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern);
    } catch (error) {
      setMessage(`Invalid pattern: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const byPath = new Map<string, string>();
    for (const image of images) {
      const match = regex.exec(image.path);
      if (match) byPath.set(image.path, match[1] ?? match[0]);
    }
    setGroups({ byPath, source: `pattern ${pattern}`, matched: byPath.size, unmatched: images.length - byPath.size });
    setMessage(`${byPath.size} of ${images.length} images matched the pattern; the others are their own group.`);
  }

  return (
    <div className="groups-control">
      <h3>
        Groups (patient / slide): {groups ? `${new Set(groups.byPath.values()).size} groups from ${groups.source}` : 'none, every image is its own group'}
      </h3>
      <p className="hint">Images of one group never cross splits. Without groups, copies of one tile can leak into the test split.</p>

      <label>
        Groups CSV
        <input type="file" accept=".csv,.tsv,text/csv" data-testid="groups-input" onChange={(e) => e.target.files?.[0] && void loadCsv(e.target.files[0])} />
      </label>
      {table && (
        <div className="row">
          <label>
            Path column
            <select value={pathColumn} onChange={(e) => setPathColumn(e.target.value)} data-testid="groups-path-column">
              {table.table.header.map((h) => (
                <option key={h}>{h}</option>
              ))}
            </select>
          </label>
          <label>
            Group column
            <select value={groupColumn} onChange={(e) => setGroupColumn(e.target.value)} data-testid="groups-group-column">
              {table.table.header.map((h) => (
                <option key={h}>{h}</option>
              ))}
            </select>
          </label>
          <button type="button" onClick={applyCsv} data-testid="groups-apply">
            Apply groups
          </button>
        </div>
      )}

      <div className="row">
        <label>
          or a file-name pattern (one capture group)
          <input type="text" placeholder="e.g. (TCGA-\w\w-\w{4})" value={pattern} onChange={(e) => setPattern(e.target.value)} />
        </label>
        <button type="button" onClick={applyPattern} disabled={!pattern}>
          Apply pattern
        </button>
      </div>
      {groups && (
        <button type="button" onClick={() => setGroups(null)}>
          Clear groups
        </button>
      )}
      {message && (
        <p className="hint" data-testid="groups-message">
          {message}
        </p>
      )}
    </div>
  );
}

function guess(header: string[], candidates: string[]): string | undefined {
  const lower = header.map((h) => h.trim().toLowerCase());
  for (const candidate of candidates) {
    const index = lower.indexOf(candidate);
    if (index >= 0) return header[index];
  }
  return undefined;
}

/**
 * Matches CSV rows to image paths (full relative path first, a bare file
 * name only where it is unique) and reports what did not match.
 */
export function assignFromCsv(
  table: CsvTable,
  pathColumn: string,
  groupColumn: string,
  imagePaths: string[],
  root: string,
  source: string,
): { assignment: GroupAssignment; message: string } {
  const pathIndex = table.header.indexOf(pathColumn);
  const groupIndex = table.header.indexOf(groupColumn);
  const index = buildPathIndex(imagePaths, root);
  const byPath = new Map<string, string>();
  let ambiguous = 0;
  let unknownRows = 0;

  for (const row of table.rows) {
    const value = row.cells[pathIndex]?.trim();
    const group = row.cells[groupIndex]?.trim();
    if (!value || !group) continue;

    const match = index.match(value);
    if (match.kind === 'matched') byPath.set(match.path, group);
    else if (match.kind === 'ambiguous') ambiguous += 1;
    else unknownRows += 1;
  }

  const unmatched = imagePaths.length - byPath.size;
  const parts = [`${byPath.size.toLocaleString()} of ${imagePaths.length.toLocaleString()} images got a group from ${source}.`];
  if (unmatched > 0) parts.push(`${unmatched} image(s) have no row and are their own group.`);
  if (ambiguous > 0) parts.push(`${ambiguous} row(s) name a file that exists in several folders; use the full path to tell them apart.`);
  if (unknownRows > 0) parts.push(`${unknownRows} row(s) name files that were not imported.`);

  return { assignment: { byPath, source, matched: byPath.size, unmatched }, message: parts.join(' ') };
}
