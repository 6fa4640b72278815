import * as tf from '@tensorflow/tfjs-core';

/**
 * Copies of a model's weights from its best validation epoch, so a run can
 * end on those weights (model selection on validation loss).
 */
export class BestWeights {
  private copies: Map<string, tf.Tensor> | null = null;

  /** The kept copies by parameter name, or null before the first `keep`. */
  get tensors(): ReadonlyMap<string, tf.Tensor> | null {
    return this.copies;
  }

  /** Replaces the kept copies with clones of `params`. */
  keep(params: ReadonlyMap<string, tf.Tensor>): void {
    this.dispose();
    this.copies = new Map();
    for (const [name, param] of params) this.copies.set(name, tf.clone(param));
  }

  /** Keeps the given tensors as the copies; the caller hands over ownership. */
  adopt(copies: Map<string, tf.Tensor>): void {
    this.dispose();
    this.copies = copies;
  }

  /** Writes the kept copies back into `params` and frees them; a no-op when none were kept. */
  restoreInto(params: ReadonlyMap<string, tf.Variable>): void {
    if (!this.copies) return;
    for (const [name, param] of params) param.assign(this.copies.get(name)!);
    this.dispose();
  }

  dispose(): void {
    if (this.copies) tf.dispose([...this.copies.values()]);
    this.copies = null;
  }
}
