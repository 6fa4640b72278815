import * as tf from '@tensorflow/tfjs-core';

/**
 * Wraps input `name` of a kernel as a `tf.Tensor` so the kernel can be written with tf ops.
 *
 * The engine passes the op's own tensors to a kernel, so those come back unchanged.
 * A bare `TensorInfo` (a kernel called by another kernel) gets a new tensor on the
 * same data. The extra backend reference keeps that data alive when the caller's
 * `tf.tidy` disposes the wrapper, because disposing a tensor releases one reference.
 */
export function kernelInput(kernelName: string, inputs: tf.NamedTensorInfoMap, name: string): tf.Tensor {
  const info = inputs[name];
  if (info == null) throw new Error(`${kernelName}: input '${name}' is missing. Call the kernel through its tf op.`);
  if (info instanceof tf.Tensor) return info;

  const tensor = tf.engine().makeTensorFromTensorInfo(info);
  tf.backend().incRef(info.dataId);
  return tensor;
}

/** Converts a `[height, width] | number` attribute to a pair. */
export function toPair(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

/**
 * Inserts strideHeight - 1 zero rows and strideWidth - 1 zero columns between neighbouring
 * pixels of an NHWC tensor, so pixel (i, j) moves to (i*strideHeight, j*strideWidth).
 */
export function spreadWithZeros(t: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return t;

  const [batch, height, width, channels] = t.shape;
  const expanded = tf.reshape(t, [batch, height, 1, width, 1, channels]);
  const interleaved = tf.pad(expanded, [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(interleaved, [batch, height * strideHeight, width * strideWidth, channels]);
  return tf.slice(flat, [0, 0, 0, 0], [batch, (height - 1) * strideHeight + 1, (width - 1) * strideWidth + 1, channels]) as tf.Tensor4D;
}
