/**
 * Settings of the training-time augmentation of H&E tiles. Every transform can
 * be switched off; strengths are the half-widths of uniform ranges.
 */

export interface RandomResizedCropConfig {
  enabled: boolean;

  /** Range of the crop area as a fraction of the image area. */
  scale: [number, number];

  /** Range of the crop's width / height; sampled log-uniformly. */
  aspectRatio: [number, number];
}

export interface ColorJitterConfig {
  enabled: boolean;

  /** Brightness factor drawn from U(1 - brightness, 1 + brightness). */
  brightness: number;

  /** Contrast factor drawn from U(1 - contrast, 1 + contrast), blending with the image's mean grey. */
  contrast: number;

  /** Saturation factor drawn from U(1 - saturation, 1 + saturation), blending with per-pixel grey. */
  saturation: number;

  /** Hue shift drawn from U(-hue, hue), in turns (0.5 = 180 degrees); at most 0.5. */
  hue: number;
}

export interface HedJitterConfig {
  enabled: boolean;

  /**
   * Per image, H and E concentrations become alpha * c + beta with
   * alpha ~ U(1 - strength, 1 + strength) and beta ~ U(-strength, strength)
   * (Tellez et al. 2018). beta is in natural-log optical-density units.
   */
  strength: number;
}

export interface AugmentConfig {
  /** Random horizontal and vertical flips, each with probability 0.5 per image. */
  flips: boolean;

  /** Random rotation by k * 90 degrees, k uniform in {0, 1, 2, 3}; non-square images use k in {0, 2}. */
  rotate90: boolean;
  randomResizedCrop: RandomResizedCropConfig;
  colorJitter: ColorJitterConfig;
  hedJitter: HedJitterConfig;
}

/**
 * Defaults for H&E tiles: orientation carries no meaning in a tile, so the 8
 * flips/rotations are free; crops and colour changes are kept light so that
 * cell size and stain colour stay plausible.
 */
export const DEFAULT_AUGMENT_CONFIG: AugmentConfig = {
  flips: true,
  rotate90: true,
  randomResizedCrop: { enabled: true, scale: [0.8, 1], aspectRatio: [3 / 4, 4 / 3] },
  colorJitter: { enabled: true, brightness: 0.1, contrast: 0.1, saturation: 0.1, hue: 0.02 },
  hedJitter: { enabled: true, strength: 0.05 },
};

/** Settings that leave every image unchanged. */
export const NO_AUGMENT_CONFIG: AugmentConfig = {
  flips: false,
  rotate90: false,
  randomResizedCrop: { enabled: false, scale: [1, 1], aspectRatio: [1, 1] },
  colorJitter: { enabled: false, brightness: 0, contrast: 0, saturation: 0, hue: 0 },
  hedJitter: { enabled: false, strength: 0 },
};

/** Throws on a setting outside its valid range, naming the field. */
export function validateAugmentConfig(config: AugmentConfig): void {
  const crop = config.randomResizedCrop;
  if (crop.enabled) {
    checkRange('randomResizedCrop.scale', crop.scale, 1);
    checkRange('randomResizedCrop.aspectRatio', crop.aspectRatio, Number.POSITIVE_INFINITY);
  }

  const jitter = config.colorJitter;
  if (jitter.enabled) {
    checkStrength('colorJitter.brightness', jitter.brightness, 1);
    checkStrength('colorJitter.contrast', jitter.contrast, 1);
    checkStrength('colorJitter.saturation', jitter.saturation, 1);
    checkStrength('colorJitter.hue', jitter.hue, 0.5);
  }

  if (config.hedJitter.enabled) checkStrength('hedJitter.strength', config.hedJitter.strength, 1);
}

function checkRange(field: string, range: [number, number], high: number): void {
  const [min, max] = range;
  if (!(min > 0 && min <= max && max <= high)) {
    throw new Error(`Invalid ${field} [${min}, ${max}]: expected 0 < min <= max <= ${high}.`);
  }
}

function checkStrength(field: string, value: number, max: number): void {
  if (!(value >= 0 && value <= max)) {
    throw new Error(`Invalid ${field} ${value}: expected a value in [0, ${max}].`);
  }
}
