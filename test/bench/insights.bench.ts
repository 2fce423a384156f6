/**
 * Insights on real IndexedDB in Chromium (production build, driven through the page's test hook):
 *
 * 1. Ingest: events/s through the production queue (`track` → one `bulkAdd` + rollup update per
 *    flush) versus a naive `db.events.add` per event (one transaction each, and no rollups, so the
 *    baseline is the cheaper one). Interleaved rounds, medians.
 * 2. Opening the Insights room over one million raw events: click → the room's charts are drawn
 *    (rollups only) versus a naive scan that reads every raw event and folds it into the same
 *    summary. The million events are generated in the page with `bulkAdd` in chunks, and their
 *    rollups written once, as the queue would have left them; the resulting browser profile is
 *    cached (node_modules/.cache/atelier-bench-insights, keyed by the row and rollup code of
 *    event-types.ts, rollups.ts, schema.ts and the generator) because generating takes minutes here. Also timed: the room's query alone
 *    (`loadInsights`) against the same scan, data path against data path.
 *
 * IndexedDB work is CPU and disk bound: no GPU is involved, so the page runs without WebGPU.
 * Run: npx vitest run --project bench test/bench/insights.bench.ts (BENCH_PORT, default 4815;
 * INSIGHTS_BENCH_EVENTS to change the million).
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MODES, openStudio, waitForReady, type StudioSession } from '../e2e/browser';
import { buildStudio, ROOT, startPreview, type Preview } from '../e2e/server';
import { median, record } from './measure';

const OUT_DIR = 'dist-bench-insights';
const MILLION = Number(process.env.INSIGHTS_BENCH_EVENTS ?? 1_000_000);
const WASM_MODE = MODES.find((m) => !m.webgpu)!;

let preview: Preview;
let session: StudioSession;

beforeAll(async () => {
  buildStudio({ outDir: OUT_DIR });
  preview = await startPreview({ outDir: OUT_DIR, port: Number(process.env.BENCH_PORT ?? 4815) });
  session = await openStudio({ baseURL: preview.url, mode: WASM_MODE, path: '/#/library' });
  await waitForReady(session.page);
  await session.page.waitForFunction(() => '__atelierInsights' in globalThis);
});
afterAll(async () => {
  await session?.close();
  await preview?.stop();
});

/** The page's hook, typed loosely for page.evaluate bodies. */
type Hook = Record<string, never> & {
  loadInsights(db: unknown): Promise<unknown>;
  db: {
    events: { add(row: unknown): Promise<unknown>; bulkAdd(rows: unknown[]): Promise<unknown> };
    rollups: { bulkPut(rows: unknown[]): Promise<unknown>; count(): Promise<number> };
    transaction: (...args: unknown[]) => Promise<unknown>;
  };
  track(e: unknown): void;
  flushEvents(): Promise<void>;
  toRow(e: unknown): unknown;
  foldEvents(events: unknown[], into?: Map<string, unknown>): Map<string, unknown>;
  deleteAllAnalytics(db: unknown, recorder: unknown): Promise<void>;
  scanRawEvents(db: unknown): Promise<{ totals: { events: number } }>;
  recorder: unknown;
};
declare global {
  var __atelierInsights: Hook;
}

async function ingestProduction(page: Page, n: number): Promise<number> {
  return page.evaluate(async (n) => {
    const h = globalThis.__atelierInsights;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      h.track({
        type: 'effect.added',
        workId: `w${i % 50}`,
        effectId: `fx${i % 12}`,
        automatic: i % 3 === 0,
      });
    }
    await h.flushEvents();
    return performance.now() - t0;
  }, n);
}

async function ingestNaive(page: Page, n: number): Promise<number> {
  return page.evaluate(async (n) => {
    const h = globalThis.__atelierInsights;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const at = Date.now();
      await h.db.events.add(
        h.toRow({
          type: 'effect.added',
          at,
          workId: `w${i % 50}`,
          effectId: `fx${i % 12}`,
          automatic: i % 3 === 0,
        }),
      );
    }
    return performance.now() - t0;
  }, n);
}

