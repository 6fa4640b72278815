import { useState } from 'react';

import { parseCsv } from '../../core/reports/csv-parse';
import { useDatasetStore } from '../../state/dataset-store';
import { assignFromCsv } from '../GroupsControl';
import { ProgressBar } from '../ProgressBar';
import { WizardNav } from './FirstRunWizard';
import { FolderPickerButton } from '../FolderPickerButton';

/** Step 1: the image folder (one subfolder per class) and, optionally, a groups CSV. */
export function ImagesStep() {
  const { images, classNames, rootName, progress, error, groups, importFiles, setGroups } = useDatasetStore();
  const [groupsMessage, setGroupsMessage] = useState<string | null>(null);

  async function loadGroups(file: File) {
    const table = parseCsv(await file.text());
    const pathColumn = table.header.find((name) => ['path', 'filename', 'file', 'image'].includes(name.trim().toLowerCase()));
    const groupColumn = table.header.find((name) => ['group_id', 'group', 'patient_id', 'slide_id', 'case_id'].includes(name.trim().toLowerCase()));
    if (!pathColumn || !groupColumn) {
      setGroupsMessage(`${file.name}: expected a path column (path or filename) and a group column (group_id, patient_id or slide_id); found ${table.header.join(', ')}. Use the Groups section of the Images panel to pick other columns.`);
      return;
    }
    const result = assignFromCsv(table, pathColumn, groupColumn, images.map((image) => image.path), rootName, file.name);
    setGroups(result.assignment);
    setGroupsMessage(result.message);
  }

  return (
    <>
      <p>
        Choose a folder with <strong>one subfolder per class</strong>, e.g. the LC25000 lung tiles (<code>lung_aca/</code>, <code>lung_n/</code>, <code>lung_scc/</code>).
        The tiles stay on this machine.
      </p>
      <div className="row">
        <FolderPickerButton
          label="Choose image folder…"
          inputTestId="wizard-folder-input"
          disabled={!!progress}
          onFiles={(files) => void importFiles(files)}
        />
      </div>
      {progress && <ProgressBar done={progress.done} total={progress.total} startedAt={progress.startedAt} label="Importing" />}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {images.length > 0 && (
        <p className="summary" data-testid="wizard-images-summary">
          {images.length.toLocaleString()} images in {classNames.length} classes: {classNames.join(', ')}
        </p>
      )}

      {images.length > 0 && (
        <div className="wizard-section">
          <h3>Groups (patient, slide or source tile)</h3>
          <p className="hint">
            Images of one group never cross the train, validation and test splits. For LC25000 load its <code>groups.csv</code>: each group holds the rotated and flipped
            copies of one original tile, and a random split would put copies of a test tile into training.
          </p>
          <label>
            Groups CSV{' '}
            <input type="file" accept=".csv,.tsv,text/csv" data-testid="wizard-groups-input" onChange={(e) => e.target.files?.[0] && void loadGroups(e.target.files[0])} />
          </label>
          {(groupsMessage || groups) && (
            <p className="hint" data-testid="wizard-groups-message">
              {groupsMessage ?? `${new Set(groups!.byPath.values()).size} groups from ${groups!.source}.`}
            </p>
          )}
        </div>
      )}

      <WizardNav canNext={images.length > 0 && !progress} hint="Choose an image folder first." />
    </>
  );
}
