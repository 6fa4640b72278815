import * as tf from '@tensorflow/tfjs';

/**
 * Exact GELU, x * Phi(x), with a hand-written gradient Phi(x) + x * phi(x). Composed of tfjs ops,
 * the gradient tape would keep several activation-sized copies per MLP. This keeps only x, which
 * matters for a ViT's wide MLP activations during LoRA training.
 */
export const geluExact: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  save([x]);
  const value = tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input] = saved;
      const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(input, Math.SQRT1_2))));
      const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(tf.square(input), -0.5)));
      return tf.mul(dy, tf.add(cdf, tf.mul(input, pdf)));
    },
  };
});
