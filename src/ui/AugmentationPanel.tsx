import type { ReactNode } from 'react';

import type { AugmentPreview, StainPreview } from '../augment-protocol';
import { type ClassBalance, imbalanceRatio, IMBALANCE_RATIO_THRESHOLD, suggestClassBalance } from '../core/train/class-balance';
import { suggestedClassBalance, useAugmentStore } from '../state/augment-store';
import { useDatasetStore } from '../state/dataset-store';
import { RgbTileCanvas } from './RgbTileCanvas';
import './augmentation.css';

const BALANCE_LABELS: Record<ClassBalance, string> = {
  none: 'none (plain cross-entropy)',
  weighted: 'class-weighted cross-entropy',
  sampling: 'balanced sampling',
};

/** Reference candidates shown per class: the first tiles of each class. */
const REFERENCE_CANDIDATES_PER_CLASS = 4;

/**
 * Training-time augmentation (per transform, with strengths), class imbalance
 * handling and stain normalisation on a reference tile, with previews on the
 * decoded dataset tiles. The settings apply to the next run and to the CLIP-IT comparison.
 */
export function AugmentationPanel({ inputSize, disabled }: { inputSize: number; disabled: boolean }) {
  const state = useAugmentStore();
  const images = useDatasetStore((s) => s.images);
  const classNames = useDatasetStore((s) => s.classNames);
  const trainCounts = useDatasetStore((s) => s.split?.counts.train);
  const { config, patchConfig } = state;

  const ratio = trainCounts ? imbalanceRatio(trainCounts) : 1;
  const suggestion = trainCounts ? suggestClassBalance(trainCounts) : 'none';
  const effectiveBalance = state.classBalance ?? suggestedClassBalance();
  const candidates = referenceCandidates(images.map((image) => image.label));

  return (
    <div className="augmentation" data-testid="augmentation-panel">
      <fieldset className="settings" disabled={disabled}>
        <legend>Augmentation of training batches</legend>
        <label className="inline" title="Random changes to each training batch, drawn from the run's seed; validation and test images are never augmented.">
          <input type="checkbox" checked={state.augmentEnabled} onChange={(e) => state.setAugmentEnabled(e.target.checked)} data-testid="augment-enabled" />
          Augment training batches
        </label>
        <div className="transform-row">
          <Toggle label="Flips" help="Horizontal and vertical flips, each with probability 0.5. Tile orientation carries no meaning in H&E." checked={config.flips} onChange={(flips) => patchConfig({ flips })} testId="augment-flips" />
          <Toggle label="90° rotations" help="Rotation by 0, 90, 180 or 270 degrees, drawn uniformly." checked={config.rotate90} onChange={(rotate90) => patchConfig({ rotate90 })} testId="augment-rotate90" />
        </div>
        <div className="transform-row">
          <Toggle
            label="Random resized crop"
            help="Crops a random box of the given area fraction (aspect ratio 3:4 to 4:3) and resizes it back to the input size. Keep the minimum area high (default 0.8) so cell size stays plausible."
            checked={config.randomResizedCrop.enabled}
            onChange={(enabled) => patchConfig({ randomResizedCrop: { ...config.randomResizedCrop, enabled } })}
            testId="augment-crop"
          />
          <Strength
            label="min area"
            help="Smallest crop area as a fraction of the tile, in (0, 1]."
            value={config.randomResizedCrop.scale[0]}
            step={0.05}
            onChange={(min) => patchConfig({ randomResizedCrop: { ...config.randomResizedCrop, scale: [min, config.randomResizedCrop.scale[1]] } })}
            testId="augment-crop-scale"
          />
        </div>
        <div className="transform-row">
          <Toggle
            label="Colour jitter"
            help="Per image: brightness, contrast and saturation factors drawn from 1 ± strength, hue shifted by ± strength turns. H&E default 0.1 / 0.1 / 0.1 / 0.02."
            checked={config.colorJitter.enabled}
            onChange={(enabled) => patchConfig({ colorJitter: { ...config.colorJitter, enabled } })}
            testId="augment-color"
          />
          {(['brightness', 'contrast', 'saturation', 'hue'] as const).map((key) => (
            <Strength
              key={key}
              label={key}
              help={key === 'hue' ? 'Hue shift in turns, at most 0.5 (0.02 is about 7 degrees).' : `${key} factor drawn from 1 ± this value, in [0, 1].`}
              value={config.colorJitter[key]}
              step={key === 'hue' ? 0.01 : 0.05}
              onChange={(value) => patchConfig({ colorJitter: { ...config.colorJitter, [key]: value } })}
              testId={`augment-color-${key}`}
            />
          ))}
        </div>
        <div className="transform-row">
          <Toggle
            label="HED stain jitter"
            help="Colour deconvolution into haematoxylin, eosin and DAB; each H and E concentration becomes alpha·c + beta with alpha in 1 ± strength and beta in ± strength (optical density). H&E default 0.05."
            checked={config.hedJitter.enabled}
            onChange={(enabled) => patchConfig({ hedJitter: { ...config.hedJitter, enabled } })}
            testId="augment-hed"
          />
          <Strength label="strength" help="HED jitter strength, in [0, 1]." value={config.hedJitter.strength} step={0.01} onChange={(strength) => patchConfig({ hedJitter: { ...config.hedJitter, strength } })} testId="augment-hed-strength" />
        </div>
      </fieldset>
      <div className="row controls">
        <button type="button" onClick={() => void state.previewAugmentation(inputSize, false)} disabled={state.busy || images.length === 0} data-testid="augment-preview">
          Preview augmentation
        </button>
        <button type="button" onClick={() => void state.previewAugmentation(inputSize, true)} disabled={state.busy || !state.preview} data-testid="augment-reroll">
          Re-roll
        </button>
      </div>
      {state.preview && <AugmentPreviewGrid preview={state.preview} paths={images.map((image) => image.path)} />}

      <fieldset className="settings" disabled={disabled}>
        <legend>Class imbalance</legend>
        <label title="Weighted: each class's loss is scaled by n / (classes × n_class). Sampling: each batch draws classes with equal probability, with replacement.">
          Method
          <select
            value={state.classBalance ?? 'suggested'}
            onChange={(e) => state.setClassBalance(e.target.value === 'suggested' ? null : (e.target.value as ClassBalance))}
            data-testid="class-balance"
          >
            <option value="suggested">suggested: {BALANCE_LABELS[suggestion]}</option>
            {(Object.keys(BALANCE_LABELS) as ClassBalance[]).map((choice) => (
              <option key={choice} value={choice}>
                {BALANCE_LABELS[choice]}
              </option>
            ))}
          </select>
        </label>
        <p className="hint" data-testid="class-balance-hint">
          {trainCounts
            ? `Training split: ${trainCounts.map((count, label) => `${classNames[label]} ${count}`).join(', ')}; largest / smallest ${ratio.toFixed(1)}x. ${
                ratio > IMBALANCE_RATIO_THRESHOLD ? `Above ${IMBALANCE_RATIO_THRESHOLD}x, so class-weighted cross-entropy is suggested.` : 'Balanced enough for plain cross-entropy.'
              } Next run uses: ${BALANCE_LABELS[effectiveBalance]}.`
            : 'Import a dataset to see its class counts.'}
        </p>
      </fieldset>

      <fieldset className="settings" disabled={disabled}>
        <legend>Stain normalisation</legend>
        <label className="inline" title="Maps every image (train, validation, test and later predictions) to the colours of one reference tile before training. The fitted parameters are saved with the run and the exported model.">
          <input type="checkbox" checked={state.stainEnabled} onChange={(e) => state.setStainEnabled(e.target.checked)} data-testid="stain-enabled" />
          Normalise stains to a reference tile
        </label>
        <label title="Macenko: estimates each tile's haematoxylin and eosin vectors and rescales the stain concentrations to the reference. Reinhard: matches the mean and standard deviation of each CIELAB channel.">
          Method
          <select value={state.stainMethod} onChange={(e) => state.setStainMethod(e.target.value as 'macenko' | 'reinhard')} data-testid="stain-method">
            <option value="macenko">Macenko</option>
            <option value="reinhard">Reinhard</option>
          </select>
        </label>
        <p className="hint">Reference tile (pick one with both stains and little background):</p>
        <div className="reference-picker" data-testid="stain-reference-picker">
          {candidates.map((index) => (
            <button
              key={images[index].path}
              type="button"
              title={images[index].path}
              aria-pressed={state.referenceIndex === index}
              onClick={() => void state.pickReference(index, inputSize)}
              data-testid="stain-reference-option"
            >
              <img src={images[index].thumbnailUrl} alt={images[index].path} />
            </button>
          ))}
        </div>
        <p className="hint" data-testid="stain-reference">
          {state.referenceIndex !== null && images[state.referenceIndex]
            ? `Reference: ${images[state.referenceIndex].path}${state.stainSetting ? ` (${state.stainSetting.method} fitted at ${state.stainSetting.inputSize}px)` : ''}`
            : 'No reference picked.'}
        </p>
        <button type="button" onClick={() => void state.previewStain(inputSize)} disabled={state.busy || state.referenceIndex === null} data-testid="stain-preview">
          Preview normalisation
        </button>
      </fieldset>
      {state.stainPreview && <StainPreviewGrid preview={state.stainPreview} paths={images.map((image) => image.path)} />}

      {state.error && (
        <p className="error-text" role="alert" data-testid="augment-error">
          {state.error}
        </p>
      )}
    </div>
  );
}

