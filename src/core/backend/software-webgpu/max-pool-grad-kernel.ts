import * as tf from '@tensorflow/tfjs-core';

import { allFloat32, type GpuBackendLike, threadProgram } from './program';

type PoolInfo = ReturnType<typeof tf.backend_util.computePool2DInfo>;

/**
 * `MaxPoolGrad` for pooling windows that tile the input without overlap (stride equal to the
 * window, no padding), the small CNN's 2 x 2 pooling. Each input pixel then lies in at most one
 * window and receives that window's gradient when it is the window's first maximum in row-major
 * order, the position the CPU backend records. Returns null for other pooling.
 */
export function maxPoolGrad(backend: GpuBackendLike, dy: tf.TensorInfo, input: tf.TensorInfo, info: PoolInfo): tf.TensorInfo | null {
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const tiles = fh === sh && fw === sw && info.padInfo.top === 0 && info.padInfo.left === 0 && info.dilationHeight === 1 && info.dilationWidth === 1 &&
    info.outHeight * sh <= info.inHeight && info.outWidth * sw <= info.inWidth;
  if (!tiles || !allFloat32(backend, dy, input) || info.dataFormat !== 'channelsLast') return null;

  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const size = batchSize * h * w * c;
  const taps: string[] = [];
  for (let ty = 0; ty < fh; ty++) {
    for (let tx = 0; tx < fw; tx++) {
      if (ty === 0 && tx === 0) continue;
      taps.push(`
      {
        let value = X[corner + ${(ty * w + tx) * c}];
        if (value > best) { best = value; winner = ${ty * fw + tx}; }
      }`);
    }
  }
  const body = `
    let channel = thread % ${c};
    let x = (thread / ${c}) % ${w};
    let y = (thread / ${w * c}) % ${h};
    let image = thread / ${h * w * c};
    let wy = y / ${sh};
    let wx = x / ${sw};
    if (wy >= ${oh} || wx >= ${ow}) { result[thread] = 0.0; return; }
    let corner = ((image * ${h} + wy * ${sh}) * ${w} + wx * ${sw}) * ${c} + channel;
    var best = X[corner];
    var winner = 0;
    ${taps.join('\n')}
    let own = (y - wy * ${sh}) * ${fw} + (x - wx * ${sw});
    result[thread] = select(0.0, DY[((image * ${oh} + wy) * ${ow} + wx) * ${c} + channel], own == winner);
  `;
  const key = `max_pool_grad_${batchSize}_${h}_${w}_${c}_${fh}_${fw}`;
  return backend.runWebGPUProgram(threadProgram(key, input.shape, ['DY', 'X'], size, body), [dy, input], 'float32');
}
