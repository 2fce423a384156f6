/** Stack resolution: defaults, clamping, preview scaling, structure keys and reach. */
import { describe, expect, it } from 'vitest';
import { blurRadius, blurUniforms } from './defs';
import { curveLut } from './curve';
import { layer, layoutStack, resolveParams, EFFECTS } from './registry';

describe('effect registry', () => {
  it('fills defaults and clamps to each range', () => {
    const def = EFFECTS.get('exposure')!;
    expect(resolveParams(def, {})).toEqual({ ev: 0 });
    expect(resolveParams(def, { ev: 99 })).toEqual({ ev: 4 });
  });

  it('scales spatial params for previews, below their minimum if need be', () => {
    const def = EFFECTS.get('sharpen')!;
    expect(resolveParams(def, { amount: 1, sigma: 2 }, 0.1)).toEqual({ amount: 1, sigma: 0.2 });
  });

  it('skips disabled layers; keys change with structure, not with values', () => {
    const a = layoutStack({
      effects: [layer('contrast', { amount: 0.1 }), { ...layer('blur'), enabled: false }],
    });
    const b = layoutStack({ effects: [layer('contrast', { amount: 0.9 })] });
    expect(a.entries).toHaveLength(1);
    expect(a.key).toBe(b.key);
    const c = layoutStack({
      effects: [layer('blur', { sigma: 2 }), layer('pixelate', { size: 5 })],
    });
    const d = layoutStack({
      effects: [layer('blur', { sigma: 4 }), layer('pixelate', { size: 5 })],
    });
    expect(c.key).not.toBe(d.key);
    expect(c.reach).toBe(blurRadius(2) + 5);
  });

  it('blur weights are normalised and symmetric', () => {
    const [r, ...w] = blurUniforms(2.5);
    expect(w).toHaveLength(2 * r! + 1);
    expect(w.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(w[0]).toBeCloseTo(w[w.length - 1]!, 15);
    expect(blurUniforms(0)).toEqual([0, 1]);
  });

  it('curve tables: identity for the diagonal, monotone between points', () => {
    const id = curveLut([0, 0, 1, 1]);
    for (let i = 0; i < 256; i++) expect(id[i]).toBeCloseTo(i / 255, 6);
    const s = curveLut([0, 0, 0.25, 0.1, 0.75, 0.9, 1, 1]);
    for (let i = 1; i < 256; i++) expect(s[i]!).toBeGreaterThanOrEqual(s[i - 1]!);
    expect(s[64]!).toBeLessThan(64 / 255);
  });
});
