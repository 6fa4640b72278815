/**
 * Command-line options of `npm run clipit` for augmentation, stain
 * normalisation, class balance and the stages to train.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { ComparisonStage } from '../../src/clipit-protocol';
import { type AugmentConfig, DEFAULT_AUGMENT_CONFIG } from '../../src/core/augment/augment-config';
import { resizeRgbSquare } from '../../src/core/data/resize-rgb';
import { decodeImageFile } from '../../src/core/ingest/image-decode';
import { fitStainReference, STAIN_METHODS, type StainMethod, type StainNormalizationSetting } from '../../src/core/stain/stain-normalize-images';
import { CLASS_BALANCE_OPTIONS, type ClassBalance } from '../../src/core/train/class-balance';
import { nodeImageDecoder } from '../../src/platform/node-image-decoder';

const STAGES: readonly ComparisonStage[] = ['unimodal', 'text', 'clipit'];

export interface TrainingOptions {
  augment: AugmentConfig | null;
  classBalance: ClassBalance;
  stainMethod: StainMethod | null;
  stainReference: string | null;
}

/** Parses `--stages unimodal,text,clipit`, keeping the given order. */
export function parseStages(text: string): ComparisonStage[] {
  const stages = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = stages.filter((s) => !STAGES.includes(s as ComparisonStage));
  if (stages.length === 0 || unknown.length > 0) {
    throw new Error(`Invalid --stages "${text}": expected a comma-separated list of ${STAGES.join(', ')}.`);
  }
  return stages as ComparisonStage[];
}

/** Reads --augment / --no-augment, --class-balance and --stain-norm with --stain-reference. */
export function parseTrainingOptions(values: {
  augment?: boolean;
  'no-augment'?: boolean;
  'class-balance'?: string;
  'stain-norm'?: string;
  'stain-reference'?: string;
}): TrainingOptions {
  if (values.augment && values['no-augment']) throw new Error('--augment and --no-augment contradict each other; pass one of them.');

  const classBalance = values['class-balance'] ?? 'none';
  if (!CLASS_BALANCE_OPTIONS.includes(classBalance as ClassBalance)) {
    throw new Error(`Invalid --class-balance "${classBalance}": expected ${CLASS_BALANCE_OPTIONS.join(', ')}.`);
  }

  const method = values['stain-norm'] ?? null;
  const reference = values['stain-reference'] ?? null;
  if (method !== null && !STAIN_METHODS.includes(method as StainMethod)) {
    throw new Error(`Invalid --stain-norm "${method}": expected ${STAIN_METHODS.join(' or ')}.`);
  }
  if ((method === null) !== (reference === null)) {
    throw new Error('--stain-norm and --stain-reference go together: pass the method and the reference tile FILE, or neither.');
  }

  return {
    augment: values.augment ? DEFAULT_AUGMENT_CONFIG : null,
    classBalance: classBalance as ClassBalance,
    stainMethod: method as StainMethod | null,
    stainReference: reference,
  };
}

/** Decodes the reference tile, resizes it to the model input size as the training tiles are, and fits `method`. */
export async function fitStainSetting(method: StainMethod, file: string, inputSize: number): Promise<StainNormalizationSetting> {
  const name = path.basename(file);
  const decoded = await decodeImageFile(new Uint8Array(readFileSync(file)), name, nodeImageDecoder);
  if (!decoded.ok) throw new Error(`--stain-reference ${file} could not be decoded (${decoded.reason}: ${decoded.detail}); pass a PNG, JPEG or TIFF tile.`);

  const rgb = resizeRgbSquare(decoded.image.data, decoded.image.width, decoded.image.height, inputSize);
  try {
    return { method, referencePath: file, params: fitStainReference(rgb, method) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`--stain-reference ${file}: ${message}`);
  }
}
