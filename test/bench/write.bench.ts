/**
 * The bundled text model in Chromium (production build): model load time (cold, then from the
 * HTTP cache in a fresh worker), time to first token, and decode tokens per second on WASM with
 * 1 thread vs all threads (side by side, medians), and on WebGPU — SwiftShader here, so labelled
 * "software" and never a GPU number. Each configuration runs in a fresh worker, since ORT fixes its
 * thread count when its WASM module starts.
 *
 * Run: BENCH_PORT=4814 npx vitest run --project bench test/bench/write.bench.ts
 * (BENCH_SKIP_BUILD=1 BENCH_OUTDIR=dist-write reuses the e2e build).
 */
import { afterAll, beforeAll, it } from 'vitest';
import type { Page } from 'playwright-core';
import { MODES, openStudio, waitForReady } from '../e2e/browser';
import { buildStudio, startPreview, type Preview } from '../e2e/server';
import { adapterLabel, median, record as recordShared, sideBySide } from './measure';

/** Records, and prints the row too: bench-results.jsonl is shared with other benches' runs. */
function record(row: Parameters<typeof recordShared>[0]) {
  console.log(`[write bench] ${JSON.stringify(recordShared(row))}`);
}

const OUT_DIR = process.env.BENCH_OUTDIR ?? 'dist-bench-write';
let preview: Preview;

beforeAll(async () => {
  if (process.env.BENCH_SKIP_BUILD !== '1') buildStudio({ outDir: OUT_DIR });
  preview = await startPreview({ outDir: OUT_DIR, port: Number(process.env.BENCH_PORT ?? 4814) });
});
afterAll(() => preview?.stop());

interface Run {
  loadMs: number;
  firstTokenMs: number;
  tokensPerSecond: number;
  tokens: number;
  model: string;
}

/** Restarts the text worker, loads the chosen model on `backend` with `threads`, generates once. */
async function run(
  page: Page,
  backend: 'wasm' | 'webgpu',
  threads: number,
  maxNewTokens: number,
): Promise<Run> {
  return page.evaluate(
    async ({ backend, threads, maxNewTokens }) => {
      interface Client {
        restart(reason?: string): void;
        call<R>(
          fn: (api: Record<string, (...a: unknown[]) => Promise<unknown>>) => Promise<R>,
          o?: unknown,
        ): Promise<R>;
      }
      const hook = (
        globalThis as unknown as {
          __atelierWrite: {
            textClient: Client;
            source(): Promise<{ key: string } | null>;
            write: { refreshModels(): Promise<void> };
          };
        }
      ).__atelierWrite;
      await hook.write.refreshModels();
      const source = await hook.source();
      if (!source) throw new Error('No text model in models/manifest.json.');
      const client = hook.textClient;
      client.restart('benchmark');
      const t0 = performance.now();
      await client.call((api) => api.load!({ source, backend, threads, shaderF16: false }), {
        lane: 'model',
      });
      const loadMs = performance.now() - t0;
      const prompt = {
        messages: [],
        completion:
          'Artwork: Harbour at Dusk\nLook: warm, high-contrast; colours: deep orange and navy\nPoem:',
        notesTruncated: false,
      };
      const params = {
        maxNewTokens,
        temperature: 1,
        topK: 40,
        topP: 1,
        repetitionPenalty: 1,
        seed: 42,
      };
      const r = (await client.call((api) => api.generate!({ prompt, params }), {
        lane: 'model',
      })) as {
        firstTokenMs: number;
        tokensPerSecond: number;
        tokens: number;
      };
      return {
        loadMs,
        firstTokenMs: r.firstTokenMs,
        tokensPerSecond: r.tokensPerSecond,
        tokens: r.tokens,
        model: source.key,
      };
    },
    { backend, threads, maxNewTokens },
  );
}

it('bundled text model: load, first token, decode speed by backend', async () => {
  const mode = MODES.find((m) => m.webgpu)!;
  const session = await openStudio({ baseURL: preview.url, mode, path: '/#/write' });
  try {
    const { page } = session;
    await waitForReady(page);
    await page.waitForFunction(() => '__atelierWrite' in globalThis); // the room loads lazily
    const probe = await page.evaluate(() => ({
      cores: navigator.hardwareConcurrency,
      isolated: crossOriginIsolated,
    }));
    const all = Math.max(1, Math.min(8, probe.cores));
    const cold = await run(page, 'wasm', all, 8);
    const model = cold.model;

    // WASM, 1 thread vs all threads, alternating in fresh workers.
    const one: Run[] = [];
    const many: Run[] = [];
    const cmp = await sideBySide(
      async () => {
        const r = await run(page, 'wasm', 1, 64);
        one.push(r);
        return 1000 / Math.max(r.tokensPerSecond, 1e-6);
      },
      async () => {
        const r = await run(page, 'wasm', all, 64);
        many.push(r);
        return 1000 / Math.max(r.tokensPerSecond, 1e-6);
      },
      { runs: 3, warmup: 0 },
    );
    const tps1 = median(one.map((r) => r.tokensPerSecond));
    const tpsAll = median(many.map((r) => r.tokensPerSecond));
    record({
      name: `text decode, WASM ${all} threads vs 1 (${model})`,
      value: tpsAll,
      unit: 'tok/s',
      baseline: tps1,
      ratio: cmp.ratio > 0 ? 1 / cmp.ratio : null,
      backend: 'wasm',
      note: `median of 3 × 64 sampled tokens each, side by side; ratio = all-thread speed / 1-thread speed; cross-origin isolated: ${probe.isolated}`,
    });
    record({
      name: `text time to first token, WASM (${model})`,
      value: median(many.map((r) => r.firstTokenMs)),
      unit: 'ms',
      baseline: median(one.map((r) => r.firstTokenMs)),
      backend: 'wasm',
      note: `value: ${all} threads; baseline: 1 thread`,
    });
    record({
      name: `text model load, cold (${model})`,
      value: cold.loadMs,
      unit: 'ms',
      backend: 'wasm',
      note: 'first load in this profile: fetch + session + warm-up',
    });
    record({
      name: `text model load from cache, fresh worker (${model})`,
      value: median([...one, ...many].map((r) => r.loadMs)),
      unit: 'ms',
      backend: 'wasm',
      note: 'median over the 6 runs above; files from the HTTP cache; includes warm-up',
    });

    // WebGPU (SwiftShader here): a short run, labelled by its adapter.
    const adapter = await page.evaluate(async () => {
      const a = await navigator.gpu?.requestAdapter();
      return a
        ? {
            vendor: a.info.vendor,
            architecture: a.info.architecture,
            description: a.info.description,
          }
        : null;
    });
    if (adapter) {
      const gpu = await run(page, 'webgpu', 1, 12);
      record({
        name: `text decode, WebGPU (${model})`,
        value: gpu.tokensPerSecond,
        unit: 'tok/s',
        backend: 'webgpu',
        adapter: adapterLabel(adapter),
        note: `12 sampled tokens; first token ${Math.round(gpu.firstTokenMs)} ms; load ${Math.round(gpu.loadMs)} ms`,
      });
    }
  } finally {
    await session.close();
  }
});
