import { strToU8, zipSync, type Zippable } from 'fflate';

import { sha256Hex } from '../core/ingest/duplicates';
import { writeSafetensors } from '../core/clipit/safetensors-writer';
import type { SplitName } from '../core/split';
import type { Run } from '../state/runs-store';
import type { RunWeights } from './run-weights';

/**
 * One finished run as one zip file, enough to reproduce and audit it:
 *
 * - `bundle.json`: app version, training config, class names, split
 *   membership (image paths per split), metrics and the dataset hash;
 * - `data/files.csv`: path, SHA-256, label and split of every image;
 * - `curves/steps.csv`, `curves/epochs.csv`: the loss and validation curves;
 * - `weights/model.safetensors` + `weights/model.json`: the kept (best
 *   validation loss) weights, when the run has stored weights.
 */
export const RUN_BUNDLE_FORMAT = 'clip-it-studio-run-bundle';
export const RUN_BUNDLE_VERSION = 1;

export interface BundleImage {
  path: string;
  /** Lower-case hex SHA-256 of the file bytes. */
  sha256: string;
  label: number;
}

export interface RunBundleInput {
  run: Run;
  /** The dataset's images in the order the run's labels and split indices refer to. */
  images: readonly BundleImage[];
  appVersion: string;
  weights: RunWeights | null;
  exportedAt?: Date;
}

const SPLITS: SplitName[] = ['train', 'val', 'test'];

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(header: string[], rows: (string | number)[][]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** Checks that the images are the ones the run was trained on, by count and labels. */
export function checkBundleImages(run: Run, images: readonly BundleImage[]): string | null {
  const labels = run.request.labels;
  if (images.length !== labels.length || images.some((image, i) => image.label !== labels[i])) {
    return `Run "${run.name}" was trained on ${labels.length} images; import that same image folder (with the same labels) to export its bundle.`;
  }
  return null;
}

/**
 * Hash of the whole dataset: SHA-256 over the lines "path,sha256,label" in
 * the run's image order, so any changed file, label or order changes it.
 */
export async function datasetSha256(images: readonly BundleImage[]): Promise<string> {
  const text = images.map((image) => `${image.path},${image.sha256},${image.label}\n`).join('');
  return sha256Hex(strToU8(text));
}

export async function buildRunBundle(input: RunBundleInput): Promise<Uint8Array> {
  const { run, images, appVersion, weights } = input;
  const problem = checkBundleImages(run, images);
  if (problem) throw new Error(problem);

  const splitOf = new Map<number, SplitName>();
  for (const split of SPLITS) for (const index of run.request.split[split]) splitOf.set(index, split);

  const { labels: _labels, split: _split, ...config } = run.request;
  const bundle = {
    format: RUN_BUNDLE_FORMAT,
    formatVersion: RUN_BUNDLE_VERSION,
    appVersion,
    exportedAt: (input.exportedAt ?? new Date()).toISOString(),
    run: { id: run.id, name: run.name, createdAt: new Date(run.createdAt).toISOString(), phase: run.phase, warnings: run.warnings },
    config,
    classNames: run.request.classNames,
    datasetSha256: await datasetSha256(images),
    split: Object.fromEntries(SPLITS.map((split) => [split, run.request.split[split].map((index) => images[index].path)])),
    metrics: run.result
      ? {
          status: run.result.status,
          bestValLoss: run.result.bestValLoss,
          backend: run.result.backend,
          meanImagesPerSecond: run.result.meanImagesPerSecond,
          resumedFromStep: run.result.resumedFromStep ?? null,
          test: run.result.test,
        }
      : null,
    weights: weights ? { file: 'weights/model.safetensors', model: weights.model } : null,
  };

  const zip: Zippable = {
    'bundle.json': strToU8(JSON.stringify(bundle, null, 2)),
    'data/files.csv': strToU8(
      csv(
        ['path', 'sha256', 'label', 'class', 'split'],
        images.map((image, index) => [image.path, image.sha256, image.label, run.request.classNames[image.label] ?? '', splitOf.get(index) ?? 'excluded']),
      ),
    ),
    'curves/steps.csv': strToU8(
      csv(
        ['step', 'epoch', 'loss', 'grad_norm', 'learning_rate', 'images_per_second'],
        run.steps.map((s) => [s.step, s.epoch, s.loss, s.gradNorm, s.learningRate, s.imagesPerSecond]),
      ),
    ),
    'curves/epochs.csv': strToU8(
      csv(
        ['epoch', 'train_loss', 'val_loss', 'val_accuracy', 'val_balanced_accuracy', 'is_best'],
        run.epochs.map((e) => [e.epoch, e.trainLoss, e.valLoss, e.valAccuracy, e.valBalancedAccuracy, e.isBest ? 1 : 0]),
      ),
    ),
  };

  if (run.result?.predictions.length) {
    zip['metrics/test-predictions.csv'] = strToU8(
      csv(
        ['path', 'label', 'predicted', ...run.request.classNames.map((name) => `p_${name}`)],
        run.result.predictions.map((p) => [images[p.index]?.path ?? p.path ?? String(p.index), p.label, p.predicted, ...p.probabilities]),
      ),
    );
  }

  if (weights) {
    const tensors = new Map(Object.entries(weights.tensors).sort(([a], [b]) => (a < b ? -1 : 1)));
    zip['weights/model.safetensors'] = [writeSafetensors(tensors, { format: 'pt', run_id: run.id }), { level: 0 }];
    zip['weights/model.json'] = strToU8(JSON.stringify(weights.model, null, 2));
  }
  return zipSync(zip, { level: 6 });
}
