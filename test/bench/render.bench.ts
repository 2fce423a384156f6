/**
 * Render engine numbers, side by side in one Chromium run, medians; the CPU rows twice, as is and
 * with a CPU-heavy process beside the bench (rows marked [busy]):
 * - CPU path (the CPU engine, WebAssembly): the five-effect stack at 1 MP, and 12 MP per MP
 *   against 1 MP; the first render in a fresh page (cold worker);
 * - one fused stack vs one render per effect (1 MP);
 * - vs Canvas 2D `ctx.filter` with the equivalent brightness/contrast/saturate/blur (+ a radial
 *   gradient for the vignette), pixels read back like ours (1 MP);
 * - all cores (lanes × WASM threads) vs 1 (1 MP);
 * - preview at 1 MP after a parameter change (warm session), and a 12 MP photo previewed at screen
 *   size (1280×960, the client's `size`) after a parameter change;
 * - GPU path on SwiftShader, labelled "software" (correctness only; 0.25 MP).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { openStudio, waitForReady, waitForServiceWorker, type StudioSession } from '../e2e/browser';
import { buildStudio, startPreview, type Preview } from '../e2e/server';
import { adapterLabel, median, record, startBusyNeighbour } from './measure';

const OUT_DIR = process.env.BENCH_OUTDIR ?? 'dist-bench-render';
let preview: Preview;

beforeAll(async () => {
  if (process.env.BENCH_SKIP_BUILD !== '1') buildStudio({ outDir: OUT_DIR });
  preview = await startPreview({ outDir: OUT_DIR, port: Number(process.env.BENCH_PORT ?? 4812) });
});
afterAll(() => preview?.stop());

/** The 1-minute load average (Linux), for the notes: CPU timings on a shared box depend on it. */
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
  } catch {
    return '?';
  }
}

interface Timings {
  [name: string]: number[];
}

