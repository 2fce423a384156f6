import { describe, expect, it } from 'vitest';
import {
  applyAffine,
  cleanGeometry,
  cropFromRect,
  cropGeometry,
  cropLayout,
  cropRect,
  flipGeometry,
  IDENTITY,
  invertAffine,
  largestCentred,
  levelHorizon,
  outputFractionToSource,
  outputSize,
  outputToSource,
  ratioGeometry,
  rectFits,
  rotateGeometry,
  sourceFractionToOutput,
  straightenGeometry,
  uncroppedGeometry,
  type Geometry,
} from './geometry';

const G = (g: Partial<Geometry>): Geometry => ({ ...IDENTITY, ...g });
const SRC = { width: 600, height: 400 };
/** A geometry with its crop's fractions rounded (turns and mirrors of a crop round off). */
const near = (g: Geometry | null) => {
  const r = (n: number) => Math.round(n * 1e9) / 1e9;
  const c = g?.crop;
  return g && c
    ? { ...g, crop: { x: r(c.x), y: r(c.y), width: r(c.width), height: r(c.height) } }
    : (g ?? IDENTITY);
};

describe('cleanGeometry', () => {
  it('turns bad values into their identity values, and the identity into null', () => {
    expect(cleanGeometry(null)).toBeNull();
    expect(cleanGeometry('turn')).toBeNull();
    expect(cleanGeometry({})).toBeNull();
    expect(cleanGeometry({ rotate90: 'x', straighten: NaN, ratio: '7:3', flipH: 1 })).toBeNull();
    expect(cleanGeometry({ rotate90: 5, straighten: 90, flipV: true })).toEqual(
      G({ rotate90: 1, straighten: 45, flipV: true }),
    );
    expect(cleanGeometry({ rotate90: -1, straighten: -3.5, ratio: '16:9' })).toEqual(
      G({ rotate90: 3, straighten: -3.5, ratio: '16:9' }),
    );
    // A crop: clamped to the frame; a degenerate or whole one is none.
    expect(cleanGeometry({ crop: { x: 0.5, y: -1, width: 0.9, height: 0.5 } })).toEqual(
      G({ crop: { x: 0.5, y: 0, width: 0.5, height: 0.5 } }),
    );
    expect(cleanGeometry({ crop: { x: 0, y: 0, width: 0, height: 1 } })).toBeNull();
    expect(cleanGeometry({ crop: { x: 0, y: 0, width: 1, height: 1 } })).toBeNull();
    expect(cleanGeometry({ rotate90: 1.5 })).toBeNull();
  });
});

