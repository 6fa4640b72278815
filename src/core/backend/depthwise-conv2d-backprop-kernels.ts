import * as tf from '@tensorflow/tfjs-core';

import { kernelInput, spreadWithZeros, toPair } from './kernel-tensors';

/**
 * Gradients of `depthwiseConv2d` (NHWC, filter [fh, fw, channels, multiplier]), built from
 * one strided slice or one zero insertion per filter tap. They run on any backend that
 * has StridedSlice, PadV2, Multiply and Sum.
 *
 * Output channel c*multiplier + m of the forward op reads input channel c through
 * filter[:, :, c, m], at input row oh*strideHeight + kh*dilationHeight - top.
 */

interface DepthwiseGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  multiplier: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  top: number;
  left: number;
}

function depthwiseGeometry(
  kernelName: string,
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  dyShape: number[],
  attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs | tf.DepthwiseConv2dNativeBackpropInputAttrs,
): DepthwiseGeometry {
  const [dilationHeight, dilationWidth] = toPair(attrs.dilations);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attrs.strides,
    [dilationHeight, dilationWidth],
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );

  const expected = [inputShape[0], info.outHeight, info.outWidth, info.outChannels];
  if (dyShape.length !== 4 || dyShape.some((size, i) => size !== expected[i])) {
    throw new Error(
      `${kernelName}: dy has shape [${dyShape}] but input [${inputShape}] with filter [${filterShape}] ` +
        `gives an output of [${expected}]. Pass the dy of that depthwise convolution.`,
    );
  }

  return {
    batch: inputShape[0],
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    multiplier: filterShape[3],
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** Padded input height and width that hold every tap's window (rows past the input are zeros). */
function paddedSize(g: DepthwiseGeometry): [number, number] {
  const height = Math.max(g.top + g.inHeight, (g.filterHeight - 1) * g.dilationHeight + (g.outHeight - 1) * g.strideHeight + 1);
  const width = Math.max(g.left + g.inWidth, (g.filterWidth - 1) * g.dilationWidth + (g.outWidth - 1) * g.strideWidth + 1);
  return [height, width];
}

/** Computes `DepthwiseConv2dNativeBackpropFilter`: dW[kh, kw, c, m] = sum over b, oh, ow of x_tap[b, oh, ow, c] * dy[b, oh, ow, c, m]. */
export function depthwiseConv2dBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;

  return tf.tidy(() => {
    const x = kernelInput(tf.DepthwiseConv2dNativeBackpropFilter, args.inputs, 'x') as tf.Tensor4D;
    const dy = kernelInput(tf.DepthwiseConv2dNativeBackpropFilter, args.inputs, 'dy') as tf.Tensor4D;
    const g = depthwiseGeometry('DepthwiseConv2dNativeBackpropFilter', x.shape, attrs.filterShape, dy.shape, attrs);
    const [paddedHeight, paddedWidth] = paddedSize(g);

    const padded = tf.pad(x, [
      [0, 0],
      [g.top, paddedHeight - g.top - g.inHeight],
      [g.left, paddedWidth - g.left - g.inWidth],
      [0, 0],
    ]);
    const dy5 = tf.reshape(dy, [g.batch, g.outHeight, g.outWidth, g.channels, g.multiplier]);

    const taps: tf.Tensor[] = [];
    for (let kh = 0; kh < g.filterHeight; kh++) {
      for (let kw = 0; kw < g.filterWidth; kw++) {
        const row = kh * g.dilationHeight;
        const col = kw * g.dilationWidth;
        const window = tf.stridedSlice(
          padded,
          [0, row, col, 0],
          [g.batch, row + (g.outHeight - 1) * g.strideHeight + 1, col + (g.outWidth - 1) * g.strideWidth + 1, g.channels],
          [1, g.strideHeight, g.strideWidth, 1],
        );
        const window5 = tf.reshape(window, [g.batch, g.outHeight, g.outWidth, g.channels, 1]);
        taps.push(tf.sum(tf.mul(window5, dy5), [0, 1, 2]));
      }
    }

    return tf.reshape(tf.stack(taps), attrs.filterShape);
  });
}

/**
 * Computes `DepthwiseConv2dNativeBackpropInput`. Each tap's contribution, the sum over m of
 * dy[.., c, m] * filter[kh, kw, c, m], goes back to input rows oh*strideHeight + kh*dilationHeight
 * (zeros in between), and the taps are added.
 */
export function depthwiseConv2dBackpropInput(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;

  return tf.tidy(() => {
    const dy = kernelInput(tf.DepthwiseConv2dNativeBackpropInput, args.inputs, 'dy') as tf.Tensor4D;
    const filter = kernelInput(tf.DepthwiseConv2dNativeBackpropInput, args.inputs, 'filter') as tf.Tensor4D;
    const g = depthwiseGeometry('DepthwiseConv2dNativeBackpropInput', attrs.inputShape, filter.shape, dy.shape, attrs);
    const [paddedHeight, paddedWidth] = paddedSize(g);

    // Each tap's contribution, spread so that row oh lands on oh*strideHeight.
    const spreadHeight = (g.outHeight - 1) * g.strideHeight + 1;
    const spreadWidth = (g.outWidth - 1) * g.strideWidth + 1;
    const dy5 = tf.reshape(dy, [g.batch, g.outHeight, g.outWidth, g.channels, g.multiplier]);

    const taps: tf.Tensor[] = [];
    for (let kh = 0; kh < g.filterHeight; kh++) {
      for (let kw = 0; kw < g.filterWidth; kw++) {
        const weights = tf.reshape(tf.slice(filter, [kh, kw, 0, 0], [1, 1, g.channels, g.multiplier]), [g.channels, g.multiplier]);
        const contribution = tf.sum(tf.mul(dy5, weights), 4) as tf.Tensor4D;
        const spread = spreadWithZeros(contribution, g.strideHeight, g.strideWidth);

        const row = kh * g.dilationHeight;
        const col = kw * g.dilationWidth;
        taps.push(
          tf.pad(spread, [
            [0, 0],
            [row, paddedHeight - row - spreadHeight],
            [col, paddedWidth - col - spreadWidth],
            [0, 0],
          ]),
        );
      }
    }

    const paddedGradient = taps.length === 1 ? taps[0] : tf.addN(taps);
    return tf.slice(paddedGradient, [0, g.top, g.left, 0], [g.batch, g.inHeight, g.inWidth, g.channels]);
  });
}
