import { useState } from 'react';

import { suggestClassLevel } from '../core/ingest/folder-layout';
import { maxFolderDepth } from '../state/dataset-derive';
import { useDatasetStore } from '../state/dataset-store';

/**
 * Class folder choices for the imported folder: the folder level whose names
 * are the classes, merges and exclusions. Each change re-derives the classes
 * from the files already decoded.
 */
export function LayoutControl() {
  const { source, labels, rawClasses, report, setFolderLabels } = useDatasetStore();
  const [excludeText, setExcludeText] = useState('');

  if (!source || labels.kind !== 'folders') return null;

  const depth = maxFolderDepth(source.paths, source.root);
  const suggested = suggestClassLevel(source.paths);
  const levels = Array.from({ length: Math.max(1, depth) }, (_, level) => level);
  const hints = report?.notices.hints ?? [];
  const folderExcludes = labels.exclude.filter((entry) => !rawClasses.some((c) => c.name === entry));

  function update(change: Partial<{ classLevel: number; merge: Record<string, string>; exclude: string[] }>) {
    if (labels.kind !== 'folders') return;
    setFolderLabels({ classLevel: labels.classLevel, merge: labels.merge, exclude: labels.exclude, ...change });
  }

  function setMerge(name: string, target: string) {
    if (labels.kind !== 'folders') return;
    const merge = { ...labels.merge };
    if (target === '') delete merge[name];
    else merge[name] = target;
    update({ merge });
  }

  function toggleExclude(name: string, excluded: boolean) {
    if (labels.kind !== 'folders') return;
    const exclude = labels.exclude.filter((entry) => entry !== name);
    if (excluded) exclude.push(name);
    update({ exclude });
  }

  function applyFolderExcludes() {
    if (labels.kind !== 'folders') return;
    const folders = excludeText
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const classExcludes = labels.exclude.filter((entry) => rawClasses.some((c) => c.name === entry));
    update({ exclude: [...classExcludes, ...folders] });
  }

  return (
    <div className="layout-control" data-testid="layout-control">
      <h3>Classes from folders</h3>
      <div className="row">
        <label title="Folder depth below the imported folder whose names are the class names.">
          Class level
          <select value={labels.classLevel} onChange={(e) => update({ classLevel: Number(e.target.value), merge: {}, exclude: [] })} data-testid="class-level">
            {levels.map((level) => (
              <option key={level} value={level}>
                {level + 1}. folder level{level === suggested ? ' (suggested)' : ''}
              </option>
            ))}
          </select>
        </label>
      </div>

      {hints.map((hint) => (
        <p key={hint.kind + hint.message} className="hint layout-hint" data-testid="layout-hint">
          {hintText(hint.kind, hint.message)}
          {hint.suggestedLevel !== undefined && hint.suggestedLevel !== labels.classLevel && hint.suggestedLevel < depth && (
            <button type="button" onClick={() => update({ classLevel: hint.suggestedLevel!, merge: {}, exclude: [] })}>
              Use level {hint.suggestedLevel + 1}
            </button>
          )}
        </p>
      ))}

      {rawClasses.length > 0 && (
        <table className="layout-classes" data-testid="layout-classes">
          <thead>
            <tr>
              <th>Folder</th>
              <th>Images</th>
              <th>Merge into</th>
              <th>Exclude</th>
            </tr>
          </thead>
          <tbody>
            {rawClasses.map((entry) => (
              <tr key={entry.name}>
                <td>{entry.name}</td>
                <td>{entry.imageCount.toLocaleString()}</td>
                <td>
                  <select value={labels.merge[entry.name] ?? ''} onChange={(e) => setMerge(entry.name, e.target.value)} aria-label={`Merge ${entry.name} into`} data-testid={`merge-${entry.name}`}>
                    <option value="">(own class)</option>
                    {rawClasses
                      .filter((other) => other.name !== entry.name)
                      .map((other) => (
                        <option key={other.name} value={other.name}>
                          {other.name}
                        </option>
                      ))}
                  </select>
                </td>
                <td>
                  <input
                    type="checkbox"
                    checked={labels.exclude.includes(entry.name)}
                    onChange={(e) => toggleExclude(entry.name, e.target.checked)}
                    aria-label={`Exclude ${entry.name}`}
                    data-testid={`exclude-${entry.name}`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div className="row">
        <label title="Folder paths relative to the imported folder, separated by commas, e.g. TUM/old">
          Exclude folders
          <input type="text" value={excludeText} placeholder={folderExcludes.join(', ') || 'e.g. TUM/old, NORM/blurry'} onChange={(e) => setExcludeText(e.target.value)} data-testid="exclude-folders" />
        </label>
        <button type="button" onClick={applyFolderExcludes} data-testid="exclude-folders-apply">
          Apply
        </button>
      </div>
    </div>
  );
}

/** Plain wording for the layout hints; "containers" is the case where the chosen folders are datasets, not classes. */
function hintText(kind: string, message: string): string {
  if (kind === 'containers-not-classes') return `This folder holds more than one dataset: choose the level of the class folders. Details: ${message}.`;
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
}
