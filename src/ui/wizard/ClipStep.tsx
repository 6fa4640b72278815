import { useState } from 'react';

import { useClipStore } from '../../state/clip-store';
import { useDatasetStore } from '../../state/dataset-store';
import { ProgressBar } from '../ProgressBar';
import { WizardNav } from './FirstRunWizard';
import { FolderPickerButton } from '../FolderPickerButton';

const DEMO_NAME = 'demo CLIP';

/** Step 3: the CLIP (the bundled demo CLIP or a local folder), then the image-report pairing. */
export function ClipStep() {
  const { name, summary, loading, error, progress, retrieval, loadDemo, loadFolder, runRetrieval } = useClipStore();
  const { groups, split, excludedGroups } = useDatasetStore();
  const [choice, setChoice] = useState<'demo' | 'own'>(name && name !== DEMO_NAME ? 'own' : 'demo');
  const busy = loading || !!progress;

  async function loadAndPair() {
    if (choice === 'demo' && name !== DEMO_NAME) await loadDemo();
    if (useClipStore.getState().summary) await runRetrieval();
  }

  return (
    <>
      <fieldset className="wizard-choice" disabled={busy}>
        <legend>Which CLIP pairs images with reports?</legend>
        <label className="inline">
          <input type="radio" name="wizard-clip" checked={choice === 'demo'} onChange={() => setChoice('demo')} data-testid="wizard-clip-demo" />
          The demo CLIP bundled with the studio (2 MB, 64 px, trained by this project on LC25000 lung tiles and TCGA lung report passages)
        </label>
        <label className="inline">
          <input type="radio" name="wizard-clip" checked={choice === 'own'} onChange={() => setChoice('own')} data-testid="wizard-clip-own" />
          Load your own CLIP folder
        </label>
      </fieldset>

      {choice === 'demo' && (
        <p className="warning-text" data-testid="wizard-demo-note">
          The demo CLIP learned from labelled LC25000 tiles, so CLIP-IT with it gets extra supervision that the baseline does not. Its training groups are left out of
          every split. It is for trying the workflow only; never use it for a diagnosis.
          {!groups && ' Load the groups CSV in step 1 first, or the training groups cannot be found among the images.'}
        </p>
      )}
      {choice === 'own' && (
        <div className="wizard-section" data-testid="wizard-own-clip-help">
          <p>
            A histology CLIP in the Hugging Face layout works best, e.g. <strong>PLIP</strong> (<code>vinid/plip</code>, trained on pathology images and tweets) or{' '}
            <strong>QuiltNet</strong> (<code>wisdomik/QuiltNet-B-32</code>, trained on pathology video frames and narration). Download the folder on any machine and
            copy it here; the studio reads it from disk and downloads nothing. The folder holds:
          </p>
          <ul>
            <li>
              <code>config.json</code> (the CLIPModel configuration)
            </li>
            <li>
              <code>model.safetensors</code> or <code>pytorch_model.bin</code> (the weights; QuiltNet&apos;s <code>open_clip_pytorch_model.bin</code> works too)
            </li>
            <li>
              <code>vocab.json</code> + <code>merges.txt</code>, or <code>tokenizer.json</code> (the tokenizer)
            </li>
            <li>
              <code>preprocessor_config.json</code> (image size, mean and std; OpenAI CLIP values are used when it is missing)
            </li>
          </ul>
          <FolderPickerButton
            label="Choose CLIP folder…"
            inputTestId="wizard-clip-folder-input"
            disabled={busy}
            onFiles={(files) => void loadFolder(files)}
          />
        </div>
      )}

      <div className="row">
        <button type="button" className="primary" onClick={() => void loadAndPair()} disabled={busy || (choice === 'own' && !summary)} data-testid="wizard-pair">
          {choice === 'demo' && name !== DEMO_NAME ? 'Load the demo CLIP and pair' : 'Pair images with reports'}
        </button>
        {loading && <span>Loading the CLIP…</span>}
      </div>
      {summary && (
        <p className="summary" data-testid="wizard-clip-summary">
          <strong>{name}</strong>: {summary.vision.imageSize} px images, embedding {summary.projectionDim}, on {summary.backend}
        </p>
      )}
      {split && excludedGroups && split.excluded > 0 && (
        <p className="hint" data-testid="wizard-excluded">
          {split.excluded.toLocaleString()} images left out of every split: {excludedGroups.reason}
        </p>
      )}
      {progress && <ProgressBar done={progress.done} total={progress.total} startedAt={progress.startedAt} label={progress.label} />}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {retrieval && (
        <p className="summary" data-testid="wizard-retrieval-summary">
          {retrieval.imagePaths.length.toLocaleString()} images paired with {retrieval.texts.length.toLocaleString()} texts in {retrieval.seconds.toFixed(1)} s. The
          pair inspector in the CLIP panel shows each image&apos;s reports.
        </p>
      )}

      <WizardNav canNext={!!retrieval && !busy} hint="Pair the images with reports first." />
    </>
  );
}
