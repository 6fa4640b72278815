import { predictionsCsv, useVisionModelStore } from '../state/vision-model-store';
import { downloadText } from './download';
import { FolderPickerButton } from './FolderPickerButton';
import { ProgressBar } from './ProgressBar';
import './vision-model.css';

/** Rows drawn in the table. The CSV contains every prediction. */
const SHOWN_ROWS = 200;

const BACKBONE_NAMES = { 'small-cnn': 'small CNN', mlp: 'MLP', 'clip-vision': 'CLIP vision tower', vit: 'ViT' } as const;

/**
 * Loads an exported CLIP-IT vision model folder (safetensors or tfjs) and classifies a folder
 * of new tiles with it: vision model only, no CLIP and no reports.
 */
export function ModelPredictPanel() {
  const { model, modelError, predicting, predictions, loadModelFolder, predictFolder } = useVisionModelStore();

  const classCount = predictions?.classNames.length ?? 0;
  const rows = predictions
    ? predictions.paths.slice(0, SHOWN_ROWS).map((path, row) => {
        const probabilities = Array.from(predictions.probabilities.subarray(row * classCount, (row + 1) * classCount));
        const best = probabilities.indexOf(Math.max(...probabilities));
        return { path, predicted: predictions.classNames[best], confidence: probabilities[best] };
      })
    : [];

  return (
    <div className="panel" aria-labelledby="predict-heading" data-testid="predict-panel">
      <h2 id="predict-heading">Load model and classify</h2>
      <p className="hint">
        Choose a model folder exported by the studio or by <code>npm run clipit</code> (<code>model.safetensors</code> + <code>config.json</code>, or{' '}
        <code>model.json</code> + weight shards), then a folder of tiles. Only the vision model runs.
      </p>
      <div className="row">
        <FolderPickerButton label="Load model…" inputTestId="model-folder-input" buttonTestId="load-model" onFiles={(files) => void loadModelFolder(files)} />
        <FolderPickerButton
          label="Classify a folder…"
          inputTestId="predict-images-input"
          buttonTestId="predict-folder"
          disabled={!model || !!predicting}
          onFiles={(files) => void predictFolder(files)}
        />
      </div>

      {model && (
        <p className="summary" data-testid="model-summary">
          <strong>{model.name}</strong> ({model.format}): {BACKBONE_NAMES[model.backbone]} at {model.inputSize} px, {model.outputHead} head, classes {model.classNames.join(', ')}
        </p>
      )}
      {modelError && (
        <p className="error-text" role="alert" data-testid="model-error">
          {modelError}
        </p>
      )}
      {predicting && <ProgressBar done={predicting.done} total={predicting.total} label="Classifying" />}

      {predictions && (
        <>
          <div className="row">
            <span data-testid="predictions-count">
              {predictions.paths.length} tiles classified{predictions.failed.length > 0 ? `, ${predictions.failed.length} skipped (first: ${predictions.failed[0].path}: ${predictions.failed[0].detail})` : ''}
            </span>
            <button type="button" onClick={() => downloadText('predictions.csv', predictionsCsv(predictions), 'text/csv')} data-testid="export-predictions">
              Export CSV
            </button>
          </div>
          <table className="predictions-table" data-testid="predictions-table">
            <thead>
              <tr>
                <th>Tile</th>
                <th>Predicted</th>
                <th>Confidence</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.path}>
                  <td>{row.path}</td>
                  <td>{row.predicted}</td>
                  <td className="number">{(row.confidence * 100).toFixed(1)}%</td>
                </tr>
              ))}
            </tbody>
          </table>
          {predictions.paths.length > SHOWN_ROWS && <p className="hint">The first {SHOWN_ROWS} of {predictions.paths.length} rows; the CSV has all.</p>}
        </>
      )}
    </div>
  );
}
