/** Tiling plans cover every pixel once, with halos inside the image. */
import { describe, expect, it } from 'vitest';
import { checkImage, cropImage, downscale, pasteTile, planTiles } from './image';

describe('tiles', () => {
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

  it('crop then paste reproduces the image', () => {
    const w = 50;
    const h = 37;
    const data = new Uint8Array(w * h * 4).map((_, i) => i % 251);
    const out = new Uint8Array(data.length);
    for (const tile of planTiles(w, h, 3, 20 * 20)) {
      pasteTile(out, w, tile, cropImage({ width: w, height: h, data }, tile.crop));
    }
    expect(out).toEqual(data);
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
