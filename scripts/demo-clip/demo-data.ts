/**
 * Data for the demo CLIP: LC25000 lung tiles split by group, and TCGA lung report passages split by
 * patient, paired by class (adenocarcinoma tiles with LUAD passages, squamous tiles with LUSC
 * passages, benign tiles with background-lung sentences).
 */
import fs from 'node:fs';
import path from 'node:path';

import jpeg from 'jpeg-js';

import { type DecodedImage } from '../../src/core/clip/image-preprocess';
import { SeededRng } from '../../src/core/rng';

export const TILE_CLASSES = ['lung_aca', 'lung_n', 'lung_scc'] as const;
export type TileClass = (typeof TILE_CLASSES)[number];

/** Passage type paired with each tile class. */
export const PASSAGE_TYPE_BY_CLASS: Record<TileClass, string> = {
  lung_aca: 'LUAD',
  lung_n: 'background lung',
  lung_scc: 'LUSC',
};

/** The committed split: LC25000 groups (all augmented copies of one original tile) and report patients. */
export interface DemoClipSplit {
  seed: string;
  description: string;
  trainGroups: string[];
  heldOutGroups: string[];
  /** TCGA patient barcodes whose report and background sentences are only used for evaluation. */
  heldOutPatients: string[];
}

export interface Tile {
  className: TileClass;
  fileName: string;
  groupId: string;
}

export interface Passage {
  className: TileClass;
  patientId: string;
  text: string;
}

export const DEFAULT_SPLIT_FILE = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'demo-clip-groups.json');

/** Reads `groups.csv` (columns class, filename, group_id, ...) of the LC25000 lung folder. */
export function readTiles(lungFolder: string): Tile[] {
  const csvPath = path.join(lungFolder, 'groups.csv');
  const lines = fs.readFileSync(csvPath, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const [classColumn, fileColumn, groupColumn] = ['class', 'filename', 'group_id'].map((name) => header.indexOf(name));
  if (classColumn < 0 || fileColumn < 0 || groupColumn < 0) {
    throw new Error(`${csvPath}: header must contain class, filename and group_id, found ${lines[0]}.`);
  }

  return lines.slice(1).map((line, row) => {
    const cells = line.split(',');
    const className = cells[classColumn] as TileClass;
    if (!TILE_CLASSES.includes(className)) throw new Error(`${csvPath}: row ${row + 2} has class "${className}", expected one of ${TILE_CLASSES.join(', ')}.`);
    return { className, fileName: cells[fileColumn], groupId: cells[groupColumn] };
  });
}

/**
 * Draws the split from `seed`: within each class, half of the groups (rounded down) train the demo CLIP
 * and the rest are held out. A quarter of the report patients are held out, for their report passages
 * and their background-lung sentences alike.
 */
export function drawSplit(tiles: readonly Tile[], patients: readonly string[], seed: string): DemoClipSplit {
  const rng = new SeededRng(seed);
  const groupRng = rng.fork('groups');
  const trainGroups: string[] = [];
  const heldOutGroups: string[] = [];
  for (const className of TILE_CLASSES) {
    const groups = [...new Set(tiles.filter((tile) => tile.className === className).map((tile) => tile.groupId))].sort();
    groupRng.shuffle(groups);
    const trainCount = Math.floor(groups.length / 2);
    trainGroups.push(...groups.slice(0, trainCount));
    heldOutGroups.push(...groups.slice(trainCount));
  }

  const patientOrder = rng.fork('patients').shuffle([...new Set(patients)].sort());
  const heldOutPatients = patientOrder.slice(0, Math.round(patientOrder.length / 4));

  return {
    seed,
    description: 'Split of the demo CLIP: LC25000 lung groups used to train it (trainGroups) and held out (heldOutGroups), and TCGA patients whose report passages are held out. Written by scripts/demo-clip/train-demo-clip.ts.',
    trainGroups: trainGroups.sort(),
    heldOutGroups: heldOutGroups.sort(),
    heldOutPatients: heldOutPatients.sort(),
  };
}

export function readSplit(file: string): DemoClipSplit {
  const split = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoClipSplit;
  if (!Array.isArray(split.trainGroups) || !Array.isArray(split.heldOutGroups) || !Array.isArray(split.heldOutPatients)) {
    throw new Error(`${file}: expected trainGroups, heldOutGroups and heldOutPatients arrays. Delete the file to draw a new split.`);
  }
  return split;
}

interface ReportRecord {
  id: string;
  project_or_label: string;
  text: string;
  parent_patient_id?: string;
}

function readJsonl(file: string): ReportRecord[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as ReportRecord;
      } catch (error) {
        throw new Error(`${file}: line ${index + 1} is not valid JSON (${(error as Error).message}).`);
      }
    });
}

/**
 * Sentences of a report that describe the tumour or the tissue, so that passages paired with a tile
 * describe what the tile shows. Gross-room logistics ("received in formalin") carry no
 * class information and are left out.
 */
