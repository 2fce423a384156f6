import { describe, expect, it } from 'vitest';
import { layoutStack } from '../effects/registry';
import {
  applyCurve,
  applyMatrix,
  fitLook,
  fitMatrix,
  IDENTITY_MATRIX,
  lookLayers,
  matchedSamples,
  solve,
  type Pixels,
} from './fit-look';
import { labStats, reinhardSamples, rgbSamples, transferLabs } from './reinhard';

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomImage(width: number, height: number, seed: number): Pixels {
  const next = rng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : Math.round(next() * 255);
  return { width, height, data };
}

/** The after image: `f(M · rgb)` per pixel, clamped and quantised to 8 bits like a real file. */
function transform(image: Pixels, m: number[], curve: (v: number) => number = (v) => v): Pixels {
  const data = new Uint8ClampedArray(image.data.length);
  for (let p = 0; p < image.data.length; p += 4) {
    const rgb = [0, 1, 2].map((c) => image.data[p + c]! / 255);
    for (let c = 0; c < 3; c++) {
      const v =
        m[c * 4]! * rgb[0]! + m[c * 4 + 1]! * rgb[1]! + m[c * 4 + 2]! * rgb[2]! + m[c * 4 + 3]!;
      data[p + c] = Math.round(curve(Math.max(0, Math.min(1, v))) * 255);
    }
    data[p + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}

const KNOWN = [0.9, 0.08, 0.02, 0.03, 0.05, 0.85, 0.05, -0.02, -0.04, 0.1, 0.75, 0.12];

describe('least-squares colour matrix', () => {
  it('solves a small system exactly', () => {
    const x = solve(
      [
        [2, 1, 0],
        [1, 3, 1],
        [0, 1, 4],
      ],
      [4, 10, 14],
    );
    x.forEach((v, i) => expect(v).toBeCloseTo([1, 2, 3][i]!, 12));
  });

  it('recovers a known 3×4 matrix within 1e-3 from an 8-bit pair (clipped pixels and all)', () => {
    const before = randomImage(160, 120, 1);
    const after = transform(before, KNOWN);
    const m = fitMatrix(matchedSamples(before, after));
    m.forEach((v, i) => expect(Math.abs(v - KNOWN[i]!)).toBeLessThan(1e-3));
  });

  it('recovers a strong look that clips many pixels (clipped ones are left out)', () => {
    const strong = [1.6, 0, 0, -0.2, 0, 1.4, 0, -0.1, 0.1, 0, 1.2, 0];
    const before = randomImage(160, 120, 2);
    const m = fitMatrix(matchedSamples(before, transform(before, strong)));
    m.forEach((v, i) => expect(Math.abs(v - strong[i]!)).toBeLessThan(1e-3));
  });

  it('stays near the identity on a grey (degenerate) pair', () => {
    const grey = randomImage(64, 64, 3);
    for (let p = 0; p < grey.data.length; p += 4)
      grey.data[p + 1] = grey.data[p + 2] = grey.data[p]!;
    const m = fitMatrix(matchedSamples(grey, grey));
    for (const v of applyMatrix(new Float64Array([0.3, 0.3, 0.3, 0.8, 0.8, 0.8]), m)) {
      expect([0.3, 0.8].some((t) => Math.abs(v - t) < 1e-3)).toBe(true);
    }
  });

  it('refuses pairs of different sizes', () => {
    expect(() =>
      matchedSamples(randomImage(4, 4, 1), randomImage(5, 4, 1)),
    ).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: The before and after images must have the same size (4×4 vs 5×4).]`,
    );
  });
});

describe('fitLook', () => {
  it('an identity pair gives the identity and ΔE 0, with no curve', () => {
    const img = randomImage(64, 64, 4);
    const fit = fitLook(matchedSamples(img, img));
    fit.matrix.forEach((v, i) => expect(v).toBeCloseTo(IDENTITY_MATRIX[i]!, 4));
    expect(fit.curves).toEqual([]);
    expect(fit.meanDeltaE).toBeLessThan(0.05);
  });

  it('a matrix plus a gamma curve: the fit brings ΔE well below the unfitted pair', () => {
    const before = randomImage(128, 96, 5);
    const after = transform(before, KNOWN, (v) => v ** 0.6);
    const fit = fitLook(matchedSamples(before, after), { sharedCurve: true });
    expect(fit.curves).toHaveLength(1);
    expect(fit.meanDeltaEBefore).toBeGreaterThan(8);
    expect(fit.meanDeltaE).toBeLessThan(fit.meanDeltaEBefore / 4);
    expect(fit.meanDeltaE).toBeLessThan(2.5);
    // Curves alone can't undo the matrix's mixing: the matrix-only model is measurably worse.
    const samples = matchedSamples(before, after);
    const noCurve = applyMatrix(samples.before, fit.matrix);
    const withCurve = applyCurve(noCurve, fit.curves);
    expect(withCurve).not.toEqual(noCurve);
  });

  it('per-channel curves fit per-channel tone changes', () => {
    const before = randomImage(96, 96, 6);
    const data = new Uint8ClampedArray(before.data);
    for (let p = 0; p < data.length; p += 4) {
      data[p] = Math.round(255 * (before.data[p]! / 255) ** 0.5);
      data[p + 2] = Math.round(255 * (before.data[p + 2]! / 255) ** 1.8);
    }
    const after = { ...before, data };
    const perChannel = fitLook(matchedSamples(before, after));
    const shared = fitLook(matchedSamples(before, after), { sharedCurve: true });
    expect(perChannel.curves).toHaveLength(3);
    expect(perChannel.meanDeltaE).toBeLessThan(1);
    expect(perChannel.meanDeltaE).toBeLessThan(shared.meanDeltaE);
  });

  it('gives layers the engine accepts as they are (matrix of 12, a curve of 9 points)', () => {
    const before = randomImage(64, 64, 12);
    const fit = fitLook(
      matchedSamples(
        before,
        transform(before, KNOWN, (v) => v ** 0.7),
      ),
      {
        sharedCurve: true,
      },
    );
    let n = 0;
    const layout = layoutStack({ effects: lookLayers(fit, () => `k${++n}`) });
    expect(layout.entries.map((e) => e.def.id)).toEqual(['matrix', 'curve']);
    expect(layout.entries[1]!.params.points).toHaveLength(18);
  });

  it('becomes ordinary matrix and curve layers', () => {
    let n = 0;
    const layers = lookLayers(
      {
        matrix: KNOWN,
        curves: [[0, 0, 0.5, 0.6, 1, 1]],
        meanDeltaE: 0,
        meanDeltaEBefore: 0,
        samples: 1,
      },
      () => `l${++n}`,
    );
    expect(layers).toEqual([
      { id: 'l1', effectId: 'matrix', enabled: true, params: { matrix: KNOWN } },
      { id: 'l2', effectId: 'curve', enabled: true, params: { points: [0, 0, 0.5, 0.6, 1, 1] } },
    ]);
  });
});

describe('Reinhard transfer in CIELAB', () => {
  it('gives the source the reference’s mean and standard deviation per channel', () => {
    const source = rgbSamples(randomImage(64, 64, 7).data);
    const warm = transform(
      randomImage(64, 64, 8),
      [0.9, 0.1, 0, 0.1, 0, 0.8, 0, 0.05, 0, 0, 0.5, 0],
    );
    const reference = labStats(rgbSamples(warm.data));
    const labs = transferLabs(source, reference);
    const flat = new Float64Array(labs.flat());
    for (let c = 0; c < 3; c++) {
      const values = labs.map((l) => l[c]!);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      expect(mean).toBeCloseTo(reference.mean[c]!, 8);
      expect(std).toBeCloseTo(reference.std[c]!, 8);
    }
    expect(flat.length).toBe(source.length);
  });

  it('the fitted effects move the source’s statistics towards the reference', () => {
    const source = rgbSamples(randomImage(64, 64, 9).data);
    const reference = labStats(
      rgbSamples(
        transform(randomImage(64, 64, 10), [0.7, 0.2, 0, 0.2, 0, 0.6, 0, 0.1, 0, 0, 0.4, 0]).data,
      ),
    );
    const fit = fitLook(reinhardSamples(source, reference), { sharedCurve: true });
    const result = labStats(
      fit.curves.length
        ? applyCurve(applyMatrix(source, fit.matrix), fit.curves)
        : applyMatrix(source, fit.matrix),
    );
    const before = labStats(source);
    for (let c = 0; c < 3; c++) {
      const d0 = Math.abs(before.mean[c]! - reference.mean[c]!);
      const d1 = Math.abs(result.mean[c]! - reference.mean[c]!);
      expect(d1).toBeLessThan(Math.max(1, d0 / 3));
    }
    expect(fit.meanDeltaE).toBeLessThan(3);
  });
});
