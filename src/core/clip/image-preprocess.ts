import { type ClipPreprocessConfig } from './preprocess-config';

/**
 * CLIP image preprocessing as transformers' CLIPImageProcessor does it with Pillow: resize the
 * shorter side with Pillow's separable resampling (antialiased when downscaling, 8-bit rounding
 * after each pass), centre crop, rescale to [0, 1], normalise per channel. Output is NCHW float32.
 */

/** Decoded pixels, row-major, interleaved channels: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
export interface DecodedImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** Pillow's fixed-point precision for 8-bit resampling (src/libImaging/Resample.c). */
const PRECISION_BITS = 32 - 8 - 2;
const PRECISION_SCALE = 2 ** PRECISION_BITS;

interface ResampleFilter {
  support: number;
  weight: (x: number) => number;
}

/** Pillow's bicubic kernel with a = -0.5. */
const BICUBIC: ResampleFilter = {
  support: 2,
  weight: (x) => {
    const a = -0.5;
    const t = Math.abs(x);
    if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
    if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
    return 0;
  },
};

const BILINEAR: ResampleFilter = {
  support: 1,
  weight: (x) => {
    const t = Math.abs(x);
    return t < 1 ? 1 - t : 0;
  },
};

/** Preprocesses one image to float32 [3, cropHeight, cropWidth]. */
export function preprocessImage(image: DecodedImage, config: ClipPreprocessConfig): Float32Array {
  let rgb = toRgb(image);
  let width = image.width;
  let height = image.height;

  if (config.doResize) {
    const [targetWidth, targetHeight] = shortestEdgeSize(width, height, config.shortestEdge);
    rgb = resizeRgb(rgb, width, height, targetWidth, targetHeight, filterFor(config.resample));
    width = targetWidth;
    height = targetHeight;
  }

  const cropWidth = config.doCenterCrop ? config.cropWidth : width;
  const cropHeight = config.doCenterCrop ? config.cropHeight : height;
  // transformers' center_crop uses floor((size - crop) / 2) for the top-left corner.
  const top = Math.floor((height - cropHeight) / 2);
  const left = Math.floor((width - cropWidth) / 2);

  const scale = config.doRescale ? config.rescaleFactor : 1;
  const out = new Float32Array(3 * cropHeight * cropWidth);
  for (let channel = 0; channel < 3; channel++) {
    const mean = config.doNormalize ? config.imageMean[channel] : 0;
    const std = config.doNormalize ? config.imageStd[channel] : 1;
    const plane = channel * cropHeight * cropWidth;

    for (let y = 0; y < cropHeight; y++) {
      const sourceY = y + top;
      for (let x = 0; x < cropWidth; x++) {
        const sourceX = x + left;
        // NOTE: a crop larger than the image reads zeros outside it; transformers pads first instead.
        const inside = sourceY >= 0 && sourceY < height && sourceX >= 0 && sourceX < width;
        const value = inside ? rgb[(sourceY * width + sourceX) * 3 + channel] : 0;
        out[plane + y * cropWidth + x] = (value * scale - mean) / std;
      }
    }
  }
  return out;
}

/** Preprocesses a batch into one NCHW buffer of shape [images, 3, cropHeight, cropWidth]. */
export function preprocessImages(images: readonly DecodedImage[], config: ClipPreprocessConfig): { values: Float32Array; shape: [number, number, number, number] } {
  const cropHeight = config.doCenterCrop ? config.cropHeight : config.shortestEdge;
  const cropWidth = config.doCenterCrop ? config.cropWidth : config.shortestEdge;
  const perImage = 3 * cropHeight * cropWidth;
  const values = new Float32Array(images.length * perImage);

  images.forEach((image, index) => {
    const pixelValues = preprocessImage(image, config);
    if (pixelValues.length !== perImage) {
      throw new Error(`Image ${index} (${image.width}x${image.height}) preprocesses to ${pixelValues.length} values, not ${perImage}. Enable do_center_crop so every image gets the same size.`);
    }
    values.set(pixelValues, index * perImage);
  });
  return { values, shape: [images.length, 3, cropHeight, cropWidth] };
}

/** Computes [width, height] for "resize the shorter side to `edge`", truncating the longer side as transformers does. */
export function shortestEdgeSize(width: number, height: number, edge: number): [number, number] {
  if (width <= height) return [edge, Math.trunc((edge * height) / width)];
  return [Math.trunc((edge * width) / height), edge];
}

