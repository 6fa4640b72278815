import * as tf from '@tensorflow/tfjs-core';

/**
 * Scales all gradients so their global L2 norm is at most `maxNorm`, as
 * torch.nn.utils.clip_grad_norm_ does (tfjs has no global-norm clipping).
 * Returns the clipped gradients and the norm before clipping as a scalar
 * tensor; the caller owns both. The norm stays on the backend, so clipping
 * costs no GPU-to-CPU read.
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  const names = Object.keys(grads);

  const norm = tf.tidy(() => {
    const squares = names.map((name) => tf.sum(tf.square(grads[name])));
    // Not tf.addN: on webgpu it binds every input at once, and with more than 7 it exceeds the
    // default limit of 8 storage buffers per shader, so the sum silently came out wrong.
    const total = squares.reduce((sum, square) => tf.add(sum, square), tf.scalar(0));
    return tf.sqrt(total) as tf.Scalar;
  });

  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    const copies: Record<string, tf.Tensor> = {};
    for (const name of names) copies[name] = tf.clone(grads[name]);
    return { grads: copies, norm };
  }

  const clipped = tf.tidy(() => {
    // torch adds 1e-6 to the norm so an all-zero gradient never divides by 0.
    const scale = tf.minimum(tf.scalar(1), tf.div(maxNorm, tf.add(norm, 1e-6)));
    const out: Record<string, tf.Tensor> = {};
    for (const name of names) out[name] = tf.mul(grads[name], scale);
    return out;
  });

  return { grads: clipped, norm };
}
