/**
 * Random draws of one augmented batch, as plain numbers, so a batch can be
 * logged, tested or replayed. All randomness comes from the `SeededRng`.
 */

import type { SeededRng } from '../rng';

import type { AugmentConfig } from './augment-config';
import type { DihedralTransform } from './dihedral';

/** Normalised crop box [y1, x1, y2, x2] in [0, 1], as `tf.image.cropAndResize` takes it. */
export type CropBox = [number, number, number, number];

export interface ImageAugmentParams {
  dihedral: DihedralTransform;

  /** Crop box, or undefined when cropping is off. */
  crop: CropBox | undefined;
  brightness: number;
  contrast: number;
  saturation: number;

  /** Hue shift in turns. */
  hue: number;

  /** HED scale (alpha) and shift (beta, natural-log OD) of the H, E and D channels; D is left at (1, 0). */
  hedAlpha: [number, number, number];
  hedBeta: [number, number, number];
}

/**
 * Draws the parameters of every image in a batch. The parent generator
 * advances by one draw per call, so consecutive batches differ. Each
 * transform draws from its own fork, so switching one transform off does not
 * change the draws of the others.
 */
export function sampleAugmentParams(
  batchSize: number,
  height: number,
  width: number,
  config: AugmentConfig,
  rng: SeededRng,
): ImageAugmentParams[] {
  const batchRng = rng.fork('augment-batch');
  rng.nextUint32();

  const dihedralRng = batchRng.fork('dihedral');
  const cropRng = batchRng.fork('crop');
  const colorRng = batchRng.fork('color');
  const hedRng = batchRng.fork('hed');
  const square = height === width;

  const params: ImageAugmentParams[] = [];
  for (let n = 0; n < batchSize; n++) {
    const flipHorizontal = dihedralRng.nextFloat() < 0.5;
    const flipVertical = dihedralRng.nextFloat() < 0.5;
    const turnDraw = dihedralRng.nextInt(4);
    let quarterTurns = 0;
    if (config.rotate90) {
      // Odd turns would swap height and width, so non-square images only get 0 or 180 degrees.
      quarterTurns = square ? turnDraw : 2 * (turnDraw % 2);
    }

    const cropBox = sampleCropBox(config, cropRng);

    const jitter = config.colorJitter;
    const brightness = symmetricFactor(colorRng, jitter.brightness);
    const contrast = symmetricFactor(colorRng, jitter.contrast);
    const saturation = symmetricFactor(colorRng, jitter.saturation);
    const hue = (2 * colorRng.nextFloat() - 1) * jitter.hue;

    const strength = config.hedJitter.strength;
    const alphaH = symmetricFactor(hedRng, strength);
    const alphaE = symmetricFactor(hedRng, strength);
    const betaH = (2 * hedRng.nextFloat() - 1) * strength;
    const betaE = (2 * hedRng.nextFloat() - 1) * strength;

    params.push({
      dihedral: {
        flipHorizontal: config.flips && flipHorizontal,
        flipVertical: config.flips && flipVertical,
        quarterTurns,
      },
      crop: config.randomResizedCrop.enabled ? cropBox : undefined,
      brightness: jitter.enabled ? brightness : 1,
      contrast: jitter.enabled ? contrast : 1,
      saturation: jitter.enabled ? saturation : 1,
      hue: jitter.enabled ? hue : 0,
      hedAlpha: config.hedJitter.enabled ? [alphaH, alphaE, 1] : [1, 1, 1],
      hedBeta: config.hedJitter.enabled ? [betaH, betaE, 0] : [0, 0, 0],
    });
  }
  return params;
}

/**
 * Draws a crop of area fraction s ~ U(scale) and aspect ratio r (log-uniform),
 * so width = sqrt(s * r) and height = sqrt(s / r) as fractions of the image.
 * A side longer than the image is cut to the full side, which then lowers the
 * area below the drawn fraction.
 */
function sampleCropBox(config: AugmentConfig, rng: SeededRng): CropBox {
  const { scale, aspectRatio } = config.randomResizedCrop;
  const area = scale[0] + rng.nextFloat() * (scale[1] - scale[0]);
  const logRatio = Math.log(aspectRatio[0]) + rng.nextFloat() * (Math.log(aspectRatio[1]) - Math.log(aspectRatio[0]));
  const ratio = Math.exp(logRatio);

  const cropWidth = Math.min(1, Math.sqrt(area * ratio));
  const cropHeight = Math.min(1, Math.sqrt(area / ratio));
  const top = rng.nextFloat() * (1 - cropHeight);
  const left = rng.nextFloat() * (1 - cropWidth);
  return [top, left, top + cropHeight, left + cropWidth];
}

function symmetricFactor(rng: SeededRng, halfWidth: number): number {
  return 1 + (2 * rng.nextFloat() - 1) * halfWidth;
}