/** The floor: the same rows added with raw IndexedDB in one transaction (no Dexie, no rollups). */
async function ingestRawFloor(page: Page, n: number): Promise<number> {
  return page.evaluate(async (n) => {
    const h = globalThis.__atelierInsights;
    const idb = (h.db as unknown as { backendDB(): IDBDatabase }).backendDB();
    const rows = Array.from({ length: n }, (_, i) =>
      h.toRow({
        type: 'effect.added',
        at: Date.now(),
        workId: `w${i % 50}`,
        effectId: `fx${i % 12}`,
        automatic: i % 3 === 0,
      }),
    );
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const tx = idb.transaction('events', 'readwrite');
      const store = tx.objectStore('events');
      for (const row of rows) store.add(row);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    return performance.now() - t0;
  }, n);
}

/** Printed too: bench-results.jsonl is shared with other bench files running at the same time. */
const show = (r: object) => console.log(`[insights bench] ${JSON.stringify(r)}`);

const load = () => `load average ${loadavg()[0]!.toFixed(1)} on this machine`;

it('ingest: production queue vs one add per event', async () => {
  const { page } = session;
  const BULK = 20_000;
  const NAIVE = 1_000;
  const prod: number[] = [];
  const naive: number[] = [];
  const floor: number[] = [];
  await ingestProduction(page, 2_000); // warm-up (JIT, database open)
  await ingestNaive(page, 100);
  for (let round = 0; round < 3; round++) {
    prod.push(BULK / ((await ingestProduction(page, BULK)) / 1000));
    naive.push(NAIVE / ((await ingestNaive(page, NAIVE)) / 1000));
    floor.push(BULK / ((await ingestRawFloor(page, BULK)) / 1000));
  }
  const stats = await page.evaluate(
    () => (globalThis.__atelierInsights.recorder as { stats: Record<string, number> }).stats,
  );
  expect(stats.failed).toBe(0);
  const rate = median(prod);
  const baseline = median(naive);
  const ingest = record({
    name: 'insights ingest (production queue)',
    value: rate,
    unit: 'events/s',
    baseline,
    ratio: rate / baseline,
    note:
      `median of 3 interleaved rounds: ${BULK} track() calls + flush (bulkAdd + rollups, one ` +
      `transaction) vs ${NAIVE} awaited db.events.add() (no rollups); ratio = queue/naive; ` +
      `target ≥ 10,000 events/s and ≥ 8×; ${load()}`,
  });
  show(ingest);
  const rawFloor = median(floor);
  const floorRow = record({
    name: 'insights ingest: raw IndexedDB floor (same rows)',
    value: rawFloor,
    unit: 'events/s',
    baseline: rate,
    ratio: rate / rawFloor,
    note:
      `${BULK} rows added with raw IndexedDB in one transaction (no Dexie, no rollups), ` +
      `interleaved with the rounds above: what this browser and disk allow; ratio = queue/floor; ${load()}`,
  });
  show(floorRow);
  await page.evaluate(async () => {
    const h = globalThis.__atelierInsights;
    await h.deleteAllAnalytics(h.db, h.recorder);
  });
});

