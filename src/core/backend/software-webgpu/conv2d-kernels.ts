import * as tf from '@tensorflow/tfjs-core';

import { allFloat32, type GpuBackendLike, threadProgram } from './program';
import { accumulate, blockCols, declareAccumulators, type RegisterBlock, storeAccumulators, unroll } from './register-block';

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** Channels per thread: with few input channels the bounds checks per filter tap cost as much as the products, and 8 channels share them. */
const CONV_COLUMNS = 8;

/** True for the case these kernels cover: NHWC, no dilation, float32. */
function supported(backend: GpuBackendLike, info: ConvInfo, ...tensors: tf.TensorInfo[]): boolean {
  return info.dataFormat === 'channelsLast' && info.dilationHeight === 1 && info.dilationWidth === 1 && allFloat32(backend, ...tensors);
}

/** Blocks of up to 4 pixels by CONV_COLUMNS channels, one per thread, over `pixels` x `channels` outputs. */
function pixelBlocks(pixels: number, channels: number): { block: RegisterBlock; colBlocks: number; threads: number } {
  const block: RegisterBlock = { rows: Math.min(4, pixels), cols: blockCols(channels, CONV_COLUMNS) };
  const colBlocks = Math.ceil(channels / block.cols);
  return { block, colBlocks, threads: Math.ceil(pixels / block.rows) * colBlocks };
}

function infoKey(info: ConvInfo): string {
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left].join('_');
}

/**
 * `Conv2D` as an implicit matrix product: rows are output pixels, columns output channels,
 * and the reduction runs over the filter window and input channels, reading x in place.
 */
export function conv2d(backend: GpuBackendLike, x: tf.TensorInfo, filter: tf.TensorInfo, info: ConvInfo): tf.TensorInfo | null {
  if (!supported(backend, info, x, filter)) return null;

  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pixels = batchSize * oh * ow;
  const { block, colBlocks, threads } = pixelBlocks(pixels, co);

  const body = `
    let pixel0 = (thread / ${colBlocks}) * ${block.rows};
    let col0 = (thread % ${colBlocks}) * ${block.cols};
    ${unroll(block.rows, (r) => `
    let p_${r} = min(pixel0 + ${r}, ${pixels - 1});
    let top_${r} = ((p_${r} / ${ow}) % ${oh}) * ${sh} - ${info.padInfo.top};
    let left_${r} = (p_${r} % ${ow}) * ${sw} - ${info.padInfo.left};
    let image_${r} = (p_${r} / ${oh * ow}) * ${h * w * ci};`)}
    ${unroll(block.cols, (c) => `let out_${c} = min(col0 + ${c}, ${co - 1});`)}
    ${declareAccumulators(block)}
    for (var fy = 0; fy < ${kh}; fy++) {
      for (var fx = 0; fx < ${kw}; fx++) {
        ${unroll(block.rows, (r) => `
        let y_${r} = top_${r} + fy;
        let x_${r} = left_${r} + fx;
        let inside_${r} = y_${r} >= 0 && y_${r} < ${h} && x_${r} >= 0 && x_${r} < ${w};
        let at_${r} = select(0, image_${r} + (y_${r} * ${w} + x_${r}) * ${ci}, inside_${r});
        let keep_${r} = select(0.0, 1.0, inside_${r});`)}
        let tap = (fy * ${kw} + fx) * ${ci * co};
        for (var ch = 0; ch < ${ci}; ch++) {
          ${unroll(block.rows, (r) => `let a_${r} = X[at_${r} + ch] * keep_${r};`)}
          ${unroll(block.cols, (c) => `let b_${c} = W[tap + ch * ${co} + out_${c}];`)}
          ${accumulate(block)}
        }
      }
    }
    ${storeAccumulators(block, (r) => `pixel0 + ${r} < ${pixels}`, (c) => `col0 + ${c} < ${co}`, (r, c) => `(pixel0 + ${r}) * ${co} + col0 + ${c}`)}
  `;
  const shape = [batchSize, oh, ow, co];
  return backend.runWebGPUProgram(threadProgram(`conv2d_${infoKey(info)}`, shape, ['X', 'W'], threads, body), [x, filter], 'float32');
}

