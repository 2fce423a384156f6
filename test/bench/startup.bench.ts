/** Cold start of the production build (time until the frame is interactive) and initial JS size. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, it } from 'vitest';
import { MODES, openStudio, waitForReady } from '../e2e/browser';
import { buildStudio, ROOT, startPreview, type Preview } from '../e2e/server';
import { median, record } from './measure';

const OUT_DIR = 'dist-bench';
let preview: Preview;

beforeAll(async () => {
  buildStudio({ outDir: OUT_DIR });
  preview = await startPreview({ outDir: OUT_DIR, port: Number(process.env.BENCH_PORT ?? 4792) });
});
afterAll(() => preview?.stop());

/** Scripts the first paint needs: the entry module and its modulepreloads, gzipped. */
function initialJsGzipBytes(): { bytes: number; files: string[] } {
  const html = readFileSync(join(ROOT, OUT_DIR, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
  ].map((m) => m[1]!);
  const bytes = files.reduce(
    (sum, f) => sum + gzipSync(readFileSync(join(ROOT, OUT_DIR, f.replace(/^\//, '')))).length,
    0,
  );
  return { bytes, files };
}

it('initial JS size', () => {
  const { bytes, files } = initialJsGzipBytes();
  record({
    name: 'initial JS (gzip)',
    value: bytes / 1024,
    unit: 'KiB',
    note: `${files.length} file(s) loaded before first paint`,
  });
});

it('cold start to an interactive frame', async () => {
  for (const mode of MODES) {
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const session = await openStudio({ baseURL: preview.url, mode });
      await waitForReady(session.page);
      const ms = await session.page.evaluate(
        () => performance.getEntriesByName('atelier:ready')[0]?.startTime ?? NaN,
      );
      await session.close();
      if (i > 0) times.push(ms); // the first launch warms the OS file cache
    }
    record({
      name: `cold start → interactive (${mode.name} mode)`,
      value: median(times),
      unit: 'ms',
      backend: mode.name,
      note: `median of ${times.length} fresh profiles (no service worker yet); includes worker probe`,
    });
  }
});
