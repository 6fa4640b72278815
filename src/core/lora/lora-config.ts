/**
 * LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models") settings shared by the
 * dense, convolution and embedding adapters. The delta added to a frozen weight is
 * `(alpha / rank) * B A`, with A of shape [rank, in] and B of shape [out, rank].
 */
export interface LoraConfig {
  rank: number;
  alpha: number;
  /** Dropout rate on the adapter's input during training (0 = off), as peft's `lora_dropout`. */
  dropout: number;
}

/** CLIP-IT reference code defaults: rank 16, alpha 8, no dropout. */
export const DEFAULT_LORA_CONFIG: LoraConfig = { rank: 16, alpha: 8, dropout: 0 };

/** Multiplier `alpha / rank` applied to the low-rank product. */
export function loraScale(config: LoraConfig): number {
  return config.alpha / config.rank;
}

export function validateLoraConfig(config: LoraConfig, layerName: string): void {
  if (!Number.isInteger(config.rank) || config.rank < 1) {
    throw new Error(`LoRA for "${layerName}": rank ${config.rank} is invalid; expected an integer of at least 1.`);
  }
  if (!Number.isFinite(config.alpha)) {
    throw new Error(`LoRA for "${layerName}": alpha ${config.alpha} is invalid; expected a finite number.`);
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw new Error(`LoRA for "${layerName}": dropout ${config.dropout} is invalid; expected a rate in [0, 1).`);
  }
}

let variableCount = 0;

/** tfjs variable names are global, so each adapter variable gets a unique prefix. */
export function uniqueVariableName(name: string): string {
  variableCount += 1;
  return `lora${variableCount}/${name}`;
}