/**
 * `Conv2DBackpropInput`: rows are input pixels, columns input channels, and the reduction runs
 * over the filter taps and output channels whose window covered the pixel.
 */
export function conv2dBackpropInput(backend: GpuBackendLike, dy: tf.TensorInfo, filter: tf.TensorInfo, info: ConvInfo): tf.TensorInfo | null {
  if (!supported(backend, info, dy, filter)) return null;

  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pixels = batchSize * h * w;
  const { block, colBlocks, threads } = pixelBlocks(pixels, ci);

  // Output row oy covered input row y through tap fy when oy * sh - top + fy = y.
  const covered = (r: number, axis: 'y' | 'x', stride: number, limit: number): string =>
    stride === 1
      ? `let o${axis}_${r} = n${axis}_${r}; let ok${axis}_${r} = n${axis}_${r} >= 0 && n${axis}_${r} < ${limit};`
      : `let o${axis}_${r} = n${axis}_${r} / ${stride}; let ok${axis}_${r} = n${axis}_${r} >= 0 && n${axis}_${r} % ${stride} == 0 && o${axis}_${r} < ${limit};`;

  const body = `
    let pixel0 = (thread / ${colBlocks}) * ${block.rows};
    let col0 = (thread % ${colBlocks}) * ${block.cols};
    ${unroll(block.rows, (r) => `
    let p_${r} = min(pixel0 + ${r}, ${pixels - 1});
    let py_${r} = ((p_${r} / ${w}) % ${h}) + ${info.padInfo.top};
    let px_${r} = (p_${r} % ${w}) + ${info.padInfo.left};
    let image_${r} = (p_${r} / ${h * w}) * ${oh * ow * co};`)}
    ${unroll(block.cols, (c) => `let in_${c} = min(col0 + ${c}, ${ci - 1});`)}
    ${declareAccumulators(block)}
    for (var fy = 0; fy < ${kh}; fy++) {
      for (var fx = 0; fx < ${kw}; fx++) {
        ${unroll(block.rows, (r) => `
        let ny_${r} = py_${r} - fy;
        let nx_${r} = px_${r} - fx;
        ${covered(r, 'y', sh, oh)}
        ${covered(r, 'x', sw, ow)}
        let inside_${r} = oky_${r} && okx_${r};
        let at_${r} = select(0, image_${r} + (oy_${r} * ${ow} + ox_${r}) * ${co}, inside_${r});
        let keep_${r} = select(0.0, 1.0, inside_${r});`)}
        let tap = (fy * ${kw} + fx) * ${ci * co};
        for (var ch = 0; ch < ${co}; ch++) {
          ${unroll(block.rows, (r) => `let a_${r} = DY[at_${r} + ch] * keep_${r};`)}
          ${unroll(block.cols, (c) => `let b_${c} = W[tap + in_${c} * ${co} + ch];`)}
          ${accumulate(block)}
        }
      }
    }
    ${storeAccumulators(block, (r) => `pixel0 + ${r} < ${pixels}`, (c) => `col0 + ${c} < ${ci}`, (r, c) => `(pixel0 + ${r}) * ${ci} + col0 + ${c}`)}
  `;
  const shape = [batchSize, h, w, ci];
  return backend.runWebGPUProgram(threadProgram(`conv2d_dx_${infoKey(info)}`, shape, ['DY', 'W'], threads, body), [dy, filter], 'float32');
}

/** Threads to aim for when a filter gradient has few outputs: enough to keep every core busy. */
const FILTER_GRADIENT_THREADS = 512;