describe('output size and the output → source map', () => {
  it('is the source itself without geometry', () => {
    expect(outputSize(SRC, undefined)).toEqual(SRC);
    expect(outputToSource(SRC, IDENTITY)).toEqual({ a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 });
  });

  it('turns and mirrors land exactly on source pixel centres', () => {
    const at = (g: Geometry, x: number, y: number) => {
      const p = applyAffine(outputToSource(SRC, g), x + 0.5, y + 0.5);
      return [p.x - 0.5, p.y - 0.5];
    };
    // Clockwise: output (i, j) shows source (j, H − 1 − i).
    const cw = G({ rotate90: 1 });
    expect(outputSize(SRC, cw)).toEqual({ width: 400, height: 600 });
    expect(at(cw, 0, 0)).toEqual([0, 399]);
    expect(at(cw, 399, 0)).toEqual([0, 0]);
    expect(at(cw, 10, 20)).toEqual([20, 389]);
    expect(at(G({ rotate90: 2 }), 10, 20)).toEqual([589, 379]);
    expect(at(G({ rotate90: 3 }), 10, 20)).toEqual([579, 10]);
    expect(at(G({ flipH: true }), 10, 20)).toEqual([589, 20]);
    expect(at(G({ flipV: true }), 10, 20)).toEqual([10, 379]);
    // The mirror is of what the turn shows.
    expect(at(G({ rotate90: 1, flipH: true }), 10, 20)).toEqual([20, 10]);
  });

  it('a ratio crops the largest centred rectangle', () => {
    expect(outputSize(SRC, G({ ratio: '1:1' }))).toEqual({ width: 400, height: 400 });
    expect(outputSize(SRC, G({ ratio: '4:5' }))).toEqual({ width: 320, height: 400 });
    expect(outputSize(SRC, G({ ratio: '16:9' }))).toEqual({ width: 600, height: 338 });
    expect(outputSize(SRC, G({ rotate90: 1, ratio: 'original' }))).toEqual({
      width: 400,
      height: 600,
    });
    // A square crop of a 600×400 work starts 100 px in: pixels copied exactly.
    const p = applyAffine(outputToSource(SRC, G({ ratio: '1:1' })), 0.5, 0.5);
    expect(p).toEqual({ x: 100.5, y: 0.5 });
  });

  it('a straightened frame is cropped to hold no empty corner, keeping its shape', () => {
    const g = G({ straighten: 10 });
    const frame = SRC;
    const rect = cropRect(frame, g);
    expect(rectFits(rect, frame, 10)).toBe(true);
    expect(rect.width / rect.height).toBeCloseTo(1.5, 9);
    // As large as it can be: 1 % more no longer fits.
    const bigger = {
      x: rect.x - rect.width * 0.005,
      y: rect.y - rect.height * 0.005,
      width: rect.width * 1.01,
      height: rect.height * 1.01,
    };
    expect(rectFits(bigger, frame, 10)).toBe(false);
    // Every output corner maps inside the source.
    const out = outputSize(SRC, g);
    const m = outputToSource(SRC, g);
    for (const [x, y] of [
      [0, 0],
      [out.width, 0],
      [0, out.height],
      [out.width, out.height],
    ]) {
      const p = applyAffine(m, x!, y!);
      expect(p.x).toBeGreaterThanOrEqual(-1e-6);
      expect(p.y).toBeGreaterThanOrEqual(-1e-6);
      expect(p.x).toBeLessThanOrEqual(600 + 1e-6);
      expect(p.y).toBeLessThanOrEqual(400 + 1e-6);
    }
  });

  it('the largest centred rectangle is symmetric in the angle and whole at 0°', () => {
    expect(largestCentred(SRC, 0, 1.5)).toEqual({ width: 600, height: 400 });
    expect(largestCentred(SRC, 7, 1)).toEqual(largestCentred(SRC, -7, 1));
    expect(largestCentred(SRC, 45, 1).width).toBeLessThan(400);
  });

  it('a hand crop in a corner is moved in until it fits a straightened picture', () => {
    const g = G({ straighten: 20, crop: { x: 0, y: 0, width: 0.3, height: 0.3 } });
    const rect = cropRect(SRC, g);
    expect(rect.width).toBeCloseTo(180, 6);
    expect(rect.height).toBeCloseTo(120, 6);
    expect(rectFits(rect, SRC, 20)).toBe(true);
    expect(rect.x).toBeGreaterThan(0);
  });

  it('maps output fractions to source fractions and back', () => {
    const g = G({ rotate90: 3, flipV: true, straighten: -12.5, ratio: '4:5' });
    for (const [fx, fy] of [
      [0.1, 0.2],
      [0.5, 0.5],
      [0.9, 0.7],
    ]) {
      const s = outputFractionToSource(SRC, g, fx!, fy!);
      const back = sourceFractionToOutput(SRC, g, s.x, s.y);
      expect(back.x).toBeCloseTo(fx!, 9);
      expect(back.y).toBeCloseTo(fy!, 9);
    }
    // The output's centre is the source's centre (everything turns about it).
    const c = outputFractionToSource(SRC, g, 0.5, 0.5);
    expect(c.x).toBeCloseTo(0.5, 9);
    expect(c.y).toBeCloseTo(0.5, 9);
    const m = outputToSource(SRC, g);
    const id = applyAffine(
      invertAffine(m),
      ...(Object.values(applyAffine(m, 3, 4)) as [number, number]),
    );
    expect(id.x).toBeCloseTo(3, 9);
    expect(id.y).toBeCloseTo(4, 9);
  });
});