const DESCRIPTIVE_TERMS = /carcinoma|tumou?r|neoplas|squamous|adeno|keratin|gland|acinar|papillary|lepidic|solid|mucin|differentiat|invasi|malignan|necros|bronchioloalveolar|nodule|mass|parenchyma|emphysema/i;

/**
 * Splits a report into sentences at ". " followed by an upper-case letter and keeps those of 30 to 200
 * characters with at least four words, so passages fit the 77-token context.
 */
export function splitSentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[A-Z])/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length >= 30 && sentence.length <= 200 && (sentence.match(/\p{L}{3,}/gu)?.length ?? 0) >= 4);
}

export interface ReportCorpus {
  passages: Passage[];
  /** Every report and background text, for tokenizer training. */
  patients: string[];
}

/**
 * Reads the lung reports and background-lung sentences and turns them into passages. Report sentences
 * that repeat a background-lung sentence of the same patient are dropped from the tumour classes, so
 * no sentence is a passage of two classes.
 */
export function readPassages(reportFolder: string): ReportCorpus {
  const reports = readJsonl(path.join(reportFolder, 'lung_reports.jsonl'));
  const background = readJsonl(path.join(reportFolder, 'lung_normal_descriptions.jsonl'));

  const backgroundByPatient = new Map<string, string[]>();
  const passages: Passage[] = [];
  for (const record of background) {
    const patientId = record.parent_patient_id ?? record.id.split('#')[0];
    const texts = backgroundByPatient.get(patientId) ?? [];
    texts.push(normaliseForMatch(record.text));
    backgroundByPatient.set(patientId, texts);
    passages.push({ className: 'lung_n', patientId, text: record.text.replace(/\s+/g, ' ').trim() });
  }

  for (const record of reports) {
    const className = CLASS_BY_PROJECT[record.project_or_label];
    if (!className) continue;
    const patientBackground = backgroundByPatient.get(record.id) ?? [];

    for (const sentence of splitSentences(record.text)) {
      if (!DESCRIPTIVE_TERMS.test(sentence)) continue;
      const normalised = normaliseForMatch(sentence);
      if (patientBackground.some((text) => normalised.includes(text.slice(0, 40)) || text.includes(normalised.slice(0, 40)))) continue;
      passages.push({ className, patientId: record.id, text: sentence });
    }
  }

  return { passages, patients: reports.map((record) => record.id) };
}

/** TCGA project of a lung report to the LC25000 class whose tiles its passages describe. */
const CLASS_BY_PROJECT: Record<string, TileClass | undefined> = { LUAD: 'lung_aca', LUSC: 'lung_scc' };

function normaliseForMatch(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Reads a 224 x 224 LC25000 JPEG as RGB with jpeg-js. */
export function decodeTile(lungFolder: string, tile: Tile): DecodedImage {
  const file = path.join(lungFolder, tile.className, tile.fileName);
  const decoded = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false });
  return { data: decoded.data, width: decoded.width, height: decoded.height, channels: 3 };
}

/**
 * Draws the held-out evaluation set with `seed`: one tile per held-out group, and a class-balanced
 * pool of held-out passages, `passagesPerClass` of each type (or as many as the smallest type has).
 */
export function heldOutEvaluationSet(
  tiles: readonly Tile[],
  passages: readonly Passage[],
  split: DemoClipSplit,
  seed: string,
  passagesPerClass: number,
): { tiles: Tile[]; passages: Passage[] } {
  const rng = new SeededRng(seed);
  const heldOutGroups = new Set(split.heldOutGroups);
  const byGroup = new Map<string, Tile[]>();
  for (const tile of tiles) {
    if (!heldOutGroups.has(tile.groupId)) continue;
    const members = byGroup.get(tile.groupId) ?? [];
    members.push(tile);
    byGroup.set(tile.groupId, members);
  }
  const tileRng = rng.fork('tiles');
  const evalTiles = [...byGroup.keys()].sort().map((group) => {
    const members = byGroup.get(group)!.sort((a, b) => a.fileName.localeCompare(b.fileName));
    return members[tileRng.nextInt(members.length)];
  });

  const heldOutPatients = new Set(split.heldOutPatients);
  const heldOutPassages = passages.filter((passage) => heldOutPatients.has(passage.patientId));
  const passageRng = rng.fork('passages');
  const byClass = TILE_CLASSES.map((className) => passageRng.shuffle(heldOutPassages.filter((passage) => passage.className === className)));
  const perClass = Math.min(passagesPerClass, ...byClass.map((list) => list.length));
  if (perClass === 0) throw new Error('Held-out evaluation: a passage class has no held-out passages. Hold out more patients in the split file.');

  return { tiles: evalTiles, passages: byClass.flatMap((list) => list.slice(0, perClass)) };
}
