import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The read-only shared data folder beside the repository checkout. */
export const SHARED = process.env.CLIPIT_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');

export const LC25000 = path.join(SHARED, 'data', 'lc25000-lung');

interface GroupRow {
  className: string;
  filename: string;
  group: string;
}

export function readLc25000Groups(): GroupRow[] {
  const lines = fs.readFileSync(path.join(LC25000, 'groups.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [className, filename, group] = line.split(',');
    return { className, filename, group };
  });
}

/**
 * Copies a small, group-complete subset of the real LC25000 tiles into a new
 * temporary folder `<tmp>/lc25000-subset/<class>/...`: the first
 * `groupsPerClass` groups of each class (sorted by id), at most
 * `imagesPerGroup` images of each. Returns the folder and the number of tiles.
 */
export function makeLc25000Subset(groupsPerClass: number, imagesPerGroup: number): { dir: string; count: number; groups: Set<string> } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clipit-e2e-'));
  const dir = path.join(root, 'lc25000-subset');
  const byGroup = new Map<string, GroupRow[]>();
  for (const row of readLc25000Groups()) {
    const rows = byGroup.get(row.group) ?? [];
    rows.push(row);
    byGroup.set(row.group, rows);
  }

  let count = 0;
  const groups = new Set<string>();
  for (const className of ['lung_aca', 'lung_n', 'lung_scc']) {
    const classGroups = [...byGroup.keys()].filter((g) => byGroup.get(g)![0].className === className).sort().slice(0, groupsPerClass);
    fs.mkdirSync(path.join(dir, className), { recursive: true });
    for (const group of classGroups) {
      groups.add(group);
      for (const row of byGroup.get(group)!.slice(0, imagesPerGroup)) {
        fs.copyFileSync(path.join(LC25000, className, row.filename), path.join(dir, className, row.filename));
        count += 1;
      }
    }
  }
  return { dir, count, groups };
}
