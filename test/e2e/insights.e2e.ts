/**
 * Insights in real Chromium on real IndexedDB: a new artist sees a friendly empty room; work done
 * in the studio (recorded through the real `track` API and queue) shows in the charts and their
 * text summaries, survives a reload, exports as CSV/JSON files, and delete-all (confirmed) empties
 * it. No request leaves the device (assertClean fails on any request to another origin).
 *
 * Run: E2E_OUTDIR=dist-insights E2E_PORT=4805 npx vitest run --project e2e test/e2e/insights.e2e.ts
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makePng } from '../fixtures/library/images';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';

const baseURL = inject('baseURL');

/** Imports two real images in the Library (the Library's own events reach Insights). */
async function importTwoWorks(page: Page): Promise<void> {
  await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
  await page.getByTestId('import-input').setInputFiles([
    {
      name: 'red.png',
      mimeType: 'image/png',
      buffer: Buffer.from(makePng(40, 30, { color: [200, 30, 20] })),
    },
    {
      name: 'noise.png',
      mimeType: 'image/png',
      buffer: Buffer.from(makePng(30, 40, { noiseSeed: 3 })),
    },
  ]);
  await expect
    .poll(() => page.locator('[data-testid=import-result][data-ok=true]').count(), {
      timeout: 60_000,
    })
    .toBe(2);
}

/**
 * Records the rest of a session through the page's real event API (the test hook): effects,
 * renders and texts, whose rooms call the same `track`, and a work imported yesterday.
 */
async function doSomeWork(page: Page): Promise<void> {
  await page.waitForFunction(() => '__atelierInsights' in globalThis);
  await page.evaluate(() => {
    type Hook = { track: (e: Record<string, unknown>) => void };
    const { track } = (globalThis as unknown as { __atelierInsights: Hook }).__atelierInsights;
    const day = 86_400_000;
    const now = Date.now();
    track({ type: 'work.imported', workId: 'w1', palette: ['#aa3311', '#f0e0c0'], at: now - day });
    track({ type: 'effect.added', workId: 'w1', effectId: 'autocolor', automatic: true });
    track({ type: 'intervention', workId: 'w1', after: 'auto-colour', action: 'param-changed' });
    track({ type: 'effect.added', workId: 'w1', effectId: 'grain', automatic: false });
    track({ type: 'render.finished', workId: 'w1', megapixels: 2, ms: 900, backend: 'webgpu' });
    track({ type: 'render.finished', workId: 'w1', megapixels: 1, ms: 1500, backend: 'wasm' });
    track({
      type: 'text.generated',
      workId: 'w2',
      model: 'atelier-tiny',
      generator: 'caption',
      tokens: 32,
      ttftMs: 120,
      tokensPerSecond: 40,
      kept: true,
    });
    track({ type: 'session.active', activeMs: 25 * 60_000 });
    // Refused, counted, never thrown into the caller:
    track({ type: 'from.the.future', x: 1 });
  });
}

async function openInsights(page: Page): Promise<void> {
  await page.locator('nav a[data-room=insights]').click();
  await page.waitForSelector('section.insights[data-state=ready]');
}

