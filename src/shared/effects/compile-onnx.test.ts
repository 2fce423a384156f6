/**
 * The CPU path's sRGB curves (polynomials above the linear toe, see compile-onnx.ts), evaluated in
 * float32 like the graph: their error against the exact curves stays far inside the engine's
 * 1/255 agreement, 0 and 1 map to 0 and 1, and 8-bit values round-trip exactly.
 */
import { describe, expect, it } from 'vitest';
import { DECODE, ENCODE } from './compile-onnx';

const f = Math.fround;
const exactLinear = (x: number) => (x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
const exactSrgb = (l: number) => (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055);

/** The graph's ops, each rounded to float32. */
function approx(c: typeof ENCODE | typeof DECODE, x: number, map: (v: number) => number): number {
  const t = map(f(Math.max(x, f(c.threshold))));
  let r = f(t * f(c.coefs[0]));
  for (let i = 1; i < c.coefs.length; i++) {
    r = f(r + f(c.coefs[i]!));
    if (i < c.coefs.length - 1) r = f(r * t);
  }
  return f(r + f(f(Math.min(x, f(c.threshold))) * f(c.toe)));
}
const decode = (x: number) => approx(DECODE, x, (v) => v);
const encode = (l: number) => approx(ENCODE, l, (v) => f(Math.sqrt(f(Math.sqrt(v)))));

const grid = (n: number) => Array.from({ length: n + 1 }, (_, i) => f(i / n));

describe('sRGB curves on the CPU path', () => {
  it('encode is within 0.03/255 of the exact curve', () => {
    let worst = 0;
    for (const l of grid(200_000)) worst = Math.max(worst, Math.abs(encode(l) - exactSrgb(l)));
    expect(worst).toBeLessThan(0.03 / 255);
    expect(worst).toBeGreaterThan(0.001 / 255); // a real approximation, measured, not vacuous
  });

  it('decode is within 0.1% of the exact curve (relative), 0.03/255 after a round trip', () => {
    let rel = 0;
    let trip = 0;
    for (const x of grid(200_000)) {
      const l = decode(x);
      if (x > 0.001) rel = Math.max(rel, Math.abs(l / exactLinear(x) - 1));
      trip = Math.max(trip, Math.abs(exactSrgb(Math.min(1, Math.max(0, l))) - x));
    }
    expect(rel).toBeLessThan(0.001);
    expect(trip).toBeLessThan(0.03 / 255);
  });

  it('maps 0 to 0 and 1 to within 0.1/255 of 1', () => {
    for (const fn of [encode, decode]) {
      expect(Math.abs(fn(0))).toBeLessThan(1e-6);
      expect(Math.abs(fn(1) - 1)).toBeLessThan(5e-4);
    }
  });

  it('every 8-bit value survives decode → encode → round', () => {
    for (let v = 0; v <= 255; v++) expect(Math.round(255 * encode(decode(f(v / 255))))).toBe(v);
  });
});
