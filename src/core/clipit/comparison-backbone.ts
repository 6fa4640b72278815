import type { ClipModel } from '../clip/clip-model';
import type { BatchSource } from '../train/classifier-trainer';
import type { VitModel } from '../vit/vit-model';
import { ClipPixelBatches } from './backbone-input';
import type { BackboneSpec } from './clipit-run';

/**
 * Vision backbone of the image stages: `cnn` the small CNN (random start, trained whole),
 * `clip` the vision tower of the loaded CLIP, `vit` a pretrained ViT loaded from a folder.
 * The pretrained ones stay frozen in the baseline and get LoRA in CLIP-IT.
 */
export type ComparisonBackbone = 'cnn' | 'clip' | 'vit';

/** Channels of the small CNN's first block by default; the second and third blocks double them in turn (16-32-64). */
export const DEFAULT_CNN_WIDTH = 16;

/** First-block widths the studio offers: 8 halves the default's cost twice over, for a CPU-emulated GPU. */
export const CNN_WIDTHS = [8, 16, 32] as const;

function cnnChannels(width: number): number[] {
  if (!Number.isInteger(width) || width < 1) throw new Error(`Invalid CNN width ${width}: expected a positive whole number of channels, e.g. 16.`);
  return [width, 2 * width, 4 * width];
}

/**
 * Builds the backbone spec and the matching image source of one image stage. `tiles` are NHWC
 * RGB tiles in [0, 1] at `inputSize`; the CLIP tower gets them normalised and in NCHW.
 */
export function comparisonBackbone(
  kind: ComparisonBackbone,
  inputSize: number,
  tiles: BatchSource,
  clip: ClipModel | null,
  vit: VitModel | null,
  cnnWidth = DEFAULT_CNN_WIDTH,
): { backbone: BackboneSpec; images: BatchSource; usesClip: boolean } {
  switch (kind) {
    case 'cnn':
      return { backbone: { kind: 'small-cnn', cnn: { inputSize, channels: cnnChannels(cnnWidth), dropout: 0 } }, images: tiles, usesClip: false };

    case 'clip': {
      if (!clip) throw new Error('The CLIP vision backbone needs a loaded CLIP model: load one first, or choose the small CNN.');
      const size = clip.config.vision.imageSize;
      if (inputSize !== size) throw new Error(`The CLIP vision tower reads ${size} px images but the tiles were decoded at ${inputSize} px; set the input size to ${size}.`);
      return { backbone: { kind: 'clip-vision' }, images: new ClipPixelBatches(tiles, clip.preprocess), usesClip: true };
    }

    case 'vit':
      if (!vit) throw new Error('The ViT backbone needs a ViT folder: choose one (Hugging Face ViTModel or timm layout) first.');
      return { backbone: { kind: 'vit', vit, inputSize }, images: tiles, usesClip: false };
  }
}
