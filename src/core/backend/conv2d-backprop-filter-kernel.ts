import * as tf from '@tensorflow/tfjs-core';

import { kernelInput } from './kernel-tensors';

/**
 * Computes `Conv2DBackpropFilter` (the filter gradient of `conv2d`) as one forward
 * convolution, so a backend with a fast `Conv2D` (XNNPACK on wasm) runs it.
 *
 * With x in NHWC and dy the output gradient,
 *   dW[kh, kw, ci, co] = sum over b, oh, ow of x[b, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[b, oh, ow, co].
 * Read x as a batch of `ci` images with `b` channels, and dy as an OH x OW filter with
 * `b` input and `co` output channels. The sum is then a stride-1 convolution of the
 * transposed x with the transposed dy, dilated by the forward stride, and its output
 * pixel (kh, kw) is dW[kh, kw].
 */
export function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
}): tf.Tensor {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;

  return tf.tidy(() => {
    // The wasm Conv2D accepts channels-last only, so NCHW is transposed in and out.
    const channelsFirst = dataFormat === 'NCHW';
    let x = kernelInput(tf.Conv2DBackpropFilter, args.inputs, 'x') as tf.Tensor4D;
    let dy = kernelInput(tf.Conv2DBackpropFilter, args.inputs, 'dy') as tf.Tensor4D;
    if (channelsFirst) {
      x = tf.transpose(x, [0, 2, 3, 1]);
      dy = tf.transpose(dy, [0, 2, 3, 1]);
    }

    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
      throw new Error(
        `Conv2DBackpropFilter: dy has shape [${dy.shape}] but x [${x.shape}] with filter [${filterShape}] ` +
          `gives an output of [${x.shape[0]},${outHeight},${outWidth},${outChannels}]. Pass the dy of that convolution.`,
      );
    }

    // The bottom and right padding make the output at least filterHeight x filterWidth.
    // Rows past the input are zeros, as in the forward convolution's padding.
    const { top, left } = info.padInfo;
    const bottom = Math.max(0, filterHeight + (outHeight - 1) * strideHeight - inHeight - top);
    const right = Math.max(0, filterWidth + (outWidth - 1) * strideWidth - inWidth - left);

    const images = tf.transpose(x, [3, 1, 2, 0]);
    const kernel = tf.transpose(dy, [1, 2, 0, 3]);
    const correlation = tf.conv2d(
      images,
      kernel,
      1,
      [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      'NHWC',
      [strideHeight, strideWidth],
    );

    // Output pixels past the filter size come from the extra padding and are dropped.
    const cropped = tf.slice(correlation, [0, 0, 0, 0], [inChannels, filterHeight, filterWidth, outChannels]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });
}
