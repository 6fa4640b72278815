import { useClipStore } from '../state/clip-store';
import { useDatasetStore } from '../state/dataset-store';
import { useReportsStore } from '../state/reports-store';
import { PairInspector } from './PairInspector';
import { ProgressBar } from './ProgressBar';
import { FolderPickerButton } from './FolderPickerButton';

/** Loads a histology CLIP from a local folder and pairs every image with its most similar report. */
export function ClipPanel() {
  const { name, summary, loading, error, cacheWarning, progress, retrieval, loadFolder, loadDemo, runRetrieval } = useClipStore();
  const imageCount = useDatasetStore((s) => s.images.length);
  const reportCount = useReportsStore((s) => s.reports.length);

  return (
    <div className="panel" aria-labelledby="clip-heading">
      <h2 id="clip-heading">CLIP and report pairing</h2>
      <p className="hint">
        Pick a Hugging Face CLIP folder (<code>config.json</code>, <code>model.safetensors</code> or <code>pytorch_model.bin</code>,{' '}
        <code>vocab.json</code> + <code>merges.txt</code>, <code>preprocessor_config.json</code>), e.g. PLIP (<code>vinid/plip</code>) or OpenAI CLIP ViT-B/32; an
        open_clip folder with <code>open_clip_pytorch_model.bin</code> (QuiltNet-B-32) works too. It is read from disk; nothing is downloaded.
      </p>
      <div className="row">
        <FolderPickerButton
          label="Choose CLIP folder…"
          inputTestId="clip-folder-input"
          disabled={loading}
          onFiles={(files) => void loadFolder(files)}
        />
        <button type="button" onClick={() => void loadDemo()} disabled={loading} data-testid="load-demo-clip" title="A 2 MB CLIP trained by this project on LC25000 lung tiles and TCGA report passages, to try the workflow. Not for diagnosis.">
          Use the demo CLIP
        </button>
        {loading && <span>Loading…</span>}
      </div>

      {name === 'demo CLIP' && (
        <p className="warning-text">
          The demo CLIP was trained with class-level pairing on labelled LC25000 tiles, so CLIP-IT with it gets extra supervision, as a real histology CLIP brings knowledge
          from its own training data. It exists to try the workflow, not for diagnosis; see <a href="/models/demo-clip/MODEL_CARD.md">its model card</a>.
        </p>
      )}
      {summary && (
        <p className="summary" data-testid="clip-summary">
          <strong>{name}</strong>: vision {summary.vision.numHiddenLayers} layers × {summary.vision.hiddenSize} at {summary.vision.imageSize} px, text{' '}
          {summary.text.numHiddenLayers} layers × {summary.text.hiddenSize}, embedding {summary.projectionDim}; weights {summary.weightsSha256.slice(0, 12)}… on{' '}
          {summary.backend}
        </p>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {cacheWarning && (
        <p className="warning-text" role="alert" data-testid="embedding-cache-warning">
          {cacheWarning}
        </p>
      )}

      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={() => void runRetrieval()}
          disabled={!summary || imageCount === 0 || reportCount === 0 || !!progress}
          data-testid="run-retrieval"
        >
          Pair {imageCount.toLocaleString()} images with {reportCount.toLocaleString()} reports
        </button>
      </div>
      {progress && <ProgressBar done={progress.done} total={progress.total} startedAt={progress.startedAt} label={progress.label} />}
      {retrieval && <PairInspector retrieval={retrieval} />}
    </div>
  );
}
