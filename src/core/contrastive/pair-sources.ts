import { type SeededRng } from '../rng';

/** Image and text picked for one batch row: indices into the caller's image list and the text itself. */
export interface PairDraw {
  imageIndex: number;
  text: string;
}

/** Something that yields (image, text) training pairs. */
export interface PairSource {
  /** Number of images one epoch visits. */
  readonly imageCount: number;
  /** Draws the pairs for the images `imageIndices` (one batch), using `rng` where the text is random. */
  pairsFor(imageIndices: readonly number[], rng: SeededRng): PairDraw[];
}

/** Fixed pairing: image i always goes with `texts[i]`. */
export class ListPairSource implements PairSource {
  constructor(private readonly texts: readonly string[]) {
    if (texts.length === 0) throw new Error('ListPairSource: the pair list is empty.');
  }

  get imageCount(): number {
    return this.texts.length;
  }

  pairsFor(imageIndices: readonly number[]): PairDraw[] {
    return imageIndices.map((imageIndex) => ({ imageIndex, text: this.texts[imageIndex] }));
  }
}

/**
 * Class-level pairing: image i has class `imageClasses[i]` and, each time it is drawn, is paired with a
 * passage drawn uniformly from that class's passages. Used when images and texts are not paired one to one.
 */
export class ClassPairSource implements PairSource {
  constructor(
    private readonly imageClasses: readonly string[],
    private readonly passagesByClass: ReadonlyMap<string, readonly string[]>,
  ) {
    for (const className of new Set(imageClasses)) {
      const passages = passagesByClass.get(className);
      if (!passages || passages.length === 0) {
        throw new Error(`ClassPairSource: class "${className}" has images but no passages. Add passages for it or drop its images.`);
      }
    }
  }

  get imageCount(): number {
    return this.imageClasses.length;
  }

  pairsFor(imageIndices: readonly number[], rng: SeededRng): PairDraw[] {
    return imageIndices.map((imageIndex) => {
      const passages = this.passagesByClass.get(this.imageClasses[imageIndex])!;
      return { imageIndex, text: passages[rng.nextInt(passages.length)] };
    });
  }
}

/** Splits a seeded permutation of `count` indices into batches of `batchSize`; the last short batch is dropped, as CLIP training does. */
export function epochBatches(count: number, batchSize: number, rng: SeededRng): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 2) throw new Error(`epochBatches: batch size must be an integer of at least 2 (InfoNCE needs negatives), got ${batchSize}.`);
  const order = rng.shuffle(Array.from({ length: count }, (_, index) => index));
  const batches: number[][] = [];
  for (let start = 0; start + batchSize <= count; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}
