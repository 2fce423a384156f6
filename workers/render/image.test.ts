/** Tiling plans cover every pixel once, with halos inside the image. */
import { describe, expect, it } from 'vitest';
import {
  checkImage,
  cropForLane,
  cropImage,
  downscale,
  MIN_BAND_PIXELS,
  pasteTile,
  planTiles,
  scaleTile,
  type Tile,
} from './image';

/** How many cores cover each pixel (every one must be 1). */
function coverage(w: number, h: number, tiles: Tile[]): Uint8Array {
  const count = new Uint8Array(w * h);
  for (const { core } of tiles) {
    for (let y = core.y; y < core.y + core.h; y++) {
      for (let x = core.x; x < core.x + core.w; x++) count[y * w + x]! += 1;
    }
  }
  return count;
}

describe('tiles', () => {
  it.each([
    [61, 45, 6, 28 * 28, 2],
    [100, 37, 5, 40 * 40, 3],
  ])(
    'a scaler %i×%i halo %i budget %i ×%i: output cores cover the output once, inside 2× crops',
    (w, h, halo, budget, f) => {
      const tiles = planTiles(w, h, halo, budget);
      expect(tiles.length).toBeGreaterThan(1);
      const count = new Uint8Array(w * f * h * f);
      for (const tile of tiles) {
        const { core, crop } = scaleTile(tile, f);
        // The output crop is the input crop × f (what the network returns for it).
        expect(crop).toEqual({
          x: tile.crop.x * f,
          y: tile.crop.y * f,
          w: tile.crop.w * f,
          h: tile.crop.h * f,
        });
        // Each kept output pixel's input neighbourhood (halo input px) lies inside the crop,
        // unless the crop is clipped by the image's edge.
        if (tile.crop.x > 0) expect(core.x - crop.x).toBe(halo * f);
        if (tile.crop.x + tile.crop.w < w)
          expect(crop.x + crop.w - (core.x + core.w)).toBe(halo * f);
        for (let y = core.y; y < core.y + core.h; y++) {
          for (let x = core.x; x < core.x + core.w; x++) count[y * w * f + x]! += 1;
        }
      }
      expect(count.every((c) => c === 1)).toBe(true);
    },
  );

  it.each([
    [100, 80, 0, 50 * 50],
    [257, 131, 9, 64 * 64],
    [40, 30, 4, 24 * 24],
  ])('%i×%i halo %i budget %i: cores cover the image exactly once', (w, h, halo, budget) => {
    const tiles = planTiles(w, h, halo, budget);
    const count = new Uint8Array(w * h);
    for (const { core, crop } of tiles) {
      expect(crop.x).toBe(Math.max(0, core.x - halo));
      expect(crop.x + crop.w).toBe(Math.min(w, core.x + core.w + halo));
      for (let y = core.y; y < core.y + core.h; y++) {
        for (let x = core.x; x < core.x + core.w; x++) count[y * w + x]! += 1;
      }
    }
    expect(count.every((c) => c === 1)).toBe(true);
    expect(tiles.length).toBeGreaterThan(1);
  });

  it.each([
    [1024, 1024, 9, 1 << 20, 2, 4],
    [1280, 960, 9, 1 << 20, 2, 4],
    [1280, 960, 9, 1 << 20, 4, 8],
    [1024, 1024, 0, 1 << 20, 3, 6],
    [2048, 1024, 9, 1 << 20, 2, 4],
    [4000, 1500, 9, 1 << 20, 2, 8],
    // Too small for two bands a lane: one each.
    [400, 400, 9, 1 << 20, 2, 2],
    [4096, 60, 3, 1 << 20, 2, 2],
  ])(
    '%i×%i halo %i budget %i for %i lanes: %i equal full-width bands (two a lane when big)',
    (w, h, halo, budget, parallel, n) => {
      const tiles = planTiles(w, h, halo, budget, parallel);
      expect(tiles).toHaveLength(n);
      expect(coverage(w, h, tiles).every((c) => c === 1)).toBe(true);
      const rows = tiles.map((t) => t.core.h);
      expect(Math.max(...rows) - Math.min(...rows)).toBeLessThanOrEqual(n);
      for (const { core, crop } of tiles) {
        expect(core.w).toBe(w);
        expect(crop.w * crop.h).toBeLessThanOrEqual(budget);
        expect(crop.y).toBe(Math.max(0, core.y - halo));
        expect(crop.y + crop.h).toBe(Math.min(h, core.y + core.h + halo));
      }
    },
  );

  it('keeps tiny images whole and big ones in budget tiles, whatever the lanes', () => {
    expect(planTiles(200, 200, 9, 1 << 20, 2)).toHaveLength(1);
    expect(200 * 200).toBeLessThan(2 * MIN_BAND_PIXELS);
    // Bands thinner than two halos would double the work.
    expect(planTiles(4096, 40, 30, 1 << 20, 2)).toHaveLength(1);
    // 12 MP: bands would not fit 1 MP crops; the budget's grid is used as with one lane.
    expect(planTiles(4000, 3000, 9, 1 << 20, 2)).toEqual(planTiles(4000, 3000, 9, 1 << 20));
  });

  it('a full-width band of shared pixels is a view; anything else an owned copy (unless strided)', () => {
    const w = 20;
    const h = 10;
    const plain = new Uint8Array(w * h * 4).map((_, i) => i % 251);
    const shared = new Uint8Array(new SharedArrayBuffer(w * h * 4));
    shared.set(plain);
    const band = { x: 0, y: 3, w, h: 4 };
    const view = cropForLane({ width: w, height: h, data: shared }, band);
    expect(view.owned).toBe(false);
    expect(view.pixels.buffer).toBe(shared.buffer);
    expect([...view.pixels]).toEqual([...plain.subarray(3 * w * 4, 7 * w * 4)]);
    for (const [data, rect] of [
      [plain, band],
      [shared, { x: 2, y: 3, w: 5, h: 4 }],
    ] as const) {
      const copy = cropForLane({ width: w, height: h, data }, rect);
      expect(copy.owned).toBe(true);
      expect(copy.pixels.buffer).not.toBe(data.buffer);
      expect([...copy.pixels]).toEqual([...cropImage({ width: w, height: h, data: plain }, rect)]);
      expect(copy.stride).toBe(rect.w);
    }
    // For a reader of strided rows (the CPU engine) any crop of shared pixels is a view.
    const rect = { x: 2, y: 3, w: 5, h: 4 };
    const strided = cropForLane({ width: w, height: h, data: shared }, rect, true);
    expect(strided.owned).toBe(false);
    expect(strided.pixels.buffer).toBe(shared.buffer);
    expect(strided.stride).toBe(w);
    const rows = Array.from({ length: rect.h }, (_, r) => [
      ...strided.pixels.subarray(r * w * 4, r * w * 4 + rect.w * 4),
    ]).flat();
    expect(rows).toEqual([...cropImage({ width: w, height: h, data: plain }, rect)]);
    expect(strided.pixels.length).toBe(((rect.h - 1) * w + rect.w) * 4);
  });

  it('crop then paste reproduces the image', () => {
    const w = 50;
    const h = 37;
    const data = new Uint8Array(w * h * 4).map((_, i) => i % 251);
    const out = new Uint8Array(data.length);
    for (const tile of planTiles(w, h, 3, 20 * 20)) {
      pasteTile(out, w, tile, cropImage({ width: w, height: h, data }, tile.crop));
    }
    expect(out).toEqual(data);
    // Bands as wide as the image (the lanes' tiles), each pasted in one copy.
    const big = {
      width: 400,
      height: 400,
      data: new Uint8Array(400 * 400 * 4).map((_, i) => i % 253),
    };
    const bands = planTiles(400, 400, 9, 1 << 20, 2);
    expect(bands.length).toBeGreaterThan(1);
    expect(bands.every((t) => t.crop.w === 400 && t.core.w === 400)).toBe(true);
    const banded = new Uint8Array(big.data.length);
    for (const tile of bands) pasteTile(banded, 400, tile, cropImage(big, tile.crop));
    expect(banded).toEqual(big.data);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => checkImage({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(
      'The pixel buffer holds 15 bytes; a 2×2 RGBA image needs 16.',
    );
  });

  it('downscales by box averaging', () => {
    const data = new Uint8Array([
      0, 0, 0, 255, 100, 100, 100, 255, 50, 50, 50, 255, 150, 150, 150, 255,
    ]);
    const small = downscale({ width: 2, height: 2, data }, 1, 1);
    expect([...small.data]).toEqual([75, 75, 75, 255]);
  });
});