async function generate(page: Page, total: number) {
  return page.evaluate(async (total) => {
    const h = globalThis.__atelierInsights;
    const DAY = 86_400_000;
    const start = Date.now() - 300 * DAY; // well inside the 365-day retention
    const effects = ['autocolor', 'grain', 'curves', 'vignette', 'denoise', 'upscale2x', 'look'];
    let seed = 42;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const deltas = new Map<string, unknown>();
    const t0 = performance.now();
    const CHUNK = 20_000;
    let works = 0;
    for (let i = 0; i < total; i += CHUNK) {
      const events: Record<string, unknown>[] = [];
      for (let j = i; j < Math.min(total, i + CHUNK); j++) {
        const at = start + Math.floor((j / total) * 300 * DAY);
        const r = rand();
        const workId = `w${Math.floor(j / 300)}`;
        if (j % 300 === 0) {
          works++;
          events.push({
            type: 'work.imported',
            at,
            workId,
            palette: ['#aa3311', '#2040a0', '#f0e0c0'],
          });
        } else if (r < 0.55)
          events.push({
            type: 'effect.added',
            at,
            workId,
            effectId: effects[j % 7],
            automatic: r < 0.1,
          });
        else if (r < 0.7)
          events.push({
            type: 'effect.changed',
            at,
            workId,
            effectId: effects[j % 7],
            automatic: false,
            params: { amount: r },
          });
        else if (r < 0.8)
          events.push({
            type: 'render.finished',
            at,
            workId,
            megapixels: 2,
            ms: 300 + r * 900,
            backend: r < 0.75 ? 'webgpu' : 'wasm',
          });
        else if (r < 0.85)
          events.push({
            type: 'text.generated',
            at,
            workId,
            model: r < 0.82 ? 'tiny' : 'smol',
            generator: 'caption',
            tokens: 40,
            ttftMs: 150,
            tokensPerSecond: 20 + r * 10,
            kept: r < 0.83,
          });
        else if (r < 0.9)
          events.push({ type: 'intervention', at, workId, after: 'auto-colour', action: 'undo' });
        else events.push({ type: 'session.active', at, activeMs: 60_000 });
      }
      h.foldEvents(events, deltas);
      await h.db.events.bulkAdd(events.map((e) => h.toRow(e)));
    }
    await h.db.rollups.bulkPut([...deltas.values()]);
    return { ms: performance.now() - t0, works, rollups: await h.db.rollups.count() };
  }, total);
}

interface GenInfo {
  ms: number;
  works: number;
  rollups: number;
}

/**
 * Generating a million events takes minutes on a busy machine, so the generated profile (real
 * IndexedDB files) is kept under node_modules/.cache, keyed by the code that writes and reads the
 * rows, and copied for each run. A stale or damaged copy is regenerated.
 */
const CACHE_ROOT = join(ROOT, 'node_modules', '.cache', 'atelier-bench-insights');
function cacheKey(port: number): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(ROOT, 'src/lib/db/schema.ts')));
  // The code that lays out rows (event-types.ts) and rollups (rollups.ts), not the recorder.
  hash.update(readFileSync(join(ROOT, 'src/lib/db/event-types.ts')));
  hash.update(readFileSync(join(ROOT, 'src/lib/db/rollups.ts')));
  hash.update(generate.toString());
  return `${MILLION}-${port}-${hash.digest('hex').slice(0, 16)}`;
}

