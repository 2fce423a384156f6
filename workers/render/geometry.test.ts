/**
 * The geometry resample: turns and flips are exact permutations of the source's pixels, a crop
 * an exact copy, no geometry (or straighten 0) the source itself, a straighten a bilinear sample
 * of the right point; through the stages (the real CPU path) it frames the source before every
 * effect, tiled renders equal untiled ones and a region render the same rectangle of the whole.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cpuStageRunners, patternedPhoto } from '../../test/fixtures/render/cpu-stages';
import { layer } from '../../src/shared/effects/registry';
import type { EffectStack, Geometry } from '../../src/shared/effects/types';
import { cleanGeometry, IDENTITY } from '../../src/shared/render-room/geometry';
import { applyGeometry } from './geometry';
import { cropImage, type RgbaImage } from './image';
import { renderStages } from './pipeline';

const { cpu, runners } = cpuStageRunners();
afterAll(() => cpu.dispose());

const G = (g: Partial<Geometry>): Geometry => ({ ...IDENTITY, ...g });
const px = (image: RgbaImage, x: number, y: number) =>
  Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));

/** Node's own turn/mirror of `image`: output (x, y) takes source `at(x, y)`. */
function permuted(
  image: RgbaImage,
  width: number,
  height: number,
  at: (x: number, y: number) => [number, number],
): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = at(x, y);
      data.set(px(image, sx, sy), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

describe('applyGeometry', () => {
  const image = patternedPhoto(31, 19);
  const { width: W, height: H } = image;

  it('is the source itself without geometry', () => {
    expect(applyGeometry(image, null)).toBe(image);
    expect(cleanGeometry({ straighten: 0 })).toBeNull();
  });

  it('turns and flips permute the pixels exactly', () => {
    const cases: [Partial<Geometry>, number, number, (x: number, y: number) => [number, number]][] =
      [
        [{ rotate90: 1 }, H, W, (x, y) => [y, H - 1 - x]],
        [{ rotate90: 2 }, W, H, (x, y) => [W - 1 - x, H - 1 - y]],
        [{ rotate90: 3 }, H, W, (x, y) => [W - 1 - y, x]],
        [{ flipH: true }, W, H, (x, y) => [W - 1 - x, y]],
        [{ flipV: true }, W, H, (x, y) => [x, H - 1 - y]],
        [{ rotate90: 1, flipH: true }, H, W, (x, y) => [y, x]],
      ];
    for (const [g, w, h, at] of cases) {
      const out = applyGeometry(image, G(g));
      expect(out, JSON.stringify(g)).toEqual(permuted(image, w, h, at));
    }
  });

  it('a crop copies the rectangle exactly', () => {
    // 31×19 square: 19×19 from x = 6.
    const out = applyGeometry(image, G({ ratio: '1:1' }));
    expect([out.width, out.height]).toEqual([19, 19]);
    expect(out).toEqual(permuted(image, 19, 19, (x, y) => [x + 6, y]));
    const hand = applyGeometry(
      image,
      G({ crop: { x: 10 / 31, y: 3 / 19, width: 8 / 31, height: 5 / 19 } }),
    );
    expect(hand).toEqual(permuted(image, 8, 5, (x, y) => [x + 10, y + 3]));
  });

  it('a straighten samples the turned point bilinearly, without empty corners', () => {
    // A smooth image: bilinear sampling of it is the plane itself.
    const w = 64;
    const h = 48;
    const data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) data.set([2 * x + 40, 3 * y + 40, 100, 255], (y * w + x) * 4);
    }
    const plane = { width: w, height: h, data };
    const out = applyGeometry(plane, G({ straighten: 10 }));
    expect(out.width).toBeLessThan(w);
    expect(out.width / out.height).toBeCloseTo(w / h, 1);
    const t = (10 * Math.PI) / 180;
    let worst = 0;
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        // The output's centre is the source's, its pixels the source's size (the crop's size
        // rounded), the picture turned 10° clockwise: turned back to find the source point.
        const dx = x + 0.5 - out.width / 2;
        const dy = y + 0.5 - out.height / 2;
        const sx = w / 2 + Math.cos(t) * dx + Math.sin(t) * dy - 0.5;
        const sy = h / 2 - Math.sin(t) * dx + Math.cos(t) * dy - 0.5;
        const [r, g] = px(out, x, y);
        worst = Math.max(worst, Math.abs(r! - (2 * sx + 40)), Math.abs(g! - (3 * sy + 40)));
      }
    }
    // Within rounding, and the rounding of the crop's size to whole pixels.
    expect(worst).toBeLessThan(2);
    // The test can fail: the other way round is far off.
    const other = applyGeometry(plane, G({ straighten: -10 }));
    expect(px(other, 0, 0)).not.toEqual(px(out, 0, 0));
  });
});

describe('geometry through the stages', () => {
  const image = patternedPhoto(121, 83);
  const STACK: EffectStack = {
    effects: [
      layer('exposure', { ev: 0.3 }),
      layer('vignette', { amount: 0.7, radius: 0.2, feather: 0.4 }),
      layer('blur', { sigma: 2 }),
    ],
    geometry: G({ rotate90: 1, flipV: true, straighten: 6.5, ratio: '4:5' }),
  };

  it('frames the source before every effect', async () => {
    const framed = applyGeometry(image, cleanGeometry(STACK.geometry));
    const whole = await renderStages({ image, stack: STACK }, new Map(), runners);
    const after = await renderStages(
      { image: framed, stack: { effects: STACK.effects } },
      new Map(),
      runners,
    );
    expect(whole.image).toEqual(after.image);
    expect(whole.image.width / whole.image.height).toBeCloseTo(0.8, 1);
    // Geometry alone: the framed pixels.
    const alone = await renderStages(
      { image, stack: { effects: [], geometry: STACK.geometry } },
      new Map(),
      runners,
    );
    expect(alone.image).toEqual(framed);
  });

  it('tiled equals untiled, and a region equals the same rectangle of the whole', async () => {
    const whole = await renderStages({ image, stack: STACK }, new Map(), runners);
    const tiled = await renderStages({ image, stack: STACK, budget: 1024 }, new Map(), runners);
    expect(tiled.tiles).toBeGreaterThan(1);
    expect(tiled.image).toEqual(whole.image);
    const { width, height } = whole.image;
    for (const region of [
      { x: 10, y: 20, width: 23, height: 17 },
      { x: width - 9, y: height - 7, width: 9, height: 7 },
      { x: 0, y: 0, width, height },
    ]) {
      const part = await renderStages({ image, stack: STACK, region }, new Map(), runners);
      const expected = cropImage(whole.image, {
        x: region.x,
        y: region.y,
        w: region.width,
        h: region.height,
      });
      expect(part.image.data, JSON.stringify(region)).toEqual(expected);
    }
  });

  it('a bad stored geometry renders as none, never a crash', async () => {
    const bad = { effects: [], geometry: { rotate90: 'x', straighten: 1e9, ratio: 7 } } as unknown;
    const out = await renderStages({ image, stack: bad as EffectStack }, new Map(), runners);
    // Straighten clamped to 45°; the rest as none.
    expect(out.image.width).toBeLessThan(image.width);
    const none = { effects: [], geometry: { rotate90: 2.5 } } as unknown;
    const same = await renderStages({ image, stack: none as EffectStack }, new Map(), runners);
    expect(same.image).toEqual(image);
  });
});
