import { describe, expect, it } from 'vitest';

import { channelStatistics, labToRgb, rgbToLab } from '../../../src/core/stain/color-lab';
import { LUNG_ACA_TILE, loadTile } from './tile-fixture';

describe('color-lab', () => {
  it('known sRGB colours', () => {
    // The CIE 1976 L*a*b* formulas with the D65 white give (100, 0, 0) for white and about
    // (53.24, 80.09, 67.20) for sRGB red (1, 0, 0).
    const lab = rgbToLab(new Float32Array([1, 1, 1, 1, 0, 0]));

    expect(lab[0]).toBeCloseTo(100, 2);
    expect(lab[1]).toBeCloseTo(0, 2);
    expect(lab[2]).toBeCloseTo(0, 2);
    expect(lab[3]).toBeCloseTo(53.24, 1);
    expect(lab[4]).toBeCloseTo(80.09, 1);
    expect(lab[5]).toBeCloseTo(67.2, 1);
  });

  it('real tile round trip', () => {
    const tile = loadTile(LUNG_ACA_TILE);

    const back = labToRgb(rgbToLab(tile.rgb));

    let worst = 0;
    for (let i = 0; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i] - tile.rgb[i]));
    expect(worst).toBeLessThan(1e-4);
  });

  it('channel statistics by hand', () => {
    // Channel 0 values 1 and 3: mean 2, population std 1. Channel 1 constant 5: std 0.
    const stats = channelStatistics(new Float32Array([1, 5, 0, 3, 5, 2]));

    expect(stats.mean).toEqual([2, 5, 1]);
    expect(stats.std).toEqual([1, 0, 1]);
  });
});
