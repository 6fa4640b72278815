import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

import { useProjectsStore } from '../state/projects-store';
import type { ProjectRecord } from '../storage/project-registry';
import { DEFAULT_PROJECT_ID } from '../storage/project-scope';
import { storageEstimate } from '../storage/opfs';
import { downloadBlob } from './download';
import { formatBytes } from './format';
import { ProjectRow } from './ProjectRow';
import './projects.css';

/**
 * Renders the project menu in the header: the current project's name, and on click
 * the project list with size on disk, create, rename, open, export, import
 * and delete, plus the origin's storage use, quota and persistence.
 */
export function ProjectsPanel() {
  const { projects, currentId, sizes, busy, message, notices, error, load, measureSizes, create, importFile, exportProject } = useProjectsStore();
  const [open, setOpen] = useState(false);
  const [newName, setNewName] = useState('');
  const [storage, setStorage] = useState<{ usage: number; quota: number; persisted: boolean } | null>(null);
  const importInput = useRef<HTMLInputElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);

  const current = projects.find((p) => p.id === currentId);

  useEffect(() => {
    if (!open) return;
    void load().then(() => measureSizes());
    void storageEstimate().then(setStorage, (e: unknown) => console.warn('[projects] storage estimate failed:', e));
  }, [open, load, measureSizes]);

  function closeOnEscape(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key !== 'Escape' || !open) return;
    event.stopPropagation();
    setOpen(false);
    toggle.current?.focus();
  }

  async function requestPersistence() {
    await navigator.storage.persist?.();
    setStorage(await storageEstimate());
  }

  async function exportAndSave(project: ProjectRecord) {
    const exported = await exportProject(project.id);
    if (exported) downloadBlob(exported.fileName, exported.blob);
  }

  return (
    <div className="projects-menu" onKeyDown={closeOnEscape}>
      <button ref={toggle} type="button" className="projects-toggle" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="projects-toggle">
        Project: <strong data-testid="current-project-name">{current?.name ?? '…'}</strong> ▾
      </button>

      {open && (
        <div className="panel projects-panel" role="dialog" aria-label="Projects" data-testid="projects-panel">
          <h2>Projects</h2>
          <table className="projects-table" data-testid="projects-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Last opened</th>
                <th title="Database size is an estimate: browsers report IndexedDB use per site only. File size is exact.">Size on disk (estimate)</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {projects.map((project) => (
                <ProjectRow
                  key={project.id}
                  project={project}
                  isCurrent={project.id === currentId}
                  isDefault={project.id === DEFAULT_PROJECT_ID}
                  size={sizes[project.id]}
                  onExport={() => void exportAndSave(project)}
                />
              ))}
            </tbody>
          </table>

          <form
            className="row"
            onSubmit={(event) => {
              event.preventDefault();
              void create(newName);
            }}
          >
            <input value={newName} onChange={(e) => setNewName(e.target.value)} placeholder="New project name" aria-label="New project name" data-testid="new-project-name" />
            <button type="submit" disabled={busy !== null || newName.trim() === ''} data-testid="create-project">
              Create and open
            </button>
            <button type="button" disabled={busy !== null} onClick={() => importInput.current?.click()}>
              Import project…
            </button>
            <input
              ref={importInput}
              type="file"
              accept=".zip,application/zip"
              hidden
              data-testid="project-import-input"
              onChange={(event) => {
                const file = event.target.files?.[0];
                event.target.value = '';
                if (file) void importFile(file);
              }}
            />
          </form>

          {busy && <p className="hint" data-testid="projects-busy">{busy}…</p>}
          {message && <p data-testid="projects-message">{message}</p>}
          {error && (
            <p className="error-text" role="alert" data-testid="projects-error">
              {error}
            </p>
          )}
          {notices.length > 0 && (
            <ul className="warning-text" data-testid="projects-notices">
              {notices.map((notice) => (
                <li key={notice}>{notice}</li>
              ))}
            </ul>
          )}

          {storage && (
            <p className="hint" data-testid="projects-quota">
              This site uses {formatBytes(storage.usage)} of {formatBytes(storage.quota)} available to it;{' '}
              {storage.persisted ? 'storage is persistent.' : 'the browser may evict it when the disk runs low.'}{' '}
              {!storage.persisted && (
                <button type="button" className="link" onClick={() => void requestPersistence()}>
                  Ask for persistent storage
                </button>
              )}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