describe.each(MODES)('insights ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('shows work done in the studio, exports it, and deletes it all on request', async () => {
    session = await openStudio({ baseURL, mode });
    const { page } = session;
    // Errors the studio only logs (a ResizeObserver loop, a failed flush) count too.
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await waitForReady(page);
    await openInsights(page);

    // A new artist: a friendly empty state and the plain privacy promise.
    await page.getByTestId('insights-empty').waitFor();
    expect(await page.getByTestId('insights-local').textContent()).toContain(
      'Everything stays on this device: nothing is sent anywhere.',
    );

    await page.locator('nav a[data-room=library]').click();
    await importTwoWorks(page);
    await doSomeWork(page);
    await openInsights(page);
    await expect.poll(() => page.getByTestId('total-works').textContent()).toBe('3');
    expect(await page.getByTestId('total-renders').textContent()).toBe('2');
    expect(await page.getByTestId('streak-current').textContent()).toBe('2');
    expect(await page.getByTestId('summary-effects').textContent()).toBe(
      'Most used: Auto colour (1, 1 automatic), Film grain (1).',
    );
    expect(await page.getByTestId('summary-render').textContent()).toBe(
      'CPU: 1,500 ms per megapixel over 1 render; GPU: 450 ms per megapixel over 1 render. Lower is faster.',
    );
    expect(await page.getByTestId('summary-text').textContent()).toBe(
      '1 text written, 1 kept. Atelier tiny: 40.0 tokens/s, first token after 120 ms, 1 of 1 text kept.',
    );
    // Time charts are real uPlot canvases, each described by its summary.
    const charts = page.locator('[data-testid=uplot]');
    expect(await charts.count()).toBe(3);
    for (const chart of await charts.all()) {
      expect(await chart.locator('canvas').count()).toBe(1);
      const described = await chart.getAttribute('aria-describedby');
      expect(await page.locator(`#${described}`).textContent()).not.toBe('');
    }
    // Three palettes in creation order: yesterday's, then the two real imports' own colours.
    const swatches = await page
      .locator('[data-testid=palette-timeline] li')
      .evaluateAll((items) => items.map((li) => li.querySelectorAll('.swatch:not(.none)').length));
    expect(swatches).toHaveLength(3);
    expect(swatches[0]).toBe(2);
    expect(swatches[1]).toBeGreaterThan(0);
    const stats = await page.evaluate(
      () =>
        (globalThis as unknown as { __atelierInsights: { recorder: { stats: unknown } } })
          .__atelierInsights.recorder.stats,
    );
    expect(stats).toMatchObject({ rejected: 1, failed: 0 });

    // It is stored, not just in memory: a reload shows the same.
    await page.reload();
    await waitForReady(page);
    await page.waitForSelector('section.insights[data-state=ready]');
    await expect.poll(() => page.getByTestId('total-works').textContent()).toBe('3');

    // A date range that excludes yesterday's import.
    await page.getByTestId('range-preset').selectOption('custom');
    const today = await page.evaluate(() => {
      const d = new Date();
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
    });
    await page.getByTestId('range-from').fill(today);
    await expect.poll(() => page.getByTestId('total-works').textContent()).toBe('2');

    // Export: real files, made on the device.
    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    const csv = readFileSync((await csvDownload.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('record,id,type,at,workId,day,metric,count,sum,data');
    expect(csv).toContain(',render.finished,');
    const [jsonDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-json').click(),
    ]);
    const json = JSON.parse(readFileSync((await jsonDownload.path())!, 'utf8')) as {
      format: string;
      events: { type: string }[];
    };
    expect(json.format).toBe('atelier-insights');
    expect(json.events.filter((e) => e.type === 'work.imported')).toHaveLength(3);

    // Delete-all asks first; Cancel keeps everything.
    await page.getByTestId('delete-all').click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByTestId('total-works').textContent()).toBe('2');
    await page.getByTestId('delete-all').click();
    await page.getByTestId('confirm-delete-yes').click();
    await page.getByTestId('range-preset').selectOption('all');
    await page.getByTestId('insights-empty').waitFor();
    const left = await page.evaluate(async () => {
      type Table = { toArray(): Promise<{ type?: string; metric?: string }[]> };
      type Db = { events: Table; rollups: Table };
      const { db } = (globalThis as unknown as { __atelierInsights: { db: Db } }).__atelierInsights;
      // A session.active slice (every minute) may land after the delete; nothing else may.
      const events = (await db.events.toArray()).filter((e) => !e.type?.startsWith('session.'));
      const rollups = (await db.rollups.toArray()).filter(
        (r) => r.metric !== 'types' && r.metric !== 'active',
      );
      return [events.length, rollups.length];
    });
    expect(left).toEqual([0, 0]);
    expect(consoleErrors).toEqual([]);
  });

  it('charts known work over known days: every number and every axis label', async () => {
    session = await openStudio({ baseURL, mode });
    const { page } = session;
    await waitForReady(page);
    // One real work (its title names it in the interventions chart), imported today.
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    await page
      .getByTestId('import-input')
      .setInputFiles([
        { name: 'harbour.png', mimeType: 'image/png', buffer: Buffer.from(makePng(20, 20)) },
      ]);
    await page.locator('[data-testid=import-result][data-ok=true]').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => '__atelierInsights' in globalThis);
    const noon = (back: number) => {
      const d = new Date();
      return new Date(d.getFullYear(), d.getMonth(), d.getDate() - back, 12).getTime();
    };
    await page.evaluate(
      async ({ d9, d3, d0 }) => {
        type Hook = {
          track: (e: Record<string, unknown>) => void;
          db: { works: { toArray(): Promise<{ id: string }[]> } };
        };
        const { track, db } = (globalThis as unknown as { __atelierInsights: Hook })
          .__atelierInsights;
        const [work] = await db.works.toArray();
        const text = { type: 'text.generated', model: 'atelier-tiny', generator: 'caption' };
        const run = { tokens: 30, ttftMs: 100, tokensPerSecond: 30, kept: false };
        for (const e of [
          { type: 'work.imported', workId: 'old', at: d9 },
          { type: 'session.active', activeMs: 30 * 60_000, at: d9 },
          { type: 'render.finished', megapixels: 2, ms: 1000, backend: 'webgpu', at: d9 },
          { type: 'effect.added', effectId: 'neural:denoise', automatic: false, at: d9 },
          { type: 'effect.added', effectId: 'matrix', automatic: true, at: d9 },
          { type: 'work.imported', workId: 'w2', at: d3 },
          { type: 'work.imported', workId: 'w3', at: d3 },
          { type: 'session.active', activeMs: 15 * 60_000, at: d3 },
          { type: 'render.finished', megapixels: 1, ms: 3000, backend: 'wasm', at: d3 },
          { ...text, ...run, at: d3 },
          { ...text, ...run, at: d3 },
          { ...text, ...run, at: d3 },
          {
            type: 'text.kept',
            generator: 'caption',
            origin: 'model',
            edited: false,
            model: 'atelier-tiny',
            at: d3,
          },
          { type: 'effect.added', effectId: 'neural:upscale2x', automatic: false, at: d3 },
          { type: 'session.active', activeMs: 45 * 60_000, at: d0 },
          { type: 'effect.added', effectId: 'neural:denoise', automatic: false, at: d0 },
          { type: 'render.finished', megapixels: 1, ms: 400, backend: 'webgpu', at: d0 },
          { type: 'intervention', workId: work!.id, after: 'auto-colour', action: 'undo', at: d0 },
        ])
          track(e);
      },
      { d9: noon(9), d3: noon(3), d0: noon(0) },
    );
    await openInsights(page);
    await expect.poll(() => page.getByTestId('total-works').textContent()).toBe('4');
    expect(await page.getByTestId('total-texts').textContent()).toBe('3');
    expect(await page.getByTestId('total-texts-kept').textContent()).toBe('1');

    // The ten days, in the artist's calendar: day buckets, labelled "24 Nov 2026", "25 Nov", …
    const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
    const days = Array.from({ length: 10 }, (_, i) => new Date(noon(9 - i)));
    const key = (d: Date) =>
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    const label = (d: Date) => `${d.getDate()} ${MONTHS[d.getMonth()]}`;
    type Drawn = {
      scale: string;
      buckets: string[];
      values: unknown;
      series: string[];
      x: string[];
      y: string[];
    };
    const chart = async (id: string): Promise<Drawn> => {
      const el = page.locator(`[data-testid=chart-${id}] [data-testid=uplot]`);
      await expect.poll(() => el.getAttribute('data-x-ticks')).not.toBeNull();
      const attr = async (name: string) => JSON.parse((await el.getAttribute(name))!) as unknown;
      return {
        scale: (await el.getAttribute('data-scale'))!,
        buckets: (await attr('data-buckets')) as string[],
        values: await attr('data-values'),
        series: (await attr('data-series')) as string[],
        x: (await attr('data-x-ticks')) as string[],
        y: (await attr('data-y-ticks')) as string[],
      };
    };
    const checkAxis = (drawn: Drawn) => {
      expect(drawn.scale).toBe('day');
      expect(drawn.buckets).toEqual(days.map(key));
      // The first tick carries the year (the right one); the others are days of the range, in
      // order, evenly spaced, and no more than fit the chart without touching.
      expect(drawn.x[0]).toBe(`${label(days[0]!)} ${days[0]!.getFullYear()}`);
      const at = drawn.x.map((l, i) =>
        days.findIndex((d, j) =>
          i === 0 ? j === 0 : label(d) === l || `${label(d)} ${d.getFullYear()}` === l,
        ),
      );
      expect(at.every((i) => i >= 0)).toBe(true);
      expect(drawn.x.length).toBeGreaterThanOrEqual(2);
      const step = at[1]! - at[0]!;
      expect(at).toEqual(at.map((_, i) => i * step));
    };
    const works = await chart('works');
    checkAxis(works);
    expect(works.values).toEqual([[1, 0, 0, 0, 0, 0, 2, 0, 0, 1]]);
    expect(works.y.every((l) => /^\d+$/.test(l))).toBe(true);
    expect(await page.locator('#works-title').textContent()).toBe('Works created per day');
    const active = await chart('active');
    checkAxis(active);
    expect(active.values).toEqual([[30, 0, 0, 0, 0, 0, 15, 0, 0, 45]]);
    const render = await chart('render');
    checkAxis(render);
    expect(render.series).toEqual(['CPU', 'GPU']);
    const gap = null;
    expect(render.values).toEqual([
      [gap, gap, gap, gap, gap, gap, 3000, gap, gap, gap],
      [500, gap, gap, gap, gap, gap, gap, gap, gap, 400],
    ]);

    // Named things in words, one row each (they cannot overlap).
    const bars = async (id: string) =>
      page
        .locator(`[data-testid=bars-${id}] li`)
        .evaluateAll((items) =>
          items.map((li) => [
            li.querySelector('[data-testid=bar-label]')!.textContent,
            li.querySelector('[data-testid=bar-value]')!.textContent,
          ]),
        );
    expect(await bars('effects')).toEqual([
      ['Denoise', '2'],
      ['Colour matrix', '1, 1 automatic'],
      ['Upscale 2×', '1'],
    ]);
    expect(await bars('text')).toEqual([['Atelier tiny', '30.0 tokens/s']]);
    expect(await bars('interventions')).toEqual([['harbour', '1']]);
    expect(await page.getByTestId('summary-text').textContent()).toBe(
      '3 texts written, 1 kept. Atelier tiny: 30.0 tokens/s, first token after 100 ms, 1 of 3 texts kept.',
    );
    expect(await page.getByTestId('summary-works').textContent()).toBe(
      `4 works brought in over 10 days; the busiest was ${label(days[6]!)} ${days[6]!.getFullYear()} with 2.`,
    );
  });
});
