import { useState } from 'react';

import { useProjectsStore } from '../state/projects-store';
import type { ProjectRecord } from '../storage/project-registry';
import type { ProjectSize } from '../storage/project-size';
import { formatBytes } from './format';

interface Props {
  project: ProjectRecord;
  isCurrent: boolean;
  isDefault: boolean;
  size: ProjectSize | { error: string } | undefined;
  onExport(): void;
}

function sizeText(size: Props['size']): string {
  if (!size) return 'measuring…';
  if ('error' in size) return `unknown (${size.error})`;
  return `${formatBytes(size.databaseBytes + size.fileBytes)} (records ~${formatBytes(size.databaseBytes)}, files ${formatBytes(size.fileBytes)})`;
}

/** Renders one project of the list, with inline rename and a delete that needs confirmation. */
export function ProjectRow({ project, isCurrent, isDefault, size, onExport }: Props) {
  const { busy, open, rename, remove } = useProjectsStore();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(project.name);
  const [confirming, setConfirming] = useState(false);

  return (
    <tr className={isCurrent ? 'current' : undefined} data-testid="project-row" data-project-name={project.name}>
      <td>
        {editing ? (
          <form
            className="row"
            onSubmit={(event) => {
              event.preventDefault();
              void rename(project.id, name).then(() => setEditing(false));
            }}
          >
            <input value={name} onChange={(e) => setName(e.target.value)} aria-label={`New name for ${project.name}`} data-testid="rename-input" autoFocus />
            <button type="submit" data-testid="rename-save">
              Save
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <>
            {project.name}
            {isCurrent && <span className="project-current-chip">open here</span>}
          </>
        )}
      </td>
      <td>{project.lastOpenedAt > 0 ? new Date(project.lastOpenedAt).toLocaleString() : '–'}</td>
      <td data-testid="project-size">{sizeText(size)}</td>
      <td className="project-actions">
        {confirming ? (
          <span role="alert">
            Delete “{project.name}” and all its data?{' '}
            <button type="button" className="danger" onClick={() => void remove(project.id).then(() => setConfirming(false))} data-testid="confirm-delete">
              Delete
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <>
            <button type="button" disabled={isCurrent || busy !== null} onClick={() => open(project.id)} data-testid="open-project">
              Open
            </button>
            <button
              type="button"
              disabled={busy !== null}
              onClick={() => {
                setName(project.name);
                setEditing(true);
              }}
              data-testid="rename-project"
            >
              Rename
            </button>
            <button type="button" disabled={busy !== null} onClick={onExport} data-testid="export-project">
              Export
            </button>
            <button
              type="button"
              disabled={isCurrent || isDefault || busy !== null}
              title={isDefault ? 'The default project cannot be deleted.' : isCurrent ? 'Open another project first.' : undefined}
              onClick={() => setConfirming(true)}
              data-testid="delete-project"
            >
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  );
}
