/**
 * The CPU path's fine sRGB tables (see compile-onnx.ts), evaluated like the graph does in float32:
 * decode by ⌊v·N⌋ to √linear, gains as products with √g and clamps, encode by ⌊s·N⌋. Their error
 * against the exact curves stays far inside the engine's 1/255 agreement, and 8-bit values
 * round-trip exactly.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeTable,
  encodeTable,
  FINE,
  GAIN_CELLS,
  GAIN_LEVELS,
  gainRange,
  gainTable,
  levelsTable,
  linearToSrgb,
  srgbToLinear,
} from './compile-onnx';

const f = Math.fround;
const dec = new Float32Array(decodeTable());
const encF = new Float32Array(encodeTable(false));
const encB = Uint8Array.from(encodeTable(true));
const levels = new Float32Array(levelsTable());
const idx = (x: number, scale: number) => Math.trunc(f(x * scale));

/** sRGB v → √linear → × √gain → sRGB (as the graph: float32 ops, truncating casts). */
function viaTables(v: number, gain: number): number {
  const s = dec[idx(f(v), FINE)]!;
  const root = f(Math.sqrt(f(gain * FINE * FINE)));
  return encF[Math.trunc(Math.min(f(s * root), FINE))]!;
}
const exact = (v: number, gain: number) => linearToSrgb(Math.min(1, srgbToLinear(v) * gain));

describe('sRGB tables on the CPU path', () => {
  it('decode → gain → encode is within 0.1/255 of the exact curves', () => {
    let worst = 0;
    for (const gain of [1, 0.25, 0.7, 1.3, 2, 2 ** 0.3]) {
      for (let i = 0; i <= 100_000; i++) {
        const v = i / 100_000;
        worst = Math.max(worst, Math.abs(viaTables(v, gain) - exact(v, gain)));
      }
    }
    expect(worst).toBeLessThan(0.1 / 255);
    expect(worst).toBeGreaterThan(0.001 / 255); // a real approximation, measured, not vacuous
  });

  it('the byte table is the float table rounded; 0 and 1 map to (within 0.1/255 of) 0 and 1', () => {
    for (let j = 0; j <= FINE; j++) expect(encB[j]).toBe(Math.round(encF[j]! * 255));
    expect(viaTables(0, 1)).toBeLessThan(0.1 / 255);
    expect(viaTables(1, 1)).toBe(1);
    expect(dec.length).toBe(FINE + 1);
  });

  it('every 8-bit value survives decode → encode → round, from floats and from bytes', () => {
    for (let v = 0; v <= 255; v++) {
      expect(Math.round(255 * viaTables(f(v / 255), 1))).toBe(v);
      expect(encB[Math.trunc(Math.min(f(levels[v]! * FINE), FINE))]).toBe(v);
    }
  });

  it('the last-gain table: one lookup within one 8-bit step of the exact curves, gain 1 exact', () => {
    const qmax = gainRange(2);
    expect(qmax).toBeGreaterThanOrEqual(2 ** (1 / 2.4));
    const cells = gainTable(GAIN_CELLS, false, qmax);
    const bytes = gainTable(GAIN_CELLS, true, qmax);
    // As the graph: the level by rounding g^(1/2.4), the cell by truncating v·cells (float32).
    const level = (gain: number) =>
      Math.round(f(f(gain ** (1 / 2.4)) * f((GAIN_LEVELS - 1) / qmax)));
    let worst = 0;
    let off = 0;
    let n = 0;
    for (const gain of [0, 0.05, 0.25, 0.5, 0.7, 0.93, 1, 1.3, 2]) {
      for (let i = 0; i <= 20_000; i++) {
        const v = i / 20_000;
        const got = cells.bytes[level(gain) * cells.columns + idx(f(v), GAIN_CELLS)]!;
        const want = 255 * exact(v, gain);
        worst = Math.max(worst, Math.abs(got - want));
        if (got !== Math.round(want)) off++;
        n++;
      }
      for (let v = 0; v <= 255; v++) {
        const got = bytes.bytes[level(gain) * bytes.columns + v]!;
        expect(Math.abs(got - 255 * exact(v / 255, gain))).toBeLessThan(0.5 + 0.3);
      }
    }
    // Rounding plus under a third of a step of table error; most values round as exactly.
    expect(worst).toBeLessThan(0.5 + 0.3);
    expect(off / n).toBeLessThan(0.2);
    // A gain of 1 is a level: every 8-bit value comes back unchanged.
    for (let v = 0; v <= 255; v++) expect(bytes.bytes[level(1) * bytes.columns + v]).toBe(v);
  });
});