async function millionEventProfile(): Promise<{
  profileDir: string;
  info: GenInfo;
  cached: boolean;
}> {
  const dir = join(CACHE_ROOT, cacheKey(preview.port));
  const marker = join(dir, 'complete.json');
  let cached = existsSync(marker);
  if (cached) {
    const info = JSON.parse(readFileSync(marker, 'utf8')) as GenInfo & { createdAt: number };
    if (Date.now() - info.createdAt > 30 * 86_400_000) cached = false;
  }
  if (!cached) {
    rmSync(CACHE_ROOT, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const gen = await openStudio({
      baseURL: preview.url,
      mode: WASM_MODE,
      path: '/#/library',
      profileDir: join(dir, 'profile'),
    });
    await waitForReady(gen.page);
    await gen.page.waitForFunction(() => '__atelierInsights' in globalThis);
    const info = await generate(gen.page, MILLION);
    await gen.close();
    writeFileSync(marker, JSON.stringify({ ...info, createdAt: Date.now() }));
  }
  const info = JSON.parse(readFileSync(marker, 'utf8')) as GenInfo;
  const profileDir = mkdtempSync(join(tmpdir(), 'atelier-bench-insights-'));
  cpSync(join(dir, 'profile'), profileDir, { recursive: true });
  return { profileDir, info, cached };
}

it('opening Insights over a million events: rollups vs a raw scan', async () => {
  const { profileDir, info: generated, cached } = await millionEventProfile();
  const big = await openStudio({
    baseURL: preview.url,
    mode: WASM_MODE,
    path: '/#/library',
    profileDir,
  });
  try {
    const { page } = big;
    await waitForReady(page);
    await page.waitForFunction(() => '__atelierInsights' in globalThis);
    await measureRoom(page, generated, cached);
  } finally {
    await big.close();
    rmSync(profileDir, { recursive: true, force: true });
  }
});

async function measureRoom(page: Page, generated: GenInfo, cached: boolean) {
  const openRoom = () =>
    page.evaluate(async () => {
      const link = (room: string) =>
        document.querySelector<HTMLElement>(`nav a[data-room=${room}]`)!;
      link('library').click();
      await new Promise((r) => requestAnimationFrame(r));
      const t0 = performance.now();
      link('insights').click();
      await new Promise<void>((resolve) => {
        const check = () =>
          document.querySelector('section.insights[data-open-ms] [data-testid=uplot] canvas')
            ? resolve()
            : requestAnimationFrame(check);
        check();
      });
      await new Promise((r) => requestAnimationFrame(r)); // the frame with the charts painted
      return performance.now() - t0;
    });
  const scan = () =>
    page.evaluate(async () => {
      const h = globalThis.__atelierInsights;
      const t0 = performance.now();
      const data = await h.scanRawEvents(h.db);
      const ms = performance.now() - t0;
      return { ms, events: data.totals.events };
    });

  const summary = () =>
    page.evaluate(async () => {
      const h = globalThis.__atelierInsights;
      const t0 = performance.now();
      await h.loadInsights(h.db);
      return performance.now() - t0;
    });

  await openRoom(); // warm-up: code paths and the rollup rows' pages
  await summary();
  const room: number[] = [];
  const fromRollups: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < 2; round++) {
    room.push(await openRoom());
    fromRollups.push(await summary());
    const s = await scan();
    expect(s.events).toBeGreaterThanOrEqual(MILLION);
    expect(s.events).toBeLessThan(MILLION + 20); // plus a few session events of the studio itself
    raw.push(s.ms);
  }
  for (let round = 0; round < 3; round++) {
    room.push(await openRoom());
    fromRollups.push(await summary());
  }
  const totalShown = await page.getByTestId('insights-totals').textContent();
  expect(totalShown).toContain(`${generated.works} works`);

  const roomMs = median(room);
  const rollupMs = median(fromRollups);
  const scanMs = median(raw);
  const where =
    `${generated.rollups} rollup rows; the events were ` +
    (cached
      ? 'generated by an earlier run (cached profile)'
      : `generated in ${(generated.ms / 1000).toFixed(0)} s`) +
    `; ${load()}`;
  show(
    record({
      name: `insights summary over ${(MILLION / 1e6).toFixed(1)}M events: rollups vs raw scan`,
      value: rollupMs,
      unit: 'ms',
      baseline: scanMs,
      ratio: scanMs / rollupMs,
      note:
        `the room's query (loadInsights, median of ${fromRollups.length}) vs a naive scan of ` +
        `every raw event into the same summary (median of ${raw.length}), interleaved; target ≥ 20×; ${where}`,
    }),
  );
  show(
    record({
      name: `insights room open over ${(MILLION / 1e6).toFixed(1)}M events`,
      value: roomMs,
      unit: 'ms',
      baseline: scanMs,
      ratio: scanMs / roomMs,
      note:
        `click → fresh read → all six charts painted, median of ${room.length}; baseline = the ` +
        `raw scan above (data only, no drawing); target < 200 ms; ${where}`,
    }),
  );
}
