import { useClipStore } from '../state/clip-store';
import { useContrastiveStore } from '../state/contrastive-store';
import { useDatasetStore } from '../state/dataset-store';
import { defaultPromptName, useZeroShotStore } from '../state/zero-shot-store';
import { ProgressBar } from './ProgressBar';
import './contrastive.css';

/**
 * Zero-shot classification of the test split with the loaded CLIP: editable prompt templates
 * (text embeddings averaged over templates per class) and editable class names. The result joins
 * the comparison table as "Zero-shot", or "Contrastive" after fine-tuning on class prompts.
 */
export function ZeroShotPanel() {
  const { templatesText, setTemplatesText, classNames: edits, setClassName, run, running, progress, error, rows } = useZeroShotStore();
  const folders = useDatasetStore((s) => s.classNames);
  const testCount = useDatasetStore((s) => s.split?.indices.test.length ?? 0);
  const summary = useClipStore((s) => s.summary);
  const fineTunedOnPrompts = useContrastiveStore((s) => s.fineTunedOnPrompts);
  const label = fineTunedOnPrompts ? 'Contrastive' : 'Zero-shot';

  return (
    <div className="panel" aria-labelledby="zero-shot-heading" data-testid="zero-shot-panel">
      <h2 id="zero-shot-heading">Zero-shot CLIP</h2>
      <p className="hint">
        Each class gets the mean of its prompts&apos; text embeddings; each test image goes to the class with the most similar one. One template per line,{' '}
        <code>{'{class}'}</code> marks the class name.
      </p>
      <textarea className="zero-shot-templates" value={templatesText} onChange={(e) => setTemplatesText(e.target.value)} aria-label="Prompt templates" data-testid="zero-shot-templates" />
      <div className="row">
        {folders.map((folder) => (
          <label key={folder}>
            {folder}{' '}
            <input value={edits[folder] ?? defaultPromptName(folder)} onChange={(e) => setClassName(folder, e.target.value)} data-testid={`zero-shot-class-${folder}`} />
          </label>
        ))}
      </div>
      <div className="row">
        <button type="button" className="primary" onClick={() => void run(label)} disabled={running || !summary || testCount === 0} data-testid="zero-shot-run">
          Classify {testCount.toLocaleString()} test images ({label})
        </button>
      </div>
      {progress && <ProgressBar done={progress.done} total={progress.total} startedAt={progress.startedAt} label="Embedding test images" />}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {rows.map((row) => (
        <p key={row.label} className="stats" data-testid={`zero-shot-result-${row.label.toLowerCase()}`}>
          {row.label} with {row.clipName}: balanced accuracy {(row.metrics.balancedAccuracy * 100).toFixed(1)}%, accuracy {(row.metrics.accuracy * 100).toFixed(1)}% on{' '}
          {row.testImages} test images; the comparison table lists it too.
        </p>
      ))}
    </div>
  );
}
