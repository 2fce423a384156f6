import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { autocolorInput, gainsToMatrix } from './autocolor';

function solid(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return data;
}

interface FeatureCase {
  name: string;
  width: number;
  height: number;
  rgba_zlib_base64: string;
  features: number[];
}

const FIXTURE = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '../../models/train/fixtures/autocolor-features.json'),
    'utf8',
  ),
) as { tolerance: number; cases: FeatureCase[] };

describe('autocolorInput', () => {
  it.each(FIXTURE.cases.map((c) => [c.name, c] as const))(
    'computes what models/train/autocolor_features.py computes (%s)',
    (_, c) => {
      const rgba = new Uint8Array(inflateSync(Buffer.from(c.rgba_zlib_base64, 'base64')));
      const input = autocolorInput(rgba, c.width, c.height);
      expect(input).toHaveLength(192);
      let worst = 0;
      input.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.features[i]!))));
      expect(worst).toBeLessThanOrEqual(FIXTURE.tolerance);
    },
  );

  it('gives a grey image no cast and a cast image the cast, the same in every cell', () => {
    const grey = autocolorInput(solid(40, 24, [128, 128, 128]), 40, 24);
    for (const v of grey) expect(Math.abs(v)).toBeLessThan(1e-6);
    const warm = autocolorInput(solid(40, 24, [200, 128, 90]), 40, 24);
    const r = warm.slice(0, 64);
    const b = warm.slice(128, 192);
    // every estimate of a flat colour is that colour: red above the mean, blue below
    expect(Math.min(...r.slice(0, 16))).toBeGreaterThan(0.3);
    expect(Math.max(...b.slice(0, 16))).toBeLessThan(-0.3);
  });

  it('refuses short buffers', () => {
    expect(() => autocolorInput(new Uint8Array(4), 2, 2)).toThrowErrorMatchingInlineSnapshot(
      `[RangeError: autocolorInput: 2×2 needs 16 bytes]`,
    );
  });
});

describe('gainsToMatrix', () => {
  it('turns linear gains into sRGB scales on the diagonal', () => {
    const m = gainsToMatrix([2, 1, 0.5]);
    expect(m).toHaveLength(12);
    expect(m[0]).toBeCloseTo(2 ** (1 / 2.2), 9);
    expect(m[5]).toBe(1);
    expect(m[10]).toBeCloseTo(0.5 ** (1 / 2.2), 9);
    expect([m[1], m[2], m[3], m[4], m[6], m[7], m[8], m[9], m[11]]).toEqual(Array(9).fill(0));
  });

  it('treats broken gains as no change', () => {
    expect(gainsToMatrix([Number.NaN, -1, 0])).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  });
});
