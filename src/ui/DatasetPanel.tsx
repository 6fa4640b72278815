import { useEffect, useState, type DragEvent } from 'react';

import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from '../core/ingest/image-limits';
import { useDatasetStore } from '../state/dataset-store';
import { DuplicatesWarning } from './DuplicatesWarning';
import { filesFromDrop } from './folder-drop';
import { GroupsControl } from './GroupsControl';
import { ImportReport } from './ImportReport';
import { LabelsTableControl } from './LabelsTableControl';
import { LayoutControl } from './LayoutControl';
import { ProgressBar } from './ProgressBar';
import { ThumbnailGrid } from './ThumbnailGrid';
import { FolderPickerButton } from './FolderPickerButton';

/**
 * Folder import (drop or picker), class folder choices or a labels CSV, class
 * counts, duplicate warning, thumbnails and the import report.
 */
export function DatasetPanel() {
  const { rootName, classNames, images, source, labels, progress, error, storageWarning, restoring, importFiles, cancelImport, restoreSaved, forgetSaved } =
    useDatasetStore();
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    void restoreSaved();
  }, [restoreSaved]);

  const counts = classNames.map((_, label) => images.filter((image) => image.label === label).length);

  async function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    const files = await filesFromDrop(event.dataTransfer);
    await importFiles(files);
  }

  return (
    <div className="panel" aria-labelledby="dataset-heading">
      <h2 id="dataset-heading">1 · Images</h2>

      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void onDrop(e)}
        data-testid="drop-zone"
      >
        <p>
          Drop a folder with <strong>one subfolder per class</strong> (e.g. <code>tumour/</code>, <code>normal/</code>).
          PNG, JPEG, TIFF, BMP and WebP tiles, up to {MAX_IMAGE_SIDE.toLocaleString()} px a side and {MAX_IMAGE_PIXELS / 1e6} MP.
        </p>
        <FolderPickerButton
          label="Choose folder…"
          inputTestId="folder-input"
          disabled={!!progress}
          onFiles={(files) => void importFiles(files)}
        />
      </div>

      {progress && (
        <div className="import-progress">
          <ProgressBar done={progress.done} total={progress.total} startedAt={progress.startedAt} label="Importing" />
          <button type="button" onClick={cancelImport}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {restoring && <p className="hint">Reading the dataset saved in this browser…</p>}
      {storageWarning && (
        <p className="warning-text" data-testid="storage-warning">
          {storageWarning}
        </p>
      )}

      {source && (
        <>
          <LayoutControl />
          <details className="labels-table" open={labels.kind === 'table' || images.length === 0}>
            <summary>Labels from a CSV instead of class folders</summary>
            <LabelsTableControl />
          </details>
        </>
      )}

      {images.length > 0 && (
        <>
          <p className="summary" data-testid="dataset-summary">
            <strong>{rootName || 'Dataset'}</strong>: {images.length.toLocaleString()} images in {classNames.length} classes
          </p>
          <table className="class-counts" data-testid="class-counts">
            <thead>
              <tr>
                <th>Class</th>
                <th>Images</th>
              </tr>
            </thead>
            <tbody>
              {classNames.map((name, label) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td>{counts[label].toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <DuplicatesWarning />
          <ThumbnailGrid images={images} classNames={classNames} />
          <GroupsControl />
        </>
      )}

      <ImportReport />

      {source && (
        <p className="hint" data-testid="saved-copy-note">
          A copy of each imported image is kept in this browser&apos;s private storage (OPFS), so the dataset is still here after a reload.{' '}
          <button type="button" className="link" onClick={() => void forgetSaved()} data-testid="forget-saved">
            Delete the saved copies
          </button>
        </p>
      )}
    </div>
  );
}
