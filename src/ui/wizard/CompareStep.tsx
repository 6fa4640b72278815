import { useState } from 'react';

import { STAGE_LABELS } from '../../clipit-protocol';
import { useClipItStore } from '../../state/clipit-store';
import { useContrastiveStore } from '../../state/contrastive-store';
import { useDatasetStore } from '../../state/dataset-store';
import { useZeroShotStore } from '../../state/zero-shot-store';
import { ProgressBar, formatDuration } from '../ProgressBar';
import { WizardNav } from './FirstRunWizard';
import { WIZARD_PRESETS, type WizardPreset } from './wizard-presets';

/** Step 4: the unimodal baseline and CLIP-IT on the same split and seeds, then zero-shot CLIP. */
export function CompareStep() {
  const { settings, setSettings, running, status, decodeProgress, steps, result, error, startedAt, start, stop } = useClipItStore();
  const zeroShot = useZeroShotStore();
  const split = useDatasetStore((s) => s.split);
  const images = useDatasetStore((s) => s.images);
  const classNames = useDatasetStore((s) => s.classNames);
  const classesWithoutTestImages = split ? classNames.filter((_, label) => !split.indices.test.some((index) => images[index]?.label === label)) : [];
  const [presetId, setPresetId] = useState<WizardPreset['id']>('cpu');
  const [withZeroShot, setWithZeroShot] = useState(true);

  async function run() {
    const preset = WIZARD_PRESETS.find((candidate) => candidate.id === presetId)!;
    setSettings(preset.settings);
    await start();
    // A CLIP fine-tuned on class prompts in this session makes the zero-shot row the "Contrastive" baseline.
    const label = useContrastiveStore.getState().fineTunedOnPrompts ? 'Contrastive' : 'Zero-shot';
    if (withZeroShot && useClipItStore.getState().result?.status === 'completed') await zeroShot.run(label);
  }

  const last = steps[steps.length - 1];
  const busy = running || zeroShot.running;
  const done = !busy && result?.status === 'completed' && result.stages.length > 0;
  return (
    <>
      <p>
        The unimodal baseline trains the small CNN on the images alone. CLIP-IT trains the same CNN and adds a term that pulls its features towards the embedding of each
        image&apos;s paired report. Both use the same split ({split ? `${split.indices.train.length} train, ${split.indices.val.length} validation, ${split.indices.test.length} test images` : 'none yet'}) and seeds.
      </p>
      {classesWithoutTestImages.length > 0 && (
        <p className="warning-text" role="alert" data-testid="wizard-missing-test-classes">
          The test split has no images of {classesWithoutTestImages.join(', ')}, so balanced accuracy averages the other classes and macro F1 counts these as 0.
          Add more images or groups of these classes for a meaningful comparison.
        </p>
      )}
      <fieldset className="wizard-choice" disabled={busy}>
        <legend>Preset</legend>
        {WIZARD_PRESETS.map((preset) => (
          <label key={preset.id} className="inline">
            <input type="radio" name="wizard-preset" checked={presetId === preset.id} onChange={() => setPresetId(preset.id)} data-testid={`wizard-preset-${preset.id}`} />
            <span>
              <strong>{preset.label}</strong>: {preset.description}
            </span>
          </label>
        ))}
        <label>
          Seeds{' '}
          <input value={settings.seedsText} onChange={(e) => setSettings({ seedsText: e.target.value })} data-testid="wizard-seeds" title="Every method is trained once per seed; results are mean ± standard deviation." />
        </label>
        <label className="inline">
          <input type="checkbox" checked={withZeroShot} onChange={(e) => setWithZeroShot(e.target.checked)} data-testid="wizard-zero-shot" />
          Also classify the test split zero-shot with the CLIP (prompts such as &quot;an H&amp;E image of {'{class}'}&quot;, averaged over {zeroShot.templatesText.split('\n').filter((line) => line.trim()).length} templates)
        </label>
      </fieldset>

      <div className="row">
        <button type="button" className="primary" onClick={() => void run()} disabled={busy || !split} data-testid="wizard-run">
          Run the comparison
        </button>
        <button type="button" onClick={stop} disabled={!running}>
          Stop
        </button>
      </div>
      {status && (
        <p className="stats" data-testid="wizard-status">
          {status}
          {running && last && ` · ${STAGE_LABELS[last.stage]} seed ${last.seed} · step ${last.step}/${last.totalSteps} · ${formatDuration((performance.now() - startedAt) / 1000)} elapsed`}
        </p>
      )}
      {decodeProgress && <ProgressBar done={decodeProgress.done} total={decodeProgress.total} label="Decoding" />}
      {running && last && <ProgressBar done={last.step} total={last.totalSteps} label={`${STAGE_LABELS[last.stage]} seed ${last.seed}`} />}
      {zeroShot.progress && <ProgressBar done={zeroShot.progress.done} total={zeroShot.progress.total} startedAt={zeroShot.progress.startedAt} label="Zero-shot: embedding test images" />}
      {(error || zeroShot.error) && (
        <p className="error-text" role="alert">
          {error ?? zeroShot.error}
        </p>
      )}

      <WizardNav canNext={done} hint="Run the comparison first." nextLabel="Show results" />
    </>
  );
}
