import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { decodeImageFile } from '../../../src/core/ingest/image-decode';
import { sharedPath } from '../shared-path';
import { nodeImageDecoder } from '../../../src/platform/node-image-decoder';

const TUM = sharedPath('data', 'bad-inputs', 'images', 'TUM');

/** Park-Miller minimal standard generator, so the damaged files are the same on every run. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state;
  };
}

describe('damaged bytes', () => {
  const names = readdirSync(TUM).filter((name) => !name.startsWith('.') && name !== 'Thumbs.db');

  it.each(names)('%s: prefixes and flipped header bytes resolve without throwing', async (name) => {
    const original = new Uint8Array(readFileSync(path.join(TUM, name)));
    const next = lcg(name.length * 7919 + 1);

    const variants: Uint8Array[] = [];
    for (const fraction of [0.01, 0.1, 0.5, 0.9]) variants.push(original.slice(0, Math.floor(original.length * fraction)));
    for (let copy = 0; copy < 40; copy++) {
      const damaged = original.slice();
      const headerSpan = copy % 2 === 0 ? Math.min(damaged.length, 512) : damaged.length;
      for (let flip = 0; flip < 4 && headerSpan > 0; flip++) damaged[next() % headerSpan] = next() % 256;
      variants.push(damaged);
    }

    for (const bytes of variants) {
      const result = await decodeImageFile(bytes, name, nodeImageDecoder);
      if (result.ok) {
        expect(result.image.data.length).toBe(result.image.width * result.image.height * 3);
      } else {
        expect(result.detail.length).toBeGreaterThan(0);
      }
    }
  });
});