describe('the panel edits act on what is shown', () => {
  // Where output point (x, y) of `g` comes from in the source.
  const from = (g: Geometry | null, x: number, y: number) =>
    applyAffine(outputToSource(SRC, g ?? IDENTITY), x, y);
  const cases: Geometry[] = [
    IDENTITY,
    G({ straighten: 8 }),
    G({ flipH: true, straighten: -5 }),
    G({ rotate90: 1, flipV: true, ratio: '3:2' }),
    G({ rotate90: 2, flipH: true, flipV: true, crop: { x: 0.1, y: 0.2, width: 0.5, height: 0.4 } }),
  ];

  it.each(cases)('a clockwise turn shows the picture turned clockwise (%j)', (g) => {
    const out = outputSize(SRC, g);
    const turned = rotateGeometry(g, 1);
    expect(outputSize(SRC, turned ?? IDENTITY)).toEqual({ width: out.height, height: out.width });
    // New (x′, y′) shows what old (y′, H − x′) showed.
    for (const [x, y] of [
      [5, 7],
      [out.height - 3, 11],
    ]) {
      const a = from(turned, x!, y!);
      const b = from(g, y!, out.height - x!);
      expect(a.x).toBeCloseTo(b.x, 6);
      expect(a.y).toBeCloseTo(b.y, 6);
    }
    // Four turns, or one each way, come back.
    let back: Geometry | null = g;
    for (let i = 0; i < 4; i++) back = rotateGeometry(back ?? undefined, 1);
    expect(near(back)).toEqual(g);
    expect(near(rotateGeometry(turned ?? undefined, -1))).toEqual(g);
  });

  it.each(cases)('a flip mirrors what is shown (%j)', (g) => {
    const out = outputSize(SRC, g);
    for (const axis of ['h', 'v'] as const) {
      const flipped = flipGeometry(g, axis);
      expect(outputSize(SRC, flipped ?? IDENTITY)).toEqual(out);
      const [x, y] = [13, 17];
      const a = from(flipped, x, y);
      const b = axis === 'h' ? from(g, out.width - x, y) : from(g, x, out.height - y);
      expect(a.x).toBeCloseTo(b.x, 6);
      expect(a.y).toBeCloseTo(b.y, 6);
      expect(near(flipGeometry(flipped ?? undefined, axis))).toEqual(g);
    }
  });

  it('a ratio starts its crop again; straighten clamps; identity edits give none', () => {
    const g = ratioGeometry(G({ crop: { x: 0, y: 0, width: 0.5, height: 0.5 } }), '1:1');
    expect(g).toEqual(G({ ratio: '1:1' }));
    expect(straightenGeometry(undefined, 80)?.straighten).toBe(45);
    expect(straightenGeometry(G({ straighten: 3 }), 0)).toBeNull();
    expect(flipGeometry(flipGeometry(undefined, 'h') ?? undefined, 'h')).toBeNull();
  });

  it('Draw horizon levels the drawn line', () => {
    // A line falling 5° to the right: turn 5° back.
    const rad = (5 * Math.PI) / 180;
    const line = { x0: 10, y0: 10, x1: 10 + 100 * Math.cos(rad), y1: 10 + 100 * Math.sin(rad) };
    expect(levelHorizon(0, line)).toBeCloseTo(-5, 2);
    // Drawn right to left, the same line; on top of an angle already set, added to it.
    const back = { x0: line.x1, y0: line.y1, x1: line.x0, y1: line.y0 };
    expect(levelHorizon(2, back)).toBeCloseTo(-3, 2);
    expect(levelHorizon(0, { x0: 0, y0: 0, x1: 1, y1: 1 })).toBeNull();
    expect(levelHorizon(-40, { x0: 0, y0: 0, x1: 100, y1: 100 })).toBe(-45);
  });
});

describe('the crop tool', () => {
  it('shows the picture uncropped while the crop is drawn', () => {
    expect(uncroppedGeometry(null)).toBeNull();
    expect(uncroppedGeometry(G({ ratio: '1:1' }))).toBeNull();
    const g = G({
      rotate90: 1,
      straighten: 5,
      ratio: '16:9',
      crop: { x: 0.1, y: 0.1, width: 0.5, height: 0.5 },
    });
    expect(uncroppedGeometry(g)).toEqual(G({ rotate90: 1, straighten: 5 }));
  });

  it('lays out the frame, the shown part and the crop in frame pixels', () => {
    const plain = cropLayout(SRC, null);
    expect(plain.frame).toEqual(SRC);
    expect(plain.shown).toEqual({ x: 0, y: 0, width: 600, height: 400 });
    expect(plain.crop).toEqual(plain.shown);
    const turned = cropLayout(SRC, G({ rotate90: 1, ratio: '1:1' }));
    expect(turned.frame).toEqual({ width: 400, height: 600 });
    expect(turned.shown).toEqual({ x: 0, y: 0, width: 400, height: 600 });
    expect(turned.crop.width).toBeCloseTo(400, 6);
    expect(turned.crop.height).toBeCloseTo(400, 6);
    expect(turned.crop.y).toBeCloseTo(100, 6);
    // Straightened: the shown part holds no empty corner, and the crop lies inside it.
    const tilted = cropLayout(
      SRC,
      G({ straighten: 10, crop: { x: 0.3, y: 0.3, width: 0.2, height: 0.2 } }),
    );
    expect(rectFits(tilted.shown, tilted.frame, 10)).toBe(true);
    expect(tilted.shown.width).toBeLessThan(600);
    expect(tilted.crop).toEqual({ x: 180, y: 120, width: 120, height: 80 });
  });

  it('turns a drawn rectangle into stored fractions, kept inside the shown part', () => {
    const layout = cropLayout(SRC, null);
    expect(cropFromRect({ x: 60, y: 40, width: 300, height: 200 }, layout)).toEqual({
      x: 0.1,
      y: 0.1,
      width: 0.5,
      height: 0.5,
    });
    // Dragged past the edge: moved back in; a tiny one grows to the least size.
    const out = cropFromRect({ x: 500, y: -30, width: 300, height: 2 }, layout);
    expect(out.x * 600 + out.width * 600).toBeCloseTo(600, 9);
    expect(out.y).toBe(0);
    expect(out.height * 400).toBe(8);
    // Through the geometry, the drawn crop is the output.
    const g = cropGeometry(
      G({ rotate90: 1 }),
      cropFromRect({ x: 0, y: 0, width: 200, height: 300 }, cropLayout(SRC, G({ rotate90: 1 }))),
    );
    expect(outputSize(SRC, g)).toEqual({ width: 200, height: 300 });
  });
});
