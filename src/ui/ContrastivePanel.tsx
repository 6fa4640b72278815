import { useMemo } from 'react';

import { useClipStore } from '../state/clip-store';
import { type PairSourceKind, useContrastiveStore } from '../state/contrastive-store';
import { useDatasetStore } from '../state/dataset-store';
import { filterableFields, useReportsStore } from '../state/reports-store';
import { LineChart } from './LineChart';
import { ProgressBar } from './ProgressBar';
import './contrastive.css';

const SOURCES: { kind: PairSourceKind; label: string }[] = [
  { kind: 'prompts', label: 'Class prompts (the zero-shot templates filled with each class name)' },
  { kind: 'reports', label: 'Reports of each class, chosen by a metadata value' },
  { kind: 'csv', label: 'A CSV of image,text pairs' },
];

function percent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(1)}%`;
}

/**
 * Fine-tunes the loaded CLIP on image-text pairs with the symmetric InfoNCE loss (LoRA on both
 * towers, or every weight) and shows loss, temperature and held-out recall live. The fine-tuned
 * CLIP then serves pairing and zero-shot, and a button switches back to the CLIP as loaded.
 */
export function ContrastivePanel() {
  const state = useContrastiveStore();
  const { settings, setSettings, source, running, paused, steps, epochs, result, error, decode } = state;
  const summary = useClipStore((s) => s.summary);
  const classNames = useDatasetStore((s) => s.classNames);
  const corpus = useReportsStore((s) => s.corpus);
  const fields = useMemo(() => filterableFields(corpus.reports), [corpus]);
  const values = useMemo(
    () => (state.reportField ? [...new Set(corpus.reports.map((report) => String(report.meta[state.reportField])))].sort() : []),
    [corpus, state.reportField],
  );
  const last = steps[steps.length - 1];
  const lastEpoch = epochs[epochs.length - 1];

  return (
    <div className="panel" aria-labelledby="contrastive-heading" data-testid="contrastive-panel">
      <h2 id="contrastive-heading">Contrastive fine-tuning of the CLIP</h2>
      <p className="hint">
        Trains the loaded CLIP on image-text pairs with CLIP&apos;s symmetric InfoNCE loss and a learned temperature (starting from the model&apos;s own). Part of the
        pairs is held out to measure retrieval recall@1 and @5 before and after. Images of the test split are never paired, so fine-tuned on class prompts and evaluated
        zero-shot on the test split, it is the &quot;Contrastive&quot; baseline.
      </p>

      <fieldset className="settings" disabled={running}>
        <legend>Pairs</legend>
        {SOURCES.map((option) => (
          <label key={option.kind} className="inline">
            <input type="radio" name="contrastive-source" checked={source === option.kind} onChange={() => state.setSource(option.kind)} data-testid={`contrastive-source-${option.kind}`} />
            {option.label}
          </label>
        ))}
        {source === 'reports' && (
          <div className="contrastive-report-values">
            <label>
              Metadata field{' '}
              <select value={state.reportField} onChange={(e) => state.setReportField(e.target.value)} data-testid="contrastive-report-field">
                <option value="">choose…</option>
                {fields.map((field) => (
                  <option key={field}>{field}</option>
                ))}
              </select>
            </label>
            {state.reportField &&
              classNames.map((className) => (
                <label key={className}>
                  {className}{' '}
                  <select value={state.reportValues[className] ?? ''} onChange={(e) => state.setReportValue(className, e.target.value)}>
                    <option value="">choose…</option>
                    {values.map((value) => (
                      <option key={value}>{value}</option>
                    ))}
                  </select>
                </label>
              ))}
          </div>
        )}
        {source === 'csv' && (
          <label>
            Pairs CSV (columns image and text; paths relative to the image folder){' '}
            <input type="file" accept=".csv,.tsv,text/csv" onChange={(e) => e.target.files?.[0] && void state.loadCsv(e.target.files[0])} data-testid="contrastive-csv" />
            {state.csv && <span className="hint"> {state.csv.textByPath.size.toLocaleString()} rows from {state.csv.name}</span>}
          </label>
        )}
      </fieldset>

      <fieldset className="settings" disabled={running}>
        <legend>Training</legend>
        <label className="inline">
          <input type="radio" name="contrastive-mode" checked={settings.mode === 'lora'} onChange={() => setSettings({ mode: 'lora' })} data-testid="contrastive-mode-lora" />
          LoRA on both towers
        </label>
        <label className="inline" title="Every CLIP weight moves; needs memory for Adam's two moments per weight.">
          <input type="radio" name="contrastive-mode" checked={settings.mode === 'full'} onChange={() => setSettings({ mode: 'full' })} data-testid="contrastive-mode-full" />
          Full fine-tuning
        </label>
        <NumberInput label="Epochs" value={settings.epochs} step={1} onChange={(epochs) => setSettings({ epochs })} testId="contrastive-epochs" />
        <NumberInput label="Batch size" value={settings.batchSize} step={1} onChange={(batchSize) => setSettings({ batchSize })} testId="contrastive-batch" title="Pairs per step; the other pairs of the batch are the negatives." />
        <NumberInput label="Learning rate" value={settings.learningRate} step={0.00001} onChange={(learningRate) => setSettings({ learningRate })} testId="contrastive-lr" />
        {settings.mode === 'lora' && <NumberInput label="LoRA rank" value={settings.loraRank} step={1} onChange={(loraRank) => setSettings({ loraRank })} testId="contrastive-rank" />}
        {settings.mode === 'lora' && <NumberInput label="LoRA alpha" value={settings.loraAlpha} step={1} onChange={(loraAlpha) => setSettings({ loraAlpha })} testId="contrastive-alpha" />}
        <NumberInput label="Held-out fraction" value={state.heldOutFraction} step={0.05} onChange={(value) => state.setHeldOutFraction(value)} testId="contrastive-held-out" title="Share of the groups (or images) held out for recall; whole groups are held out." />
      </fieldset>

      <div className="row controls">
        <button type="button" className="primary" onClick={() => void state.start()} disabled={running || !summary} data-testid="contrastive-start">
          Fine-tune the CLIP
        </button>
        <button type="button" disabled={!running} onClick={paused ? state.resume : state.pause}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" disabled={!running} onClick={state.stop}>
          Stop
        </button>
        <button type="button" disabled={running || !state.canRestore} onClick={() => void state.restoreOriginal()} data-testid="contrastive-restore">
          Switch back to the CLIP as loaded
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {decode && <ProgressBar done={decode.done} total={decode.total} label="Decoding pairs" />}
      {running && last && <ProgressBar done={last.step} total={last.totalSteps} label={`Epoch ${last.epoch}, step`} />}
      {lastEpoch && (
        <p className="stats" data-testid="contrastive-recall">
          Held-out recall ({lastEpoch.recall.pairs} pairs{epochs.length > 1 ? `, epoch ${lastEpoch.epoch}` : ', before training'}): image→text @1 {percent(lastEpoch.recall.imageToText1)}, @5{' '}
          {percent(lastEpoch.recall.imageToText5)}; text→image @1 {percent(lastEpoch.recall.textToImage1)}, @5 {percent(lastEpoch.recall.textToImage5)}
          {source !== 'csv' && ' (class-level pairs: any text of the right class counts)'}
          {last && ` · 1/temperature ${last.logitScale.toFixed(2)}`}
        </p>
      )}
      {result && result.status !== 'failed' && (
        <p className="summary" data-testid="contrastive-result">
          {result.status === 'stopped' ? 'Stopped' : 'Completed'} after {result.steps} steps on {result.trainPairs} training pairs. The fine-tuned CLIP is now loaded: pair
          again to use it.
        </p>
      )}

      {steps.length > 0 && (
        <div className="charts">
          <LineChart
            title="Loss and 1/temperature per step"
            testId="contrastive-loss-chart"
            xLabel="step"
            x={steps.map((s) => s.step)}
            series={[
              { label: 'InfoNCE loss', values: steps.map((s) => s.loss), color: '#7b2d6b' },
              { label: 'exp(logit_scale) / 10', values: steps.map((s) => s.logitScale / 10), color: '#999999' },
            ]}
          />
          <LineChart
            title="Held-out recall per epoch"
            testId="contrastive-recall-chart"
            xLabel="epoch"
            x={epochs.map((e) => e.epoch)}
            series={[
              { label: 'image→text @1', values: epochs.map((e) => e.recall.imageToText1), color: '#1f5fa8' },
              { label: 'image→text @5', values: epochs.map((e) => e.recall.imageToText5), color: '#6fa0d8' },
              { label: 'text→image @1', values: epochs.map((e) => e.recall.textToImage1), color: '#d9534f' },
            ]}
          />
        </div>
      )}
    </div>
  );
}

function NumberInput({ label, value, step, onChange, testId, title }: { label: string; value: number; step: number; onChange(value: number): void; testId: string; title?: string }) {
  return (
    <label title={title}>
      {label}
      <input type="number" min={0} step={step} value={value} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId} />
    </label>
  );
}
