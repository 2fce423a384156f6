/**
 * The CPU path's quantised sRGB curves: their error against the exact curves stays far inside the
 * engine's 1/255 agreement, and 8-bit values round-trip exactly.
 */
import { describe, expect, it } from 'vitest';
import { curveTable, linearToSrgb, MID_BINS, OUT_BINS, srgbToLinear } from './compile-onnx';

/** What the graph does: entry floor(v · bins) of the table. */
const read = (t: Float64Array, bins: number, v: number) => t[Math.floor(Math.fround(v * bins))]!;

function worst(f: (v: number) => number, bins: number, samples = 400_000): number {
  const t = curveTable(f, bins);
  let m = 0;
  for (let i = 0; i <= samples; i++) {
    const v = i / samples;
    m = Math.max(m, Math.abs(read(t, bins, v) - f(v)));
  }
  return m;
}

describe('quantised sRGB curves', () => {
  it('the exact curves are inverses of each other', () => {
    for (let v = 0; v <= 255; v++)
      expect(linearToSrgb(srgbToLinear(v / 255))).toBeCloseTo(v / 255, 12);
  });

  it('encoding to 8 bits by table returns every 8-bit value decoded exactly', () => {
    const t = curveTable((l) => Math.round(255 * linearToSrgb(l)), OUT_BINS);
    for (let v = 0; v <= 255; v++) {
      expect(read(t, OUT_BINS, Math.fround(srgbToLinear(v / 255)))).toBe(v);
    }
  });

  it('linear → sRGB between effects is within 0.15/255 of the exact curve', () => {
    const e = worst(linearToSrgb, MID_BINS);
    expect(e).toBeLessThan(0.15 / 255);
    expect(e).toBeGreaterThan(0.05 / 255); // the bound is near the real error, not vacuous
  });

  it('sRGB → linear between effects is within 0.05/255 of the exact curve', () => {
    expect(worst(srgbToLinear, MID_BINS)).toBeLessThan(0.05 / 255);
  });

  it('the 8-bit encoding table is off by at most one step, only near a rounding boundary', () => {
    const t = curveTable((l) => Math.round(255 * linearToSrgb(l)), OUT_BINS);
    let m = 0;
    for (let i = 0; i <= 200_000; i++) {
      const l = i / 200_000;
      m = Math.max(m, Math.abs(read(t, OUT_BINS, l) - 255 * linearToSrgb(l)));
    }
    expect(m).toBeLessThan(0.5 + 0.03);
  });
});
