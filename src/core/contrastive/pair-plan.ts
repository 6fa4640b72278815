import { SeededRng } from '../rng';
import { ClassPairSource, ListPairSource, type PairSource } from './pair-sources';
import { fillTemplates } from './zero-shot';

/** Held-out pairs for retrieval recall: image row `imageRows[i]` is paired with `texts[i]`. */
export interface HeldOutPairs {
  imageRows: number[];
  texts: string[];
  /**
   * Class index per pair for class-level pairing, where many texts of one class are equally right:
   * a retrieved candidate then counts as a hit when its class matches. Undefined means only the
   * pair's own partner counts.
   */
  classes?: number[];
}

/** Training and held-out pairs over rows of one pixel table. */
export interface PairPlan {
  /** Pixel-table row of each position of `pairs` (PairSource indices are positions in this list). */
  trainRows: number[];
  pairs: PairSource;
  heldOut: HeldOutPairs;
}

/** Source of each image's training text. */
export type PairingSpec =
  | { kind: 'list'; /** Text per image row; null leaves the image out. */ texts: (string | null)[] }
  | { kind: 'class'; /** Class index per image row; -1 leaves the image out. */ labels: number[]; /** Texts of each class, indexed by class. */ textsByClass: string[][] };

/**
 * Splits images into training and held-out pairs. Whole groups are held out when `groups` is given
 * (copies of one tile or one patient must not sit on both sides), else single images. About
 * `heldOutFraction` of the groups are held out, at least one, drawn with `seed`.
 * For class-level pairing each held-out image gets one text of its class, drawn with the same seed.
 */
export function planPairs(spec: PairingSpec, groups: (string | undefined)[] | null, heldOutFraction: number, seed: number | string): PairPlan {
  if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw new Error(`Held-out fraction must be between 0 and 1, got ${heldOutFraction}.`);
  const rows = spec.kind === 'list' ? spec.texts.flatMap((text, row) => (text === null || text.trim() === '' ? [] : [row])) : spec.labels.flatMap((label, row) => (label < 0 ? [] : [row]));
  if (rows.length < 4) throw new Error(`Only ${rows.length} image(s) have a text; contrastive training needs at least 4 pairs (training and held-out).`);

  const groupOf = (row: number): string => groups?.[row] ?? `image:${row}`;
  const rng = new SeededRng(`pair-plan-${seed}`);
  const groupIds = rng.shuffle([...new Set(rows.map(groupOf))].sort());
  const heldOutCount = Math.max(1, Math.min(groupIds.length - 1, Math.round(groupIds.length * heldOutFraction)));
  if (groupIds.length < 2) throw new Error('All images are in one group, so no group is left to hold out. Add more groups or clear the groups.');
  const heldOutGroups = new Set(groupIds.slice(0, heldOutCount));

  const trainRows = rows.filter((row) => !heldOutGroups.has(groupOf(row)));
  const heldOutRows = rows.filter((row) => heldOutGroups.has(groupOf(row)));

  if (spec.kind === 'list') {
    return {
      trainRows,
      pairs: new ListPairSource(trainRows.map((row) => spec.texts[row]!)),
      heldOut: { imageRows: heldOutRows, texts: heldOutRows.map((row) => spec.texts[row]!) },
    };
  }

  const passages = new Map(spec.textsByClass.map((texts, label) => [String(label), texts]));
  const textRng = rng.fork('held-out-texts');
  return {
    trainRows,
    pairs: new ClassPairSource(trainRows.map((row) => String(spec.labels[row])), passages),
    heldOut: {
      imageRows: heldOutRows,
      texts: heldOutRows.map((row) => {
        const texts = spec.textsByClass[spec.labels[row]];
        return texts[textRng.nextInt(texts.length)];
      }),
      classes: heldOutRows.map((row) => spec.labels[row]),
    },
  };
}

/** Class-level texts from prompt templates: every template filled with each class's display name. */
export function promptTextsByClass(displayNames: readonly string[], templates: readonly string[]): string[][] {
  return displayNames.map((name) => fillTemplates(templates, name));
}