/**
 * `Conv2DBackpropFilter`: rows are (tap row, tap column, input channel), columns output
 * channels, and the reduction runs over every output pixel of the batch. A thread's rows share
 * one tap, so one bounds check per pixel serves them all. The reduction is long and the output
 * small, so it is split into chunks whose partial sums a second pass adds.
 */
export function conv2dBackpropFilter(backend: GpuBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo, info: ConvInfo): tf.TensorInfo | null {
  if (!supported(backend, info, x, dy)) return null;

  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const rows = kh * kw * ci;
  const pixels = batchSize * oh * ow;
  const block: RegisterBlock = { rows: Math.min(4, ci), cols: blockCols(co, CONV_COLUMNS) };
  const channelBlocks = Math.ceil(ci / block.rows);
  const colBlocks = Math.ceil(co / block.cols);
  const blocks = kh * kw * channelBlocks * colBlocks;
  const chunks = Math.max(1, Math.min(Math.ceil(FILTER_GRADIENT_THREADS / blocks), Math.ceil(pixels / 64)));
  const chunkLength = Math.ceil(pixels / chunks);

  const body = `
    let chunk = thread / ${blocks};
    let rest = thread % ${blocks};
    let tap = rest / ${channelBlocks * colBlocks};
    let fy = tap / ${kw};
    let fx = tap % ${kw};
    let channel0 = ((rest / ${colBlocks}) % ${channelBlocks}) * ${block.rows};
    let col0 = (rest % ${colBlocks}) * ${block.cols};
    ${unroll(block.rows, (r) => `let in_${r} = min(channel0 + ${r}, ${ci - 1});`)}
    ${unroll(block.cols, (c) => `let out_${c} = min(col0 + ${c}, ${co - 1});`)}
    ${declareAccumulators(block)}
    let first = chunk * ${chunkLength};
    let last = min(first + ${chunkLength}, ${pixels});
    var image = first / ${oh * ow};
    var oy = (first / ${ow}) % ${oh};
    var ox = first % ${ow};
    for (var p = first; p < last; p++) {
      let y = oy * ${sh} - ${info.padInfo.top} + fy;
      let x = ox * ${sw} - ${info.padInfo.left} + fx;
      let inside = y >= 0 && y < ${h} && x >= 0 && x < ${w};
      let at = select(0, ((image * ${h} + y) * ${w} + x) * ${ci}, inside);
      let keep = select(0.0, 1.0, inside);
      ${unroll(block.rows, (r) => `let a_${r} = X[at + in_${r}] * keep;`)}
      ${unroll(block.cols, (c) => `let b_${c} = DY[p * ${co} + out_${c}];`)}
      ${accumulate(block)}
      ox++;
      if (ox == ${ow}) { ox = 0; oy++; if (oy == ${oh}) { oy = 0; image++; } }
    }
    ${storeAccumulators(
      block,
      (r) => `channel0 + ${r} < ${ci}`,
      (c) => `col0 + ${c} < ${co}`,
      (r, c) => `chunk * ${rows * co} + (tap * ${ci} + channel0 + ${r}) * ${co} + col0 + ${c}`,
    )}
  `;
  const filterShape = [kh, kw, ci, co];
  const partialShape = chunks === 1 ? filterShape : [chunks, rows * co];
  const partial = backend.runWebGPUProgram(
    threadProgram(`conv2d_dw_${infoKey(info)}_${chunks}`, partialShape, ['X', 'DY'], chunks * blocks, body),
    [x, dy],
    'float32',
  );
  if (chunks === 1) return partial;

  const sum = `
    var total = 0.0;
    for (var c = 0; c < ${chunks}; c++) { total += P[c * ${rows * co} + thread]; }
    result[thread] = total;
  `;
  const dw = backend.runWebGPUProgram(threadProgram(`conv2d_dw_sum_${chunks}_${rows * co}`, filterShape, ['P'], rows * co, sum), [partial], 'float32');
  backend.disposeData(partial.dataId);
  return dw;
}