function Toggle({ label, help, checked, onChange, testId }: { label: string; help: string; checked: boolean; onChange(value: boolean): void; testId: string }) {
  return (
    <label className="inline" title={help}>
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />
      {label}
    </label>
  );
}

function Strength({ label, help, value, step, onChange, testId }: { label: string; help: string; value: number; step: number; onChange(value: number): void; testId: string }) {
  return (
    <label className="inline" title={help}>
      {label}
      <input type="number" min={0} max={1} step={step} value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId} />
    </label>
  );
}

function AugmentPreviewGrid({ preview, paths }: { preview: AugmentPreview; paths: string[] }) {
  const headings = ['original', ...preview.variants.map((_, v) => `augmented ${v + 1}`)];
  const cells: ReactNode[] = [];
  preview.originals.forEach((tile, t) => {
    cells.push(<RgbTileCanvas key={`o${t}`} tile={tile} label={`${paths[tile.index]} original`} />);
    preview.variants.forEach((variant, v) => cells.push(<RgbTileCanvas key={`v${v}-${t}`} tile={variant[t]} label={`${paths[tile.index]} augmented ${v + 1}`} />));
  });
  return <PreviewGrid headings={headings} cells={cells} testId="augment-preview-grid" />;
}

function StainPreviewGrid({ preview, paths }: { preview: StainPreview; paths: string[] }) {
  const cells: ReactNode[] = [];
  preview.originals.forEach((tile, t) => {
    cells.push(<RgbTileCanvas key={`o${t}`} tile={tile} label={`${paths[tile.index]} original`} />);
    cells.push(<RgbTileCanvas key={`n${t}`} tile={preview.normalized[t]} label={`${paths[tile.index]} normalised`} />);
  });
  return (
    <>
      <PreviewGrid headings={['original', 'normalised']} cells={cells} testId="stain-preview-grid" />
      {preview.unchanged.length > 0 && <p className="hint">{preview.unchanged.length} tile(s) have too little tissue for a Macenko fit and stay unchanged.</p>}
    </>
  );
}

function PreviewGrid({ headings, cells, testId }: { headings: string[]; cells: ReactNode[]; testId: string }) {
  return (
    <div className="augment-preview" style={{ gridTemplateColumns: `repeat(${headings.length}, auto)` }} data-testid={testId}>
      {headings.map((heading) => (
        <span key={heading} className="column-heading">
          {heading}
        </span>
      ))}
      {cells}
    </div>
  );
}

/** Lists the first REFERENCE_CANDIDATES_PER_CLASS tiles of each class, in dataset order. */
function referenceCandidates(labels: readonly number[]): number[] {
  const countByClass = new Map<number, number>();
  const out: number[] = [];
  labels.forEach((label, index) => {
    const count = countByClass.get(label) ?? 0;
    if (count < REFERENCE_CANDIDATES_PER_CLASS) {
      out.push(index);
      countByClass.set(label, count + 1);
    }
  });
  return out;
}
