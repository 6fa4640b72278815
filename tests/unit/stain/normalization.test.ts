import { describe, expect, it } from 'vitest';

import { channelStatistics, rgbToLab } from '../../../src/core/stain/color-lab';
import { applyMacenko, fitMacenko, opticalDensityToRgb, rgbToOpticalDensity } from '../../../src/core/stain/macenko';
import { applyReinhard, fitReinhard } from '../../../src/core/stain/reinhard';
import { applyStainNormalization, parseStainParams } from '../../../src/core/stain/stain-params';
import { CRC_TUMOUR_TILE, LUNG_ACA_TILE, LUNG_N_TILE, loadTile } from './tile-fixture';

// Source: an LC25000 lung adenocarcinoma tile. Reference: a colorectal tumour tile from
// CRC-VAL-HE-7K, stained in another lab, so its colour differs clearly
// (LAB mean b about -46.5 for the source against -17.2 for the reference).
const source = loadTile(LUNG_ACA_TILE);
const reference = loadTile(CRC_TUMOUR_TILE);

function labStats(rgb: Float32Array) {
  return channelStatistics(rgbToLab(rgb));
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

describe('reinhard', () => {
  it('moves LAB mean and std to the reference', () => {
    const target = labStats(reference.rgb);

    const params = fitReinhard(reference.rgb);
    const result = labStats(applyReinhard(source.rgb, params));

    // Measured: largest gap 0.29 LAB units (a channel std), caused by gamut clipping.
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(result.mean[c] - target.mean[c])).toBeLessThan(0.5);
      expect(Math.abs(result.std[c] - target.std[c])).toBeLessThan(0.5);
    }
  });

  it('works for a same-lab reference', () => {
    const target = labStats(loadTile(LUNG_N_TILE).rgb);

    const result = labStats(applyReinhard(source.rgb, fitReinhard(loadTile(LUNG_N_TILE).rgb)));

    for (let c = 0; c < 3; c++) {
      expect(Math.abs(result.mean[c] - target.mean[c])).toBeLessThan(0.5);
      expect(Math.abs(result.std[c] - target.std[c])).toBeLessThan(0.5);
    }
  });
});

describe('macenko', () => {
  it('fits unit stain vectors with H more red-absorbing', () => {
    const params = fitMacenko(reference.rgb);
    const [h, e] = params.stainMatrix;

    expect(Math.hypot(...h)).toBeCloseTo(1, 6);
    expect(Math.hypot(...e)).toBeCloseTo(1, 6);
    expect(h[0]).toBeGreaterThan(e[0]);
    expect(Math.min(...h, ...e)).toBeGreaterThan(0);
    expect(params.maxConcentrations[0]).toBeGreaterThan(0);
    expect(params.maxConcentrations[1]).toBeGreaterThan(0);
  });

  it('moves LAB statistics closer to the reference', () => {
    const target = labStats(reference.rgb);
    const before = labStats(source.rgb);

    const after = labStats(applyMacenko(source.rgb, fitMacenko(reference.rgb)));

    // Macenko matches stain vectors and concentration ranges, not LAB moments, so only a
    // reduction is required. Measured: mean distance 31.3 -> 8.1, std distance 11.5 -> 3.2 LAB units.
    expect(distance(after.mean, target.mean)).toBeLessThan(0.5 * distance(before.mean, target.mean));
    expect(distance(after.std, target.std)).toBeLessThan(0.5 * distance(before.std, target.std));
  });

  it('optical density round trip', () => {
    const back = opticalDensityToRgb(rgbToOpticalDensity(source.rgb));

    let worst = 0;
    for (let i = 0; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i] - source.rgb[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('rejects a tile without tissue', () => {
    const white = new Float32Array(3 * 32 * 32).fill(1);

    expect(() => fitMacenko(white)).toThrow(/only 0 of 1024 pixels/);
  });
});

describe('stain-params', () => {
  it('JSON round trip gives the same output', () => {
    for (const params of [fitReinhard(reference.rgb), fitMacenko(reference.rgb)]) {
      const restored = parseStainParams(JSON.parse(JSON.stringify(params)));

      const direct = applyStainNormalization(source.rgb, params);
      const viaJson = applyStainNormalization(source.rgb, restored);

      let worst = 0;
      for (let i = 0; i < direct.length; i++) worst = Math.max(worst, Math.abs(direct[i] - viaJson[i]));
      expect(restored).toEqual(params);
      expect(worst).toBe(0);
    }
  });

  it('rejects malformed parameters', () => {
    expect(() => parseStainParams(null)).toThrow(/expected an object/);
    expect(() => parseStainParams({ method: 'vahadane' })).toThrow(/method must be/);
    expect(() => parseStainParams({ method: 'reinhard', colorSpace: 'cielab-d65', mean: [1, 2], std: [1, 1, 1] })).toThrow(
      /mean: expected 3 finite numbers/,
    );
    expect(() =>
      parseStainParams({ method: 'macenko', stainMatrix: [[1, 0, 0], [0, 1, 0]], maxConcentrations: [1, 0] }),
    ).toThrow(/both must be > 0/);
  });
});
