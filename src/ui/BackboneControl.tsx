import type { ComparisonBackbone } from '../core/clipit/comparison-backbone';
import { useClipItStore } from '../state/clipit-store';
import { useClipStore } from '../state/clip-store';
import { useVisionModelStore } from '../state/vision-model-store';
import './vision-model.css';
import { FolderPickerButton } from './FolderPickerButton';

const LABELS: Record<ComparisonBackbone, string> = {
  cnn: 'Small CNN (trained whole)',
  clip: 'CLIP vision tower (frozen, LoRA in CLIP-IT)',
  vit: 'Pretrained ViT folder (frozen, LoRA in CLIP-IT)',
};

/**
 * Vision backbone of the comparison: the small CNN, the vision tower of the loaded CLIP, or a
 * ViT folder (transformers ViTModel such as Phikon, or timm such as the kaiko.ai ViTs).
 */
export function BackboneControl() {
  const backbone = useClipItStore((s) => s.settings.backbone);
  const inputSize = useClipItStore((s) => s.settings.inputSize);
  const setSettings = useClipItStore((s) => s.setSettings);
  const clipSummary = useClipStore((s) => s.summary);
  const { vit, vitLoading, vitError, loadVitFolder } = useVisionModelStore();

  return (
    <div className="backbone-control">
      <label title="The vision model the baseline and CLIP-IT train. A pretrained backbone stays frozen in the baseline; CLIP-IT adds LoRA adapters (rank and alpha below).">
        Backbone
        <select value={backbone} onChange={(e) => setSettings({ backbone: e.target.value as ComparisonBackbone })} data-testid="clipit-backbone">
          {(Object.keys(LABELS) as ComparisonBackbone[]).map((kind) => (
            <option key={kind} value={kind}>
              {LABELS[kind]}
            </option>
          ))}
        </select>
      </label>

      {backbone === 'clip' && (
        <p className="hint" data-testid="backbone-hint">
          {clipSummary ? `Tiles are read at the tower's ${clipSummary.vision.imageSize} px; the input size above is ignored.` : 'Load a CLIP in the CLIP panel first.'}
        </p>
      )}

      {backbone === 'vit' && (
        <div className="row">
          <FolderPickerButton
            label="Choose ViT folder…"
            inputTestId="vit-folder-input"
            buttonTestId="choose-vit-folder"
            disabled={vitLoading}
            onFiles={(files) => void loadVitFolder(files)}
          />
          {vitLoading && <span>Loading…</span>}
        </div>
      )}
      {backbone === 'vit' && vit && (
        <p className="summary" data-testid="vit-summary">
          <strong>{vit.name}</strong>: {vit.layout === 'timm' ? 'timm' : 'transformers'} ViT, {vit.numHiddenLayers} layers × {vit.hiddenSize}, {vit.numAttentionHeads} heads,{' '}
          {vit.patchSize} px patches, pretrained at {vit.imageSize} px{vit.registerTokens > 0 ? `, ${vit.registerTokens} registers` : ''},{' '}
          {vit.pooling === 'cls' ? 'class-token' : 'mean'} pooling.
          {inputSize !== vit.imageSize && ` Tiles at ${inputSize} px: position embeddings are interpolated.`}
        </p>
      )}
      {backbone === 'vit' && vitError && (
        <p className="error-text" role="alert" data-testid="vit-error">
          {vitError}
        </p>
      )}
    </div>
  );
}