/** Runs in the page: builds images and times renders through the test hooks. */
async function cpuBench(page: Page): Promise<{ t: Timings; threads: number }> {
  return page.evaluate(async () => {
    type Client = {
      call: <R>(
        fn: (api: Record<string, (...a: unknown[]) => Promise<unknown>>) => Promise<R>,
      ) => Promise<R>;
    };
    type Render = (o: Record<string, unknown>) => Promise<{ data: Uint8Array }>;
    type Hooks = { render: Render; renderOnCpuWorker: Render; renderCpuClient: Client };
    const hooks = (globalThis as unknown as { __atelier: Hooks }).__atelier;
    // In shared memory, as the Render room holds its preview source (renders read it in place).
    const makeImage = (width: number, height: number) => {
      const data = new Uint8Array(new SharedArrayBuffer(width * height * 4));
      for (let i = 0; i < data.length; i += 4) {
        const p = i >> 2;
        data[i] = p % 251;
        data[i + 1] = (p >> 4) % 253;
        data[i + 2] = (p * 7) % 255;
        data[i + 3] = 255;
      }
      return { width, height, data };
    };
    const effect = (effectId: string, params: Record<string, number>) => ({
      id: effectId,
      effectId,
      enabled: true,
      params,
    });
    const five = (contrast: number) => [
      effect('exposure', { ev: 0.3 }),
      effect('contrast', { amount: contrast }),
      effect('saturation', { amount: 0.3 }),
      effect('blur', { sigma: 3 }),
      effect('vignette', { amount: 0.5 }),
    ];
    const t: Timings = {};
    const push = (k: string, v: number) => (t[k] ??= []).push(v);
    const time = async (fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    const mp1 = makeImage(1024, 1024);
    const mp12 = makeImage(4000, 3000);
    // As in the Render room, each render is written into the pixels of the one before it (the
    // frame it replaces; no new memory, see RenderOptions.into), unless `fresh`.
    const spares = new Map<unknown, Uint8Array>();
    const recycled = async (
      via: Render,
      key: unknown,
      request: Record<string, unknown>,
      fresh = false,
    ) => {
      const into = fresh ? undefined : spares.get(key);
      const out = await via({ ...request, ...(into ? { into } : {}) });
      if (!fresh) spares.set(key, out.data);
      return out;
    };
    const stackOf = (contrast: number) => ({ effects: five(contrast) });
    const fused = (image: typeof mp1, contrast = 0.2, fresh = false) =>
      recycled(hooks.render, image, { image, stack: stackOf(contrast), backend: 'wasm' }, fresh);
    // Each effect's render reads the one before; results no longer read are written into.
    const free: Uint8Array[] = [];
    const perEffect = async (image: typeof mp1) => {
      let cur: { width: number; height: number; data: Uint8Array } = image;
      for (const e of five(0.2)) {
        const into = free.pop();
        const request = { image: cur, stack: { effects: [e] }, backend: 'wasm' };
        const out = await hooks.render({ ...request, ...(into ? { into } : {}) });
        if (cur !== image) free.push(cur.data);
        cur = { width: image.width, height: image.height, data: out.data };
      }
      free.push(cur.data);
    };
    const canvas = document.createElement('canvas');
    canvas.width = 1024;
    canvas.height = 1024;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const src = document.createElement('canvas');
    src.width = 1024;
    src.height = 1024;
    const sctx = src.getContext('2d')!;
    // An editor keeps its image as ImageData: only the put, the filtered draw and the read count.
    const imageData = new ImageData(new Uint8ClampedArray(mp1.data), 1024, 1024);
    const canvasFilter = async () => {
      sctx.putImageData(imageData, 0, 0);
      ctx.filter = 'brightness(1.23) contrast(1.32) saturate(1.3) blur(3px)';
      ctx.drawImage(src, 0, 0);
      ctx.filter = 'none';
      const g = ctx.createRadialGradient(512, 512, 300, 512, 512, 724);
      g.addColorStop(0, 'rgba(0,0,0,0)');
      g.addColorStop(1, 'rgba(0,0,0,0.5)');
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, 1024, 1024);
      return ctx.getImageData(0, 0, 1024, 1024).data.length;
    };
    // The first render starts the render worker and its lanes (cold). V8 first runs WebAssembly
    // from its baseline compiler and optimises hot functions in the background, in each lane:
    // render 30 before timing and report them (the Render room's first slider moves see those).
    const firstRender = await time(() => fused(mp1));
    const warm: number[] = [];
    while (warm.length < 30) warm.push(await time(() => fused(mp1)));
    t.firstRender = [firstRender];
    t.warmup = warm;
    // Each comparison alternates its two sides, after four untimed rounds (Canvas and the
    // per-effect sessions' kernels warm up too). Ours vs Canvas, with a parameter change between:
    for (let i = -4; i < 11; i++) {
      const keep = (k: string, v: number) => i >= 0 && push(k, v);
      keep('fused1', await time(() => fused(mp1)));
      keep('canvas1', await time(canvasFilter));
      keep('fresh1', await time(() => fused(mp1, 0.2, true)));
      // A parameter change: same structure, new uniforms, warm session.
      keep('preview1', await time(() => fused(mp1, 0.2 + 0.05 * (i + 5))));
    }
    // One fused session vs one session per effect:
    for (let i = -4; i < 7; i++) {
      const keep = (k: string, v: number) => i >= 0 && push(k, v);
      keep('fusedB', await time(() => fused(mp1)));
      keep('perEffect1', await time(() => perEffect(mp1)));
    }
    // All cores vs one: a second render worker limited to one core (one WASM thread, no lanes),
    // side by side with the default one, before the 12 MP renders fill the heaps.
    await hooks.renderCpuClient.call((api) => api.configure!({ threads: 1 }));
    const oneThread = () =>
      recycled(hooks.renderOnCpuWorker, 'one core', {
        image: mp1,
        stack: stackOf(0.2),
        backend: 'wasm',
      });
    // The same warm-up for the one-core worker (its own engine, no lanes).
    for (let i = 0; i < 30; i++) await oneThread();
    for (let i = 0; i < 7; i++) {
      push('threadsAll', await time(() => fused(mp1)));
      push('threads1', await time(oneThread));
    }
    await fused(mp12);
    for (let i = 0; i < 3; i++) {
      push('fused12', await time(() => fused(mp12)));
      push('fusedB', await time(() => fused(mp1)));
    }
    // What the Render room does while a slider moves: the 12 MP photo rendered at screen size.
    const screen = (contrast: number) =>
      recycled(hooks.render, 'screen', {
        image: mp12,
        stack: stackOf(contrast),
        backend: 'wasm',
        size: { width: 1280, height: 960 },
      });
    await screen(0.2);
    for (let i = 0; i < 3; i++) push('previewScreen', await time(() => screen(0.25 + 0.05 * i)));
    return { t, threads: navigator.hardwareConcurrency };
  });
}

