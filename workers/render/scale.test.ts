/**
 * Upscale 2× on the CPU path in Node (ORT WASM), with the committed model: the wrapper graph
 * equals the bare network, tiles equal one crop, and a stack with effects before and after the
 * upscale runs as stages at the right sizes, refuses outputs over the budget before any work, and
 * stops within one tile.
 */
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layer, layoutStack, neuralEffect } from '../../src/shared/effects/registry';
import { planStages, type ScaleStage } from '../../src/shared/effects/stages';
import type { EffectStack } from '../../src/shared/effects/types';
import { hasCode } from '../../src/shared/errors/base';
import { CpuRenderer } from './cpu';
import type { RgbaImage } from './image';
import { fitRequest, renderStages, type StageRunners } from './pipeline';
import { PreviewMemo } from './preview-memo';
import { CpuScaler } from './scale';
import { maxDiff } from '../../test/helpers/pixels';

ort.env.wasm.numThreads = 1;

const MODELS = join(import.meta.dirname, '../../models');
const manifest = JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')) as {
  models: { id: string; scale?: number; tileOverlap?: number; files: { path: string }[] }[];
};
const entry = manifest.models.find((m) => m.id === 'upscale2x')!;
const modelBytes = new Uint8Array(readFileSync(join(MODELS, entry.files[0]!.path)));
const up = neuralEffect('upscale2x', 'Upscale 2×', entry.tileOverlap, entry.scale);
const neural = new Map([[up.id, up]]);
const loadModel = (id: string) => {
  if (id !== 'upscale2x') throw new Error(id);
  return Promise.resolve(modelBytes);
};
const scaler = new CpuScaler(ort, loadModel);
const cpu = new CpuRenderer(ort, loadModel);
afterAll(async () => {
  await scaler.dispose();
  await cpu.dispose();
});

/** Smooth gradients, a hard edge, a disc and noise; alpha varying per pixel. */
function testImage(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  let s = 777;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const i = (y * width + x) * 4;
      const disc = (x - width / 3) ** 2 + (y - height / 2) ** 2 < (height / 4) ** 2;
      data[i] = Math.round((255 * x) / (width - 1));
      data[i + 1] = disc ? 230 : x > width / 2 ? 180 : 40;
      data[i + 2] = ((s >>> 16) & 63) + 96;
      data[i + 3] = (x * 7 + y * 13) & 255;
    }
  }
  return { width, height, data };
}

const stageOf = (): ScaleStage => {
  const s = planStages({ effects: [layer(up.id)] }, { neural }).stages[0]!;
  if (s.kind !== 'scale') throw new Error('expected a scale stage');
  return s;
};

const cpuRunners: StageRunners = {
  effects: (image, layout, hooks) => cpu.render(image, layout, hooks),
  scale: (image, stage, hooks) => scaler.render(image, stage, hooks),
};

