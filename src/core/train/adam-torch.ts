import * as tf from '@tensorflow/tfjs-core';

/** Hyper-parameters of Adam as torch.optim.Adam defines them. */
export interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** L2 penalty added to the gradient before the moment updates (torch's `weight_decay`). */
  weightDecay: number;
}

export const DEFAULT_ADAM: AdamConfig = {
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
};

/** Optimizer state in plain arrays, for checkpoints. */
export interface AdamState {
  step: number;
  names: string[];
  firstMoments: Float32Array[];
  secondMoments: Float32Array[];
}

/**
 * Adam with torch's weight decay: the L2 term `weightDecay * p` is added to
 * the gradient, so it passes through the adaptive moments (tfjs `adam()` has
 * no weight decay at all). Moments live on the backend between steps.
 */
export class TorchAdam {
  private stepCount = 0;
  private readonly firstMoments = new Map<string, tf.Variable>();
  private readonly secondMoments = new Map<string, tf.Variable>();

  constructor(
    private readonly params: Map<string, tf.Variable>,
    public config: AdamConfig,
  ) {
    for (const [name, param] of params) {
      const zeros = tf.zerosLike(param);
      this.firstMoments.set(name, tf.variable(zeros, false));
      this.secondMoments.set(name, tf.variable(zeros, false));

      // The variables hold their own reference to the data, so the initial tensor can go.
      zeros.dispose();
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /** Applies one update. `grads` contains a gradient per parameter name, and missing names are skipped. */
  applyGradients(grads: Record<string, tf.Tensor>, learningRate = this.config.learningRate): void {
    this.stepCount += 1;
    const { beta1, beta2, epsilon, weightDecay } = this.config;
    const biasCorrection1 = 1 - beta1 ** this.stepCount;
    const biasCorrection2 = 1 - beta2 ** this.stepCount;

    for (const [name, param] of this.params) {
      const grad = grads[name];
      if (!grad) continue;

      const m = this.firstMoments.get(name)!;
      const v = this.secondMoments.get(name)!;

      tf.tidy(() => {
        const g = weightDecay > 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
        const newM = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.sqrt(tf.div(newV, biasCorrection2)), epsilon);
        const update = tf.div(tf.mul(newM, learningRate / biasCorrection1), denom);

        m.assign(newM);
        v.assign(newV);
        param.assign(tf.sub(param, update));
      });
    }
  }

  async getState(): Promise<AdamState> {
    const names = [...this.params.keys()];
    const firstMoments = await Promise.all(names.map((n) => this.firstMoments.get(n)!.data() as Promise<Float32Array>));
    const secondMoments = await Promise.all(names.map((n) => this.secondMoments.get(n)!.data() as Promise<Float32Array>));
    return { step: this.stepCount, names, firstMoments, secondMoments };
  }

  setState(state: AdamState): void {
    state.names.forEach((name, i) => {
      const m = this.firstMoments.get(name);
      const v = this.secondMoments.get(name);
      if (!m || !v) throw new Error(`Optimizer state names parameter "${name}", which this model does not have.`);
      m.assign(tf.tensor(state.firstMoments[i], m.shape));
      v.assign(tf.tensor(state.secondMoments[i], v.shape));
    });
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const m of this.firstMoments.values()) m.dispose();
    for (const v of this.secondMoments.values()) v.dispose();
    this.firstMoments.clear();
    this.secondMoments.clear();
  }
}
