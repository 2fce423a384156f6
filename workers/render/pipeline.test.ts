/**
 * The stage loop with a runner that keeps images resident between stages (as the GPU path keeps
 * them in GPU buffers): only the last stage returns pixels, so a stack with effects before and
 * after a scaler crosses to memory once per output tile; every resident image is released once,
 * on success and on failure; the preview memo recognises a resident input by its origin. The
 * "resident" store is a fake (plain arrays that count their crossings); the effects are the real
 * CPU path and the scaler a nearest-neighbour 2× stand-in, so the pixels are checkable.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { layer, neuralEffect } from '../../src/shared/effects/registry';
import { planStages, type ScaleStage } from '../../src/shared/effects/stages';
import type { EffectStack } from '../../src/shared/effects/types';
import { CpuRenderer } from './cpu';
import { PreviewMemo } from './preview-memo';
import { pasteTile, planTiles, scaleTile, type RgbaImage } from './image';
import {
  isResident,
  renderStages,
  type Resident,
  type StageHooks,
  type StageRunners,
} from './pipeline';

ort.env.wasm.numThreads = 1;

const nn = neuralEffect('nn2x', 'Nearest 2×', 1, 2);
const neural = new Map([[nn.id, nn]]);
const cpu = new CpuRenderer(ort, () => Promise.reject(new Error('no models here')));
afterAll(() => cpu.dispose());

function testImage(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + (i >> 5) * 11) & 255;
  return { width, height, data };
}

/** Nearest-neighbour `factor`× of a crop (the scaler stand-in). */
function nearest(image: RgbaImage, factor: number): Uint8Array {
  const w = image.width * factor;
  const out = new Uint8Array(w * image.height * factor * 4);
  for (let y = 0; y < image.height * factor; y++) {
    for (let x = 0; x < w; x++) {
      const from = (Math.floor(y / factor) * image.width + Math.floor(x / factor)) * 4;
      out.set(image.data.subarray(from, from + 4), (y * w + x) * 4);
    }
  }
  return out;
}

/** A fake resident image: pixels "elsewhere", counted when they cross and when released. */
class Kept implements Resident {
  static live = new Set<Kept>();
  released = 0;
  constructor(
    readonly width: number,
    readonly height: number,
    readonly pixels: Uint8Array,
  ) {
    Kept.live.add(this);
  }
  release(): void {
    this.released++;
    Kept.live.delete(this);
  }
}

/** Runners that keep results resident when allowed, counting what crosses to/from memory. */
function residentRunners(counts: { uploads: number; readbacks: number; scales: number }) {
  const take = (image: RgbaImage | Kept): RgbaImage => {
    if (isResident(image)) {
      expect(image.released, 'a stage read a released image').toBe(0);
      return { width: image.width, height: image.height, data: image.pixels };
    }
    counts.uploads++;
    return image;
  };
  const give = (
    width: number,
    height: number,
    data: Uint8Array,
    tiles: number,
    hooks: StageHooks,
  ) => {
    if (hooks.keep) return { resident: new Kept(width, height, data), tiles };
    counts.readbacks += tiles;
    return { data, tiles };
  };
  const runners: StageRunners<Kept> = {
    effects: async (image, layout, hooks) => {
      const src = take(image);
      const out = await cpu.render(src, layout, hooks);
      return give(src.width, src.height, out.data, out.tiles, hooks);
    },
    scale: async (image, stage: ScaleStage, hooks) => {
      counts.scales++;
      const src = take(image);
      const f = stage.factor;
      const [w, h] = [src.width * f, src.height * f];
      const tiles = planTiles(src.width, src.height, stage.reach, hooks.budget ?? 1 << 20);
      const out = new Uint8Array(w * h * 4);
      for (const [i, tile] of tiles.entries()) {
        pasteTile(out, w, scaleTile(tile, f), crop(src, tile.crop, f));
        await hooks.onTile?.(i + 1, tiles.length);
      }
      return { ...give(w, h, out, tiles.length, hooks), width: w, height: h };
    },
  };
  return runners;
}

function crop(image: RgbaImage, rect: { x: number; y: number; w: number; h: number }, f: number) {
  const data = new Uint8Array(rect.w * rect.h * 4);
  for (let r = 0; r < rect.h; r++) {
    const from = ((rect.y + r) * image.width + rect.x) * 4;
    data.set(image.data.subarray(from, from + rect.w * 4), r * rect.w * 4);
  }
  return nearest({ width: rect.w, height: rect.h, data }, f);
}

const cpuRunners: StageRunners = {
  effects: (image, layout, hooks) => cpu.render(image, layout, hooks),
  scale: (image, stage, hooks) => {
    const f = stage.factor;
    return Promise.resolve({
      data: nearest(image, f),
      tiles: 1,
      width: image.width * f,
      height: image.height * f,
    }).then(async (out) => (await hooks.onTile?.(1, 1), out));
  },
};

const STACK: EffectStack = {
  effects: [
    layer('contrast', { amount: 0.3 }),
    layer(nn.id),
    layer('vignette', { amount: 0.6 }),
    layer('blur', { sigma: 1 }),
  ],
};

