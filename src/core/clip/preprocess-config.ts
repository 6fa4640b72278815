import { readNumber, readTriple } from './config-fields';

/**
 * CLIP image preprocessing settings, read from a Hugging Face `preprocessor_config.json`.
 * Missing fields take CLIPImageProcessor's defaults.
 */

export interface ClipPreprocessConfig {
  doResize: boolean;
  /** Target length of the shorter image side after resizing, in pixels. */
  shortestEdge: number;
  /** Pillow resampling filter id: 2 bilinear, 3 bicubic. */
  resample: number;
  doCenterCrop: boolean;
  cropHeight: number;
  cropWidth: number;
  doRescale: boolean;
  rescaleFactor: number;
  doNormalize: boolean;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

export const CLIP_IMAGE_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_IMAGE_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** Parses a Hugging Face `preprocessor_config.json` (CLIPImageProcessor or the older CLIPFeatureExtractor). */
export function parsePreprocessConfig(json: unknown, source = 'preprocessor_config.json'): ClipPreprocessConfig {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: expected a JSON object.`);
  const root = json as Record<string, unknown>;

  const size = root.size;
  let shortestEdge = 224;
  if (typeof size === 'number') shortestEdge = size;
  else if (typeof size === 'object' && size !== null) {
    const sizeObject = size as Record<string, unknown>;
    shortestEdge = readNumber(sizeObject, 'shortest_edge', Number(sizeObject.height ?? 224), source);
  }

  const crop = root.crop_size;
  let cropHeight = shortestEdge;
  let cropWidth = shortestEdge;
  if (typeof crop === 'number') {
    cropHeight = crop;
    cropWidth = crop;
  } else if (typeof crop === 'object' && crop !== null) {
    cropHeight = readNumber(crop as Record<string, unknown>, 'height', shortestEdge, source);
    cropWidth = readNumber(crop as Record<string, unknown>, 'width', shortestEdge, source);
  }

  return {
    doResize: root.do_resize !== false,
    shortestEdge,
    resample: readNumber(root, 'resample', 3, source),
    doCenterCrop: root.do_center_crop !== false,
    cropHeight,
    cropWidth,
    doRescale: root.do_rescale !== false,
    rescaleFactor: readNumber(root, 'rescale_factor', 1 / 255, source),
    doNormalize: root.do_normalize !== false,
    imageMean: readTriple(root, 'image_mean', CLIP_IMAGE_MEAN, source),
    imageStd: readTriple(root, 'image_std', CLIP_IMAGE_STD, source),
  };
}

/** Builds the CLIP preprocessing for a square input of `imageSize` pixels, used when no preprocessor config is present. */
export function defaultPreprocessConfig(
  imageSize: number,
  mean: [number, number, number] = CLIP_IMAGE_MEAN,
  std: [number, number, number] = CLIP_IMAGE_STD,
): ClipPreprocessConfig {
  return {
    doResize: true,
    shortestEdge: imageSize,
    resample: 3,
    doCenterCrop: true,
    cropHeight: imageSize,
    cropWidth: imageSize,
    doRescale: true,
    rescaleFactor: 1 / 255,
    doNormalize: true,
    imageMean: mean,
    imageStd: std,
  };
}
