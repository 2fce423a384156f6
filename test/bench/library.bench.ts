/**
 * Library numbers: importing 50 generated 12-megapixel JPEGs through the real pipeline (header
 * check, SHA-256, decode, WebP thumbnail, palette, one IndexedDB transaction each), beside a bare
 * `createImageBitmap` decode of the same files; and the gallery's first paint with 2,000 works
 * (navigation → every visible thumbnail decoded), plus frame times while scrolling through them.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, it } from 'vitest';
import { MODES, openStudio, waitForReady, type StudioSession } from '../e2e/browser';
import { buildStudio, startPreview, type Preview } from '../e2e/server';
import { median, record, type BenchResult } from './measure';

/** Records and prints (the shared table can miss rows when benches run at once). */
function report(result: Parameters<typeof record>[0]): BenchResult {
  const full = record(result);
  console.log(`[library bench] ${full.name}: ${full.value.toFixed(1)} ${full.unit}`, full);
  return full;
}

const OUT_DIR = 'dist-bench-library';
const MODE = MODES.find((m) => m.name === 'wasm')!;
let preview: Preview;

beforeAll(async () => {
  if (process.env.BENCH_SKIP_BUILD !== '1') buildStudio({ outDir: OUT_DIR });
  preview = await startPreview({
    outDir: OUT_DIR,
    port: Number(process.env.BENCH_LIBRARY_PORT ?? 4811),
  });
});
afterAll(() => preview?.stop());

async function openLibrary(session: StudioSession): Promise<Page> {
  const { page } = session;
  await waitForReady(page);
  await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
  return page;
}

it('import of 50 generated 12-MP images (ms per image, thumbnails included)', async () => {
  const session = await openStudio({ baseURL: preview.url, mode: MODE, path: '/#/library' });
  try {
    const page = await openLibrary(session);
    const result = await page.evaluate(async () => {
      const files: File[] = [];
      // A noise tile overlaid at low opacity gives photo-like file sizes (JPEG cannot shrink it).
      const tile = new OffscreenCanvas(256, 256);
      const noise = new ImageData(256, 256);
      crypto.getRandomValues(noise.data.subarray(0, 65536));
      crypto.getRandomValues(noise.data.subarray(65536, 131072));
      crypto.getRandomValues(noise.data.subarray(131072, 196608));
      crypto.getRandomValues(noise.data.subarray(196608));
      for (let p = 3; p < noise.data.length; p += 4) noise.data[p] = 255;
      tile.getContext('2d')!.putImageData(noise, 0, 0);
      for (let i = 0; i < 50; i++) {
        const canvas = new OffscreenCanvas(4000, 3000);
        const ctx = canvas.getContext('2d')!;
        const g = ctx.createLinearGradient(0, 0, 4000, 3000);
        g.addColorStop(0, `hsl(${i * 7}, 70%, 40%)`);
        g.addColorStop(1, `hsl(${i * 7 + 120}, 60%, 70%)`);
        ctx.fillStyle = g;
        ctx.fillRect(0, 0, 4000, 3000);
        for (let k = 0; k < 300; k++) {
          ctx.fillStyle = `hsla(${(k * 37 + i) % 360}, 80%, 50%, 0.5)`;
          ctx.fillRect((k * 131) % 3900, (k * 71) % 2900, 40 + (k % 200), 30 + (k % 150));
        }
        ctx.globalAlpha = 0.12;
        ctx.fillStyle = ctx.createPattern(tile, 'repeat')!;
        ctx.fillRect(0, 0, 4000, 3000);
        ctx.globalAlpha = 1;
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
        files.push(new File([blob], `generated-${i}.jpg`, { type: 'image/jpeg' }));
      }
      const bytes = files.reduce((n, f) => n + f.size, 0);
      // Reference: decode each file on the page, nothing else.
      const t0 = performance.now();
      for (const f of files) (await createImageBitmap(f)).close();
      const decodeMs = (performance.now() - t0) / files.length;
      type Import = (f: File[], o: { concurrency: number }) => Promise<{ ok: boolean }[]>;
      const hook = (
        globalThis as unknown as { __atelierLibrary: { library: { importFiles: Import } } }
      ).__atelierLibrary;
      const timed = async (concurrency: number) => {
        const t = performance.now();
        const results = await hook.library.importFiles(files, { concurrency });
        return {
          ms: (performance.now() - t) / files.length,
          ok: results.filter((r) => r.ok).length,
        };
      };
      // One file at a time first (the baseline), then the default two in flight.
      const serial = await timed(1);
      const pipelined = await timed(2);
      return {
        importMs: pipelined.ms,
        serialMs: serial.ms,
        decodeMs,
        ok: Math.min(serial.ok, pipelined.ok),
        bytes,
      };
    });
    if (result.ok !== 50) throw new Error(`only ${result.ok} of 50 images were imported`);
    report({
      name: 'library import, 12 MP JPEG (per image)',
      value: result.importMs,
      unit: 'ms',
      baseline: result.serialMs,
      ratio: result.serialMs / result.importMs,
      backend: 'cpu',
      note:
        `50 files, ${(result.bytes / 50 / 1024 ** 2).toFixed(1)} MB avg; header check + SHA-256 + ` +
        `decode + 512 px WebP thumbnail + palette + IndexedDB write, in the image worker, 2 in ` +
        `flight; baseline = 1 at a time; bare createImageBitmap on the page: ` +
        `${result.decodeMs.toFixed(0)} ms`,
    });
  } finally {
    await session.close();
  }
});