async function gpuBench(page: Page) {
  return page.evaluate(async () => {
    type Hooks = {
      render: (o: unknown) => Promise<{ backend: string; adapter: string | null }>;
    };
    const hooks = (globalThis as unknown as { __atelier: Hooks }).__atelier;
    const width = 512;
    const height = 512;
    const data = new Uint8Array(width * height * 4).fill(100);
    const stack = {
      effects: [
        ['exposure', { ev: 0.3 }],
        ['contrast', { amount: 0.2 }],
        ['saturation', { amount: 0.3 }],
        ['blur', { sigma: 3 }],
        ['vignette', { amount: 0.5 }],
      ].map(([effectId, params]) => ({ id: effectId, effectId, enabled: true, params })),
    };
    const run = () => hooks.render({ image: { width, height, data }, stack, backend: 'webgpu' });
    const first = await run();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await run();
      times.push(performance.now() - t0);
    }
    const adapter = await navigator.gpu?.requestAdapter();
    const info = adapter?.info;
    return {
      times,
      backend: first.backend,
      adapter: info
        ? { vendor: info.vendor, architecture: info.architecture, description: info.description }
        : null,
    };
  });
}

/** The CPU rows of one run (`busy`: with a CPU-heavy process beside it), printed and recorded. */
async function cpuRows(busy: boolean): Promise<void> {
  let session: StudioSession | undefined;
  const stopBusy = busy ? startBusyNeighbour() : () => undefined;
  try {
    session = await openStudio({ baseURL: preview.url, mode: { name: 'wasm', webgpu: false } });
    await waitForReady(session.page);
    await session.page.waitForFunction(() => '__atelier' in globalThis);
    // As on every visit after the first: the service worker has installed (its first-visit
    // precache of ~84 MB, running beside it, made the cold render below take 250–600 ms).
    await waitForServiceWorker(session.page);
    const loadBefore = loadAverage();
    const { t, threads } = await cpuBench(session.page);
    if (process.env.BENCH_RAW === '1') console.log(JSON.stringify(t));
    const when = busy ? 'busy: a CPU-heavy process beside it' : 'no other load added';
    const load = `${when}; load average ${loadBefore}→${loadAverage()} on ${threads} cores`;
    const tag = busy ? ' [busy]' : '';
    const m = (k: string) => median(t[k]!);
    const stack = 'exposure, contrast, saturation, blur σ=3, vignette';
    const rows = [
      record({
        name: `render CPU path, 5-effect stack @1 MP${tag}`,
        value: m('fused1') / 1.048576,
        unit: 'ms/MP',
        backend: 'wasm',
        note: `${stack}; 1024×1024; median of ${t.fused1!.length}; CPU engine (WebAssembly SIMD) in all ${threads} cores' lanes; image in shared memory, each result written into the one before (as the Render room does); ${load}`,
      }),
      record({
        name: `render CPU path, 5-effect stack @12 MP vs @1 MP, per MP${tag}`,
        value: m('fused12') / 12,
        baseline: m('fusedB') / 1.048576,
        ratio: m('fused12') / 12 / (m('fusedB') / 1.048576),
        unit: 'ms/MP',
        backend: 'wasm',
        note: `ratio = per-MP cost at 12 MP / at 1 MP (target ≤ 1.3); 4000×3000 tiled (1 MP crops), median of ${t.fused12!.length}, alternated with 1 MP renders; ${load}`,
      }),
      record({
        name: `render CPU vs Canvas 2D ctx.filter @1 MP${tag}`,
        value: m('fused1'),
        baseline: m('canvas1'),
        ratio: m('canvas1') / m('fused1'),
        unit: 'ms',
        backend: 'wasm',
        note: `ratio = canvas / ours (target ≥ 2); canvas: brightness/contrast/saturate/blur(3px) + gradient vignette + getImageData (new memory each time: it cannot be handed a buffer), sRGB approximations of our linear-light exposure/vignette; ours into the frame before; alternated, after both warmed up; ${load}`,
      }),
      record({
        name: `render CPU path @1 MP, result in new memory${tag}`,
        value: m('fresh1'),
        baseline: m('fused1'),
        ratio: m('fresh1') / m('fused1'),
        unit: 'ms',
        backend: 'wasm',
        note: `the same render without the frame before to write into (a caller that keeps every result; ratio = new memory / reused, the page faults of a fresh 4 MB buffer); alternated with the rows above; ${load}`,
      }),
      record({
        name: `render CPU first render, cold worker @1 MP${tag}`,
        value: t.firstRender![0]!,
        unit: 'ms',
        backend: 'wasm',
        note: `the page's first render: render worker and lanes started by it, engine instantiated (target ≤ 300 ms; the service worker installed first, as on every visit after the first); the next ${t.warmup!.length}: ${t.warmup!.map((v) => v.toFixed(0)).join(', ')} ms; ${load}`,
      }),
      record({
        name: `render CPU all cores vs 1 @1 MP${tag}`,
        value: m('threadsAll'),
        baseline: m('threads1'),
        ratio: m('threads1') / m('threadsAll'),
        unit: 'ms',
        backend: 'wasm',
        note: `ratio = 1 core / all ${threads} (target ≥ 1.3 on two cores, quiet; lanes: tiles side by side, a CPU engine each); two render workers alternated, both warmed up; ${load}`,
      }),
      record({
        name: `render CPU: fused stack vs one render per effect @1 MP${tag}`,
        value: m('fusedB'),
        baseline: m('perEffect1'),
        ratio: m('perEffect1') / m('fusedB'),
        unit: 'ms',
        backend: 'wasm',
        note: `ratio = per-effect / fused; alternated in one run; ${load}`,
      }),
      record({
        name: `render preview @1 MP after a parameter change${tag}`,
        value: m('preview1'),
        unit: 'ms',
        backend: 'wasm',
        note: `contrast changed, same structure: new uniforms; ${load}`,
      }),
      record({
        name: `render preview of a 12 MP photo at screen size (1280×960) after a parameter change${tag}`,
        value: m('previewScreen'),
        unit: 'ms',
        backend: 'wasm',
        note: `contrast changed; 4000×3000 in, downscaled in the worker, 1.2 MP out incl. transfer; median of ${t.previewScreen!.length}; ${load}`,
      }),
    ];
    for (const r of rows) {
      console.log(
        `${r.name}: ${r.value.toFixed(1)} ${r.unit}${r.ratio === null ? '' : ` (baseline ${r.baseline!.toFixed(1)}, ratio ${r.ratio.toFixed(2)}×)`}`,
      );
    }
    await session.close();
    session = undefined;
  } finally {
    stopBusy();
    await session?.close();
  }
}

it('CPU path: five-effect stack, 12 MP, Canvas 2D, cold start, threads, preview (quiet)', () =>
  cpuRows(false));

it('CPU path: the same with a CPU-heavy process beside it (busy)', () => cpuRows(true));

it('GPU path (SwiftShader here: software, correctness only)', async () => {
  const session = await openStudio({
    baseURL: preview.url,
    mode: { name: 'webgpu', webgpu: true },
  });
  try {
    await waitForReady(session.page);
    await session.page.waitForFunction(() => '__atelier' in globalThis);
    const { times, backend, adapter } = await gpuBench(session.page);
    const label = adapterLabel(adapter);
    record({
      name: 'render GPU path, 5-effect stack @0.25 MP',
      value: median(times) / 0.262144,
      unit: 'ms/MP',
      backend,
      adapter: label,
      note: `512×512 incl. upload + readback; median of ${times.length}; ${label?.startsWith('software') ? 'software adapter: not a GPU speed' : 'hardware adapter'}`,
    });
  } finally {
    await session.close();
  }
});
