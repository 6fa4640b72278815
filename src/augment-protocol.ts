/**
 * Types of the training worker's augmentation and stain-normalisation API:
 * previews on the decoded dataset tiles and the fit of a reference tile.
 * Types only.
 */

import type { AugmentConfig } from './core/augment/augment-config';
import type { StainMethod, StainNormalizationSetting } from './core/stain/stain-normalize-images';
import type { StainNormalizationParams } from './core/stain/stain-params';

/** A tile at model input size as interleaved RGB uint8 (size x size x 3). */
export interface PreviewTile {
  /** Index of the image in the loaded list. */
  index: number;
  size: number;
  rgb: Uint8Array;
}

export interface AugmentPreviewRequest {
  /** Images to show, indices into the list given to `loadImages`. */
  indices: number[];
  config: AugmentConfig;
  seed: number;

  /** Draw number; each value gives a different, reproducible set of augmented versions. */
  roll: number;

  /** Augmented versions per tile. */
  variants: number;

  /** Normalisation applied before augmentation, as training applies it. */
  stainNormalization: StainNormalizationParams | null;
}

export interface AugmentPreview {
  originals: PreviewTile[];

  /** variants[v][t] is version v of tile t. */
  variants: PreviewTile[][];
}

export interface StainPreview {
  originals: PreviewTile[];
  normalized: PreviewTile[];

  /** Indices of the tiles with too little tissue for a Macenko fit, shown unchanged. */
  unchanged: number[];
}

export interface AugmentWorkerApi {
  /** Augments a few decoded tiles with the training augmentation and returns them with their originals. */
  previewAugmentation(request: AugmentPreviewRequest): Promise<AugmentPreview>;

  /** Decodes the reference tile at the model input size, as training decodes tiles, and fits `method` on it. */
  fitStainReference(file: Blob, path: string, inputSize: number, method: StainMethod): Promise<StainNormalizationSetting>;

  /** Normalises a few decoded tiles and returns them with their originals. */
  previewStainNormalization(indices: number[], params: StainNormalizationParams): Promise<StainPreview>;
}