it('gallery first paint with 2,000 works', async () => {
  const session = await openStudio({ baseURL: preview.url, mode: MODE, path: '/#/library' });
  try {
    let page = await openLibrary(session);
    await page.evaluate(async () => {
      type Hook = { addWork(input: unknown): Promise<unknown> };
      const hook = (globalThis as unknown as { __atelierLibrary: Hook }).__atelierLibrary;
      const hex = async (b: Blob) =>
        [...new Uint8Array(await crypto.subtle.digest('SHA-256', await b.arrayBuffer()))]
          .map((x) => x.toString(16).padStart(2, '0'))
          .join('');
      for (let i = 0; i < 2000; i++) {
        const canvas = new OffscreenCanvas(256, 192);
        const ctx = canvas.getContext('2d')!;
        ctx.fillStyle = `hsl(${(i * 47) % 360}, 60%, 55%)`;
        ctx.fillRect(0, 0, 256, 192);
        ctx.fillStyle = `hsl(${(i * 13) % 360}, 70%, 30%)`;
        ctx.fillRect(20 + (i % 100), 30, 120, 90);
        const thumb = await canvas.convertToBlob({ type: 'image/webp', quality: 0.8 });
        const sha = await hex(thumb);
        await hook.addWork({
          title: `Work ${String(i).padStart(4, '0')}`,
          tags: [`t${i % 10}`],
          original: thumb,
          thumb,
          width: 256,
          height: 192,
          mime: 'image/webp',
          sha256: sha,
          thumbSha256: sha,
          palette: [],
          createdAt: 1_700_000_000_000 + i * 1000,
        });
      }
    });
    const paints: number[] = [];
    for (let run = 0; run < 3; run++) {
      await page.reload();
      await page.waitForFunction(
        () => {
          const imgs = [
            ...document.querySelectorAll<HTMLImageElement>('[data-testid=work-card] img'),
          ];
          const cards = document.querySelectorAll('[data-testid=work-card]').length;
          const viewport = document.querySelector('[data-testid=gallery]')?.getBoundingClientRect();
          if (!viewport || cards < 12) return false;
          const visible = [...document.querySelectorAll('[data-testid=work-card]')].filter((c) => {
            const r = c.getBoundingClientRect();
            return r.bottom > viewport.top && r.top < viewport.bottom;
          });
          const done = imgs.filter((i) => i.complete && i.naturalWidth > 0).length;
          if (visible.length && done >= visible.length) {
            (globalThis as { __paintedAt?: number }).__paintedAt = performance.now();
            return true;
          }
          return false;
        },
        null,
        { polling: 'raf', timeout: 60_000 },
      );
      const ms = await page.evaluate(() => (globalThis as { __paintedAt?: number }).__paintedAt!);
      if (run > 0) paints.push(ms);
    }
    page = session.page;
    const count = await page.getByTestId('library-count').textContent();
    if (!count?.includes('2000')) throw new Error(`expected 2000 works, saw "${count}"`);
    const frames = await page.evaluate(async () => {
      const el = document.querySelector<HTMLElement>('[data-testid=gallery]')!;
      const deltas: number[] = [];
      let last = performance.now();
      const steps = 120;
      for (let i = 1; i <= steps; i++) {
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        deltas.push(now - last);
        last = now;
        el.scrollTop = ((el.scrollHeight - el.clientHeight) * i) / steps;
      }
      deltas.sort((a, b) => a - b);
      return {
        p95: deltas[Math.floor(deltas.length * 0.95)]!,
        cards: document.querySelectorAll('[data-testid=work-card]').length,
      };
    });
    report({
      name: 'library gallery first paint, 2,000 works',
      value: median(paints),
      unit: 'ms',
      backend: 'cpu',
      note: `median of ${paints.length} reloads: navigation → every visible thumbnail decoded`,
    });
    report({
      name: 'library gallery scroll through 2,000 works (p95 frame)',
      value: frames.p95,
      unit: 'ms',
      backend: 'cpu',
      note: `120 frames scrolling top → bottom; ${frames.cards} cards in the DOM at the end`,
    });
  } finally {
    await session.close();
  }
});
