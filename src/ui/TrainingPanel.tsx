import { useDatasetStore } from '../state/dataset-store';
import { useRunsStore, type TrainSettings } from '../state/runs-store';
import { AugmentationPanel } from './AugmentationPanel';
import { RunTrainingOptions } from './RunTrainingOptions';
import { LineChart } from './LineChart';
import { ProgressBar, formatDuration } from './ProgressBar';

interface FieldSpec {
  key: keyof TrainSettings;
  label: string;
  help: string;
  step?: number;
  options?: { value: string; label: string }[];
}

const FIELDS: FieldSpec[] = [
  { key: 'inputSize', label: 'Input size (px)', help: 'Images are resized to this square size. 64 px trains fast on a CPU; 128-224 px keeps more detail on a real GPU.', options: ['32', '48', '64', '96', '128', '224'].map((v) => ({ value: v, label: v })) },
  { key: 'epochs', label: 'Epochs', help: 'Passes over the training split. The weights with the lowest validation loss are kept.', step: 1 },
  { key: 'batchSize', label: 'Batch size', help: 'Images per optimizer step. Lower it if the GPU runs out of memory.', step: 1 },
  { key: 'learningRate', label: 'Learning rate', help: 'Adam step size (default 1e-3). Lower it by 10x if the loss diverges.', step: 0.0001 },
  { key: 'weightDecay', label: 'Weight decay', help: 'L2 penalty added to the gradient, as torch.optim.Adam applies it (default 1e-4).', step: 0.0001 },
  { key: 'clipNorm', label: 'Gradient clip', help: 'Maximum global gradient norm (default 0.5); 0 turns clipping off.', step: 0.1 },
  { key: 'dropout', label: 'Dropout', help: 'Dropout rate on the pooled features during training (0 = off).', step: 0.05 },
  { key: 'schedule', label: 'LR schedule', help: 'Constant, or cosine annealing to 0 over the run.', options: [{ value: 'constant', label: 'constant' }, { value: 'cosine', label: 'cosine' }] },
  { key: 'seed', label: 'Seed', help: 'Seed of weight initialisation, shuffling and dropout; the same seed reproduces a run.', step: 1 },
  { key: 'checkpointEvery', label: 'Checkpoint every', help: 'Steps between checkpoints (weights, optimizer, random state, data position), besides each epoch end. A run interrupted by a reload resumes from the last one.', step: 1 },
];

/** Training settings, run controls, live progress and curves. */
export function TrainingPanel() {
  const { settings, setSettings, startRun, resumeRun, pause, resume, stop, activeRunId, runs, selectedRunId, error } = useRunsStore();
  const imageCount = useDatasetStore((s) => s.images.length);
  const run = runs.find((r) => r.id === (activeRunId ?? selectedRunId)) ?? null;
  const active = activeRunId !== null;
  const lastStep = run?.steps[run.steps.length - 1];

  let eta = '';
  if (active && lastStep && run) {
    const recent = run.steps.slice(-10);
    const rate = recent.reduce((sum, s) => sum + s.imagesPerSecond, 0) / recent.length;
    const remainingImages = (lastStep.totalSteps - lastStep.step) * run.request.batchSize;
    eta = formatDuration(remainingImages / Math.max(rate, 1e-6));
  }

  return (
    <div className="panel" aria-labelledby="train-heading">
      <h2 id="train-heading">3 · Train a classifier</h2>
      <fieldset className="settings" disabled={active}>
        <legend>Small CNN from scratch, Adam, cross-entropy</legend>
        {FIELDS.map((field) => (
          <label key={field.key} title={field.help}>
            {field.label}
            {field.options ? (
              <select
                value={String(settings[field.key])}
                onChange={(e) => setSettings({ [field.key]: field.key === 'schedule' ? e.target.value : Number(e.target.value) } as Partial<TrainSettings>)}
                data-testid={`setting-${field.key}`}
              >
                {field.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                type="number"
                step={field.step}
                min={0}
                value={Number(settings[field.key])}
                onChange={(e) => setSettings({ [field.key]: Number(e.target.value) } as Partial<TrainSettings>)}
                data-testid={`setting-${field.key}`}
              />
            )}
          </label>
        ))}
      </fieldset>
      <AugmentationPanel inputSize={settings.inputSize} disabled={active} />

      <div className="row controls">
        <button type="button" className="primary" onClick={() => void startRun()} disabled={active || imageCount === 0} data-testid="start-training">
          Start training
        </button>
        <button type="button" onClick={run?.phase === 'paused' ? resume : pause} disabled={!active || run?.phase === 'decoding'} data-testid="pause-training">
          {run?.phase === 'paused' ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={stop} disabled={!active} data-testid="stop-training">
          Stop
        </button>
        {!active && run?.phase === 'interrupted' && (
          <button type="button" onClick={() => void resumeRun(run.id)} data-testid="resume-run">
            Resume from step {run.checkpointStep}
          </button>
        )}
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}

      {run && (
        <div className="run-status" data-testid="run-status" data-phase={run.phase}>
          <strong>{run.name}</strong> — {run.statusMessage}
          <RunTrainingOptions request={run.request} />
          {run.warnings.map((warning) => (
            <p key={warning} className="warning-text" role="status">
              {warning}
            </p>
          ))}
          {run.decodeProgress && <ProgressBar done={run.decodeProgress.done} total={run.decodeProgress.total} label="Decoding" />}
          {lastStep && (
            <>
              <ProgressBar done={lastStep.step} total={lastStep.totalSteps} label="Step" />
              <p className="stats" data-testid="step-stats">
                epoch {lastStep.epoch} · loss {lastStep.loss.toFixed(4)} · {lastStep.imagesPerSecond.toFixed(1)} images/s · lr {lastStep.learningRate.toExponential(1)}
                {eta && ` · about ${eta} left`}
              </p>
            </>
          )}
        </div>
      )}

      {run && (
        <div className="charts">
          <LineChart
            title="Training loss per step"
            testId="loss-chart"
            xLabel="step"
            x={run.steps.map((s) => s.step)}
            series={[{ label: 'train loss', values: run.steps.map((s) => s.loss), color: '#7b2d6b' }]}
          />
          <LineChart
            title="Validation per epoch"
            testId="val-chart"
            xLabel="epoch"
            x={run.epochs.map((e) => e.epoch)}
            series={[
              { label: 'val loss', values: run.epochs.map((e) => e.valLoss), color: '#d9534f' },
              { label: 'val accuracy', values: run.epochs.map((e) => e.valAccuracy), color: '#2b7a4b' },
              { label: 'val balanced acc.', values: run.epochs.map((e) => e.valBalancedAccuracy), color: '#1f5fa8' },
            ]}
          />
        </div>
      )}
    </div>
  );
}