function filterFor(resample: number): ResampleFilter {
  if (resample === 3) return BICUBIC;
  if (resample === 2) return BILINEAR;
  throw new Error(`preprocessor_config.json: resample ${resample} is not supported. Use 3 (bicubic) or 2 (bilinear).`);
}

function toRgb(image: DecodedImage): Uint8Array {
  const { data, width, height, channels } = image;
  if (data.length < width * height * channels) {
    throw new Error(`Decoded image has ${data.length} bytes, fewer than ${width}x${height}x${channels}.`);
  }

  // Alpha is dropped without compositing, as Pillow's convert("RGB") does.
  const rgb = new Uint8Array(width * height * 3);
  for (let pixel = 0; pixel < width * height; pixel++) {
    const source = pixel * channels;
    if (channels >= 3) {
      rgb[pixel * 3] = data[source];
      rgb[pixel * 3 + 1] = data[source + 1];
      rgb[pixel * 3 + 2] = data[source + 2];
    } else {
      rgb.fill(data[source], pixel * 3, pixel * 3 + 3);
    }
  }
  return rgb;
}

/** Horizontal pass, then vertical pass, each rounded to 8 bits, as Pillow's ImagingResample. */
function resizeRgb(rgb: Uint8Array, width: number, height: number, targetWidth: number, targetHeight: number, filter: ResampleFilter): Uint8Array {
  let current = rgb;
  if (targetWidth !== width) current = resampleAxis(current, width, height, targetWidth, 'horizontal', filter);
  if (targetHeight !== height) current = resampleAxis(current, targetWidth, height, targetHeight, 'vertical', filter);
  return current;
}

interface AxisCoefficients {
  starts: Int32Array;
  counts: Int32Array;
  /** Fixed-point weights, `kernelSize` slots per output position. */
  weights: Float64Array;
  kernelSize: number;
}

/** Pillow's precompute_coeffs: the kernel widens by the scale factor when downscaling (antialiasing). */
function computeCoefficients(inSize: number, outSize: number, filter: ResampleFilter): AxisCoefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const kernelSize = Math.ceil(support) * 2 + 1;

  const starts = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const weights = new Float64Array(outSize * kernelSize);
  const raw = new Float64Array(kernelSize);

  for (let out = 0; out < outSize; out++) {
    const center = (out + 0.5) * scale;
    const start = Math.max(Math.trunc(center - support + 0.5), 0);
    const end = Math.min(Math.trunc(center + support + 0.5), inSize);
    const count = end - start;

    let total = 0;
    for (let i = 0; i < count; i++) {
      raw[i] = filter.weight((i + start - center + 0.5) / filterScale);
      total += raw[i];
    }
    for (let i = 0; i < count; i++) {
      const normalised = total !== 0 ? raw[i] / total : 0;
      weights[out * kernelSize + i] = Math.trunc(normalised < 0 ? normalised * PRECISION_SCALE - 0.5 : normalised * PRECISION_SCALE + 0.5);
    }
    starts[out] = start;
    counts[out] = count;
  }
  return { starts, counts, weights, kernelSize };
}

function resampleAxis(source: Uint8Array, width: number, height: number, outSize: number, axis: 'horizontal' | 'vertical', filter: ResampleFilter): Uint8Array {
  const inSize = axis === 'horizontal' ? width : height;
  const { starts, counts, weights, kernelSize } = computeCoefficients(inSize, outSize, filter);
  const outWidth = axis === 'horizontal' ? outSize : width;
  const outHeight = axis === 'horizontal' ? height : outSize;
  const target = new Uint8Array(outWidth * outHeight * 3);
  const half = 2 ** (PRECISION_BITS - 1);

  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const out = axis === 'horizontal' ? x : y;
      const start = starts[out];
      const count = counts[out];

      for (let channel = 0; channel < 3; channel++) {
        let sum = half;
        for (let i = 0; i < count; i++) {
          const sourceIndex = axis === 'horizontal' ? (y * width + start + i) * 3 + channel : ((start + i) * width + x) * 3 + channel;
          sum += source[sourceIndex] * weights[out * kernelSize + i];
        }
        const value = Math.floor(sum / PRECISION_SCALE);
        target[(y * outWidth + x) * 3 + channel] = Math.min(Math.max(value, 0), 255);
      }
    }
  }
  return target;
}
