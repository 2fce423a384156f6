/**
 * The offline PWA: precache size, time until the service worker controls a first visit, and an
 * offline cold start (server gone) to an interactive frame.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { MODES, openStudio, waitForReady, waitForServiceWorker } from '../e2e/browser';
import { buildStudio, ROOT, startPreview } from '../e2e/server';
import { median, record } from './measure';

const OUT_DIR = 'dist-bench-pwa';
const PORT = Number(process.env.BENCH_PWA_PORT ?? 4793);

beforeAll(() => buildStudio({ outDir: OUT_DIR }));
afterAll(() => rmSync(join(ROOT, OUT_DIR), { recursive: true, force: true }));

it('precache size', () => {
  const sw = readFileSync(join(ROOT, OUT_DIR, 'sw.js'), 'utf8');
  const urls = [...sw.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]!);
  const bytes = urls.reduce((sum, url) => sum + readFileSync(join(ROOT, OUT_DIR, url)).length, 0);
  record({
    name: 'precache size',
    value: bytes / 1024 / 1024,
    unit: 'MB',
    note: `${urls.length} entries: app shell, WASM runtimes, bundled models`,
  });
});

it('service worker control and offline cold start', async () => {
  for (const mode of MODES) {
    const controlMs: number[] = [];
    const offlineMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const profileDir = mkdtempSync(join(tmpdir(), 'atelier-bench-pwa-'));
      const server = await startPreview({ outDir: OUT_DIR, port: PORT });
      let session = await openStudio({ baseURL: server.url, mode, profileDir });
      const t0 = Date.now();
      await waitForServiceWorker(session.page);
      controlMs.push(Date.now() - t0);
      await waitForReady(session.page);
      await session.close();
      await server.stop();
      session = await openStudio({ baseURL: server.url, mode, profileDir, path: '/#/library' });
      await waitForReady(session.page);
      offlineMs.push(
        await session.page.evaluate(
          () => performance.getEntriesByName('atelier:ready')[0]?.startTime ?? NaN,
        ),
      );
      await session.close();
      rmSync(profileDir, { recursive: true, force: true });
    }
    record({
      name: `service worker controls first visit (${mode.name} mode)`,
      value: median(controlMs),
      unit: 'ms',
      backend: mode.name,
      note: 'from page load to controller, median of 5 fresh profiles (precache install included)',
    });
    record({
      name: `offline cold start → interactive (${mode.name} mode)`,
      value: median(offlineMs),
      unit: 'ms',
      backend: mode.name,
      note: 'server stopped, fresh browser on the installed profile, median of 5',
    });
  }
});
