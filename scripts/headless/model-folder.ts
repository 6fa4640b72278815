/** Picks the files of a CLIP model folder that the worker's loader reads. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Single-file checkpoints in the order loadClipFromFiles prefers them. */
const SINGLE_WEIGHT_FILES = ['model.safetensors', 'open_clip_model.safetensors', 'pytorch_model.bin', 'open_clip_pytorch_model.bin'];
const SAFETENSORS_INDEX = 'model.safetensors.index.json';

/**
 * Returns the top-level config and tokenizer files of `dir` (`.json`, `.txt`) plus the one
 * checkpoint the loader will use, so a folder holding both safetensors and PyTorch copies of
 * the weights sends only one of them to the browser. Throws when the folder or its weights are missing.
 */
export function listModelFiles(dir: string): { path: string; file: string }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`Model folder not found: ${dir}. Pass --model with a folder holding config.json and the weights.`);
  }

  const names = readdirSync(dir).filter((name) => statSync(path.join(dir, name)).isFile());
  const small = names.filter((name) => /\.(json|txt)$/i.test(name));
  const weights = chooseWeightFiles(dir, names);
  if (weights.length === 0) {
    throw new Error(`No CLIP weights in model folder ${dir}: expected ${[SAFETENSORS_INDEX, ...SINGLE_WEIGHT_FILES].join(', ')}.`);
  }

  const chosen = [...new Set([...small, ...weights])];
  return chosen.map((name) => ({ path: name, file: path.join(dir, name) }));
}

function chooseWeightFiles(dir: string, names: string[]): string[] {
  if (names.includes(SAFETENSORS_INDEX)) {
    const indexPath = path.join(dir, SAFETENSORS_INDEX);
    let weightMap: Record<string, string>;
    try {
      weightMap = (JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
    } catch (error) {
      throw new Error(`${indexPath}: invalid JSON (${(error as Error).message}).`);
    }
    return [SAFETENSORS_INDEX, ...new Set(Object.values(weightMap))];
  }

  const single = SINGLE_WEIGHT_FILES.find((name) => names.includes(name));
  return single ? [single] : [];
}
