/**
 * Upscale 2× on the CPU path (ORT WASM, Node, one thread): a 1 MP image → 4 MP through the
 * render stages (RGBA8 wrapper graph, 512² input tiles with the manifest's halo), side by side with the
 * bare network run once on the whole image as float planar (no tiling, no conversion): the
 * ratio is what tiling and the wrapper cost. Also the same upscale with a two-effect stack after
 * it at 4 MP (contrast, vignette), the whole stack as the Render room runs it.
 * In Chromium (the built app, WASM with all threads): the same 1 MP → 4 MP upscale, and a
 * preview's slider move after an upscale (the network's output kept) vs the first preview.
 *
 * Run: npx vitest run --project bench test/bench/upscale.bench.ts
 * (BENCH_SKIP_BUILD=1 reuses dist-bench-upscale; BENCH_PORT defaults to 4823.)
 */
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { openStudio, waitForReady } from '../e2e/browser';
import { buildStudio, startPreview, type Preview } from '../e2e/server';
import { layer, neuralEffect } from '../../src/shared/effects/registry';
import { CpuRenderer } from '../../workers/render/cpu';
import { renderStages, type StageRunners } from '../../workers/render/pipeline';
import { CpuScaler } from '../../workers/render/scale';
import { record, sideBySide, time } from './measure';

ort.env.wasm.numThreads = 1;
const model = new Uint8Array(
  readFileSync(join(import.meta.dirname, '../../models/upscale2x/model.onnx')),
);
const entry = (
  JSON.parse(readFileSync(join(import.meta.dirname, '../../models/manifest.json'), 'utf8')) as {
    models: { id: string; tileOverlap?: number }[];
  }
).models.find((m) => m.id === 'upscale2x');
const up = neuralEffect('upscale2x', 'Upscale 2×', entry?.tileOverlap ?? 8, 2);
const neural = new Map([[up.id, up]]);
const scaler = new CpuScaler(ort, () => Promise.resolve(model));
const cpu = new CpuRenderer(ort);
const runners: StageRunners = {
  effects: (image, layout, hooks) => cpu.render(image, layout, hooks),
  scale: (image, stage, hooks) => scaler.render(image, stage, hooks),
};
const OUT_DIR = process.env.BENCH_OUTDIR ?? 'dist-bench-upscale';
let preview: Preview;
beforeAll(async () => {
  if (process.env.BENCH_SKIP_BUILD !== '1') buildStudio({ outDir: OUT_DIR });
  preview = await startPreview({ outDir: OUT_DIR, port: Number(process.env.BENCH_PORT ?? 4823) });
}, 600_000);
afterAll(async () => {
  preview?.stop();
  await scaler.dispose();
  await cpu.dispose();
});

it('1 MP → 4 MP upscale on WASM (one thread)', { timeout: 600_000 }, async () => {
  const side = 1024;
  const data = new Uint8Array(side * side * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const image = { width: side, height: side, data };
  const planar = new Float32Array(3 * side * side).map((_, i) => data[i]! / 255);
  const bare = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const load = () => loadavg()[0]!.toFixed(2);
  const loadBefore = load();
  const r = await sideBySide(
    () => time(() => renderStages({ image, stack: { effects: [layer(up.id)] } }, neural, runners)),
    () => time(() => bare.run({ image: new ort.Tensor('float32', planar, [1, 3, side, side]) })),
    { runs: 3, warmup: 1 },
  );
  const stack = {
    effects: [layer(up.id), layer('contrast', { amount: 0.2 }), layer('vignette')],
  };
  const withEffects = [] as number[];
  for (let i = 0; i < 2; i++) {
    withEffects.push(await time(() => renderStages({ image, stack }, neural, runners)));
  }
  await bare.release();
  const note = `Node ORT-web WASM, 1 thread, ${cpus().length} cores; loadavg ${loadBefore} → ${load()}`;
  record({
    name: 'upscale 2× 1 MP → 4 MP (stages, tiled 512²)',
    value: r.medianA,
    unit: 'ms',
    baseline: r.medianB,
    ratio: r.ratio,
    backend: 'wasm',
    note: `baseline: the bare network once on the whole 1 MP (float in/out); ${note}`,
  });
  record({
    name: 'upscale 2× + contrast + vignette at 4 MP',
    value: Math.min(...withEffects),
    unit: 'ms',
    backend: 'wasm',
    note: `best of 2; ${note}`,
  });
  console.log({ stages: r.a, bare: r.b, withEffects, loadBefore, loadAfter: load() });
});

it(
  'in Chromium: 1 MP → 4 MP on WASM (all threads), and a slider after the upscale',
  { timeout: 600_000 },
  async () => {
    const session = await openStudio({
      baseURL: preview.url,
      mode: { name: 'wasm', webgpu: false },
    });
    try {
      await waitForReady(session.page);
      await session.page.waitForFunction(() => '__atelier' in globalThis);
      const loadBefore = loadavg()[0]!.toFixed(2);
      const t = await session.page.evaluate(async () => {
        type Hooks = { render: (o: unknown) => Promise<{ width: number }> };
        const hooks = (globalThis as unknown as { __atelier: Hooks }).__atelier;
        const image = (w: number, h: number) => {
          const data = new Uint8Array(w * h * 4);
          for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
          return { width: w, height: h, data };
        };
        const fx = (effectId: string, params: Record<string, number> = {}) => ({
          id: effectId,
          effectId,
          enabled: true,
          params,
        });
        const time = async (fn: () => Promise<unknown>) => {
          const t0 = performance.now();
          await fn();
          return performance.now() - t0;
        };
        const mp1 = image(1024, 1024);
        const stack = { effects: [fx('neural:upscale2x')] };
        await hooks.render({ image: image(64, 64), stack, backend: 'wasm' });
        const full: number[] = [];
        for (let i = 0; i < 2; i++) {
          full.push(await time(() => hooks.render({ image: mp1, stack, backend: 'wasm' })));
        }
        // A small work previewed at 2× (it fits the box): first frame, then a vignette slider.
        const small = image(480, 360);
        const previewOf = (amount: number) =>
          hooks.render({
            image: small,
            stack: { effects: [fx('neural:upscale2x'), fx('vignette', { amount })] },
            backend: 'wasm',
            preview: { sourceScale: 1, box: { width: 1280, height: 960 } },
          });
        const first = await time(() => previewOf(0.2));
        const slider: number[] = [];
        for (let i = 0; i < 3; i++) slider.push(await time(() => previewOf(0.3 + 0.1 * i)));
        return {
          full,
          first,
          slider,
          threads: Math.min(8, navigator.hardwareConcurrency),
          isolated: crossOriginIsolated,
        };
      });
      const note = `Chromium, ORT-web WASM, ${t.isolated ? t.threads : 1} threads; loadavg ${loadBefore} → ${loadavg()[0]!.toFixed(2)}`;
      record({
        name: 'upscale 2× 1 MP → 4 MP in Chromium (WASM)',
        value: Math.min(...t.full),
        unit: 'ms',
        backend: 'wasm',
        note: `best of ${t.full.length}; ${note}`,
      });
      const sliderMedian = [...t.slider].sort((a, b) => a - b)[1]!;
      record({
        name: 'preview after an upscale: slider move (480×360 → 960×720 frame)',
        value: sliderMedian,
        unit: 'ms',
        baseline: t.first,
        ratio: t.first / sliderMedian,
        backend: 'wasm',
        note: `baseline: the first preview (network runs); the slider reuses the kept upscale; median of 3; ${note}`,
      });
      console.log(t);
    } finally {
      await session.close();
    }
  },
);