describe('stages with resident images (the GPU path’s shape)', () => {
  it('effects → scaler → effects: one upload per first-stage tile, one readback per output tile', async () => {
    const image = testImage(24, 18);
    const reference = await renderStages({ image, stack: STACK }, neural, cpuRunners);
    for (const budget of [undefined, 12 * 12]) {
      const counts = { uploads: 0, readbacks: 0, scales: 0 };
      const out = await renderStages(
        { image, stack: STACK, ...(budget ? { budget } : {}) },
        neural,
        residentRunners(counts),
      );
      expect([out.image.width, out.image.height]).toEqual([48, 36]);
      expect(out.stages).toBe(3);
      expect(out.image.data).toEqual(reference.image.data);
      // The first stage reads the request's pixels once; the middle stages' results stay
      // resident; only the last stage's tiles come back (a CPU runner's stages each return pixels).
      expect(counts.uploads).toBe(1);
      const last = planStages(STACK, { neural }).stages[2]!;
      if (last.kind !== 'effects') throw new Error('expected effects last');
      const lastTiles = planTiles(48, 36, last.layout.reach, budget ?? 1 << 20).length;
      expect(lastTiles > 1).toBe(!!budget);
      expect(counts.readbacks).toBe(lastTiles);
      expect(out.tiles).toBeGreaterThan(lastTiles);
      expect(Kept.live.size, 'every resident image released').toBe(0);
    }
  });

  it('a failing stage releases the resident image it was given', async () => {
    const counts = { uploads: 0, readbacks: 0, scales: 0 };
    const runners = residentRunners(counts);
    let calls = 0;
    const failing: StageRunners<Kept> = {
      ...runners,
      effects: (image, layout, hooks) =>
        ++calls === 2
          ? Promise.reject(new Error('lost mid-stage'))
          : runners.effects(image, layout, hooks),
    };
    const error = await renderStages(
      { image: testImage(20, 10), stack: STACK },
      neural,
      failing,
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('lost mid-stage');
    expect(Kept.live.size).toBe(0);
    expect(counts.readbacks).toBe(0);
  });

  it('the preview memo keeps the neural prefix resident: an effect after the scaler skips it and the effects before', async () => {
    const memo = new PreviewMemo<Kept>({
      clone: (k) => new Kept(k.width, k.height, k.pixels.slice()),
    });
    const counts = { uploads: 0, readbacks: 0, scales: 0 };
    const runners = residentRunners(counts);
    const image = testImage(20, 12);
    const preview = { sourceScale: 1, box: { width: 100, height: 100 } };
    const stackWith = (vignette: number, contrast = 0.3): EffectStack => ({
      effects: [
        layer('contrast', { amount: contrast }),
        layer(nn.id),
        layer('vignette', { amount: vignette }),
      ],
    });
    const render = (stack: EffectStack, img = image) =>
      renderStages({ image: img, stack, preview }, neural, runners, undefined, memo);
    const a = await render(stackWith(0.2));
    expect([a.networks, counts.uploads]).toEqual([1, 1]);
    const b = await render(stackWith(0.9));
    // Nothing before the last network ran again: no upload, no scale.
    expect([counts.scales, memo.hits, b.networks, counts.uploads]).toEqual([1, 1, 0, 1]);
    const fresh = await renderStages({ image, stack: stackWith(0.9) }, neural, cpuRunners);
    expect(b.image.data).toEqual(fresh.image.data);
    // The memo holds one resident copy; the renders released all of theirs.
    expect(Kept.live.size).toBe(1);
    // A change before the scaler changes the prefix: it runs again.
    await render(stackWith(0.9, 0.5));
    expect([counts.scales, memo.hits]).toEqual([2, 1]);
    // A different input with the same stack: it runs again.
    const other = testImage(20, 12);
    other.data[0] = other.data[0]! ^ 1;
    await render(stackWith(0.9, 0.5), other);
    expect(counts.scales).toBe(3);
    // Going back to an earlier prefix (still among the few kept) skips the network again.
    await render(stackWith(0.4));
    expect([counts.scales, memo.hits]).toEqual([3, 2]);
    expect(memo.size).toBe(3);
    memo.clear();
    expect(Kept.live.size).toBe(0);
  });

  it('the preview memo stays within its entries and bytes', async () => {
    const memo = new PreviewMemo<Kept>({
      clone: (k) => new Kept(k.width, k.height, k.pixels.slice()),
      maxEntries: 2,
      maxBytes: 3 * (20 * 12 * 4 + 40 * 24 * 4),
    });
    const runners = residentRunners({ uploads: 0, readbacks: 0, scales: 0 });
    const preview = { sourceScale: 1, box: { width: 100, height: 100 } };
    for (let k = 0; k < 5; k++) {
      const stack = { effects: [layer('contrast', { amount: k / 10 }), layer(nn.id)] };
      await renderStages(
        { image: testImage(20, 12), stack, preview },
        neural,
        runners,
        undefined,
        memo,
      );
      expect(memo.size).toBe(Math.min(2, k + 1));
    }
    const tight = new PreviewMemo<Kept>({ maxBytes: 20 * 12 * 4 });
    const pixels = { width: 20, height: 12, data: new Uint8Array(20 * 12 * 4) };
    tight.put('k', pixels.data, pixels, {});
    expect([tight.size, tight.bytes]).toEqual([0, 0]);
    memo.clear();
    expect(Kept.live.size).toBe(0);
  });
});