describe('Upscale 2× on the CPU path (committed model)', () => {
  const image = testImage(45, 31);

  it('doubles the size; RGB is the bare network rounded, alpha each input alpha repeated 2×2', async () => {
    const out = await scaler.render(image, stageOf());
    expect([out.width, out.height, out.tiles]).toEqual([90, 62, 1]);
    // The bare model on float planar input.
    const n = image.width * image.height;
    const planar = new Float32Array(3 * n);
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < 3; c++) planar[c * n + p] = image.data[p * 4 + c]! / 255;
    }
    const session = await ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'] });
    const res = await session.run({
      [session.inputNames[0]!]: new ort.Tensor('float32', planar, [1, 3, 31, 45]),
    });
    const y = res[session.outputNames[0]!]!.data as Float32Array;
    await session.release();
    const m = 90 * 62;
    let worst = 0;
    let changed = 0;
    for (let p = 0; p < m; p++) {
      for (let c = 0; c < 3; c++) {
        const want = Math.round(Math.min(1, Math.max(0, y[c * m + p]!)) * 255);
        worst = Math.max(worst, Math.abs(out.data[p * 4 + c]! - want));
      }
      const ox = p % 90;
      const oy = Math.floor(p / 90);
      const src = (Math.floor(oy / 2) * 45 + Math.floor(ox / 2)) * 4;
      expect(out.data[p * 4 + 3]).toBe(image.data[src + 3]);
      // Not a nearest-neighbour copy: the network adds detail.
      if (out.data[p * 4] !== image.data[src]) changed++;
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(changed).toBeGreaterThan(m / 10);
  });

  it('tiled equals untiled (halo = the model’s reach, in input pixels)', async () => {
    const big = testImage(70, 52);
    const whole = await scaler.render(big, stageOf());
    const tiled = await scaler.render(big, stageOf(), { budget: 28 * 28 });
    expect(tiled.tiles).toBeGreaterThan(4);
    expect(maxDiff(tiled.data, whole.data)).toBeLessThanOrEqual(1);
    // The check can fail: without the halo the seams show.
    const seams = await scaler.render(big, { ...stageOf(), reach: 0 }, { budget: 28 * 28 });
    expect(maxDiff(seams.data, whole.data)).toBeGreaterThan(4);
  });

  it('a stack with effects before and after: stages at 1× and 2×, tiled equals untiled', async () => {
    const stack: EffectStack = {
      effects: [
        layer('contrast', { amount: 0.2 }),
        layer('blur', { sigma: 1 }),
        layer(up.id),
        layer('vignette', { amount: 0.5 }),
        layer('sharpen', { amount: 0.5, sigma: 1 }),
      ],
    };
    const big = testImage(64, 40);
    const whole = await renderStages({ image: big, stack }, neural, cpuRunners);
    expect([whole.image.width, whole.image.height, whole.stages]).toEqual([128, 80, 3]);
    const progress: [number, number][] = [];
    const tiled = await renderStages(
      { image: big, stack, budget: 30 * 30 },
      neural,
      cpuRunners,
      (d, t) => {
        progress.push([d, t]);
      },
    );
    expect(tiled.tiles).toBeGreaterThan(10);
    expect(
      maxDiff(tiled.image.data as Uint8Array, whole.image.data as Uint8Array),
    ).toBeLessThanOrEqual(1);
    // Progress counts every tile of every stage, in order, and ends at the total.
    expect(progress.map(([d]) => d)).toEqual(Array.from({ length: tiled.tiles }, (_, i) => i + 1));
    expect(progress.at(-1)).toEqual([tiled.tiles, tiled.tiles]);
    // The same as running the stages by hand: effects, upscale, effects at 2×.
    const pre = await cpu.render(big, layoutStack({ effects: stack.effects.slice(0, 2) }));
    const mid = await scaler.render({ ...big, data: pre.data }, stageOf());
    const post = await cpu.render(
      { width: 128, height: 80, data: mid.data },
      layoutStack({ effects: stack.effects.slice(3) }),
    );
    expect(maxDiff(whole.image.data as Uint8Array, post.data)).toBe(0);
  });

  it('refuses an output over the budget before any work', async () => {
    let calls = 0;
    const counting: StageRunners = {
      effects: () => (calls++, Promise.reject(new Error('ran'))),
      scale: () => (calls++, Promise.reject(new Error('ran'))),
    };
    // 5000×4000 → 10000×8000 = 80 MP: refused (the pixels are never read).
    const huge = { width: 5000, height: 4000, data: new Uint8Array(0) };
    const error = await renderStages(
      { image: huge, stack: { effects: [layer(up.id)] } },
      neural,
      counting,
    ).catch((e: unknown) => e);
    expect(hasCode(error) && error.code).toBe('too-large');
    expect(calls).toBe(0);
  });

  it('stops within one tile when cancelled', async () => {
    const big = testImage(60, 60);
    let tiles = 0;
    const error = await renderStages(
      { image: big, stack: { effects: [layer(up.id)] }, budget: 28 * 28 },
      neural,
      cpuRunners,
      () => {
        tiles++;
        throw new DOMException('cancelled', 'AbortError');
      },
    ).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(tiles).toBe(1);
  });

  it('previews keep the last upscale: changing an effect after it skips the network', async () => {
    const memo = new PreviewMemo();
    let runs = 0;
    const runners: StageRunners = {
      effects: cpuRunners.effects,
      scale: (img, stage, hooks) => (runs++, scaler.render(img, stage, hooks)),
    };
    const img = testImage(30, 20);
    const preview = { sourceScale: 1, box: { width: 60, height: 40 } };
    const stackWith = (amount: number, ev = 0) => ({
      effects: [layer('exposure', { ev }), layer(up.id), layer('vignette', { amount })],
    });
    const render = (stack: ReturnType<typeof stackWith>) =>
      renderStages({ image: img, stack, preview }, neural, runners, undefined, memo);
    const a = await render(stackWith(0.2));
    const b = await render(stackWith(0.9));
    expect([runs, memo.hits]).toEqual([1, 1]);
    const fresh = await renderStages({ image: img, stack: stackWith(0.9) }, neural, cpuRunners);
    expect(maxDiff(b.image.data as Uint8Array, fresh.image.data as Uint8Array)).toBe(0);
    expect(maxDiff(a.image.data as Uint8Array, b.image.data as Uint8Array)).toBeGreaterThan(0);
    // A change before the upscale changes its input: the network runs again.
    await render(stackWith(0.9, 0.5));
    expect(runs).toBe(2);
    // A full-size render (no preview) never uses the memo.
    await renderStages(
      { image: img, stack: stackWith(0.9, 0.5) },
      neural,
      runners,
      undefined,
      memo,
    );
    expect(runs).toBe(3);
  });

  it('previews: a downscaled copy skips the network; a small original whose 2× fits the box runs it', () => {
    const stack = { effects: [layer('blur', { sigma: 4 }), layer(up.id)] };
    const copy = fitRequest(
      { image, stack, preview: { sourceScale: 0.5, box: { width: 2000, height: 2000 } } },
      neural,
    );
    expect([copy.skipScaling, copy.scale, copy.input]).toEqual([true, 0.5, image]);
    const small = fitRequest(
      { image, stack, preview: { sourceScale: 1, box: { width: 90, height: 62 } } },
      neural,
    );
    expect(small.skipScaling).toBe(false);
    const tooBig = fitRequest(
      { image, stack, preview: { sourceScale: 1, box: { width: 89, height: 62 } } },
      neural,
    );
    expect(tooBig.skipScaling).toBe(true);
    // An explicit size no larger than the image: downscale first, no network.
    const sized = fitRequest({ image, stack, size: { width: 15, height: 10 } }, neural);
    expect([sized.input.width, sized.skipScaling, sized.scale]).toEqual([15, true, 15 / 45]);
    // Between the image and the 2× output: render whole, downscale the result.
    const between = fitRequest({ image, stack, size: { width: 60, height: 41 } }, neural);
    expect([between.skipScaling, between.finalSize]).toEqual([false, { width: 60, height: 41 }]);
  });
});
