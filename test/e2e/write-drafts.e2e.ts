/**
 * Write room drafts in real Chromium, with WebGPU (SwiftShader) and without (WASM), no model
 * involved: for three works (one with the artist's notes, two with camera-style file names) the
 * default title, description, caption, alt text and haiku have no id, hash, slug or parameter;
 * the titles differ; the haiku is 5-7-5 by the CMU dictionary; the alt text of the work with notes
 * names its subject. The room remembers its work across a reload, the Library's "Write about
 * this" opens a work there, and every text written and kept is an Insights event.
 *
 * Run: E2E_OUTDIR=dist-write E2E_PORT=4871 npx vitest run --project e2e test/e2e/write-drafts.e2e.ts
 */
import type { Page } from 'playwright-core';
import { dictionary } from 'cmu-pronouncing-dictionary';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { lineSyllables, makeLexicon } from '../../src/shared/write/lexicon';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';

const baseURL = inject('baseURL');
const lexicon = makeLexicon(dictionary);
/** An id, slug, hash or parameter: letters mixed with digits, long hex, key=value, underscores. */
const MACHINE = /\b(?=\w*\d)(?=\w*[a-z])\w{4,}\b|[0-9a-f]{8,}|\w=\S|_|\bundefined\b|\bnull\b|NaN/i;
const TASKS = ['title', 'description', 'caption', 'alt', 'poem'] as const;

interface Seed {
  title: string;
  colours: [string, string, string];
}
const SEEDS: Seed[] = [
  { title: 'astronaut', colours: ['#101010', '#c8480f', '#f8f8f4'] },
  { title: 'IMG_2034', colours: ['#6d1a1f', '#f3e5c0', '#d8c8a8'] },
  { title: 'lmx7n6ww08', colours: ['#1a2660', '#f8f8f4', '#808080'] },
];

/** Adds a 160×120 work in three bands of colour through the test hook; returns its id. */
async function seedWork(page: Page, seed: Seed): Promise<string> {
  return page.evaluate(async ({ title, colours }) => {
    const c = new OffscreenCanvas(160, 120);
    const g = c.getContext('2d')!;
    colours.forEach((colour, i) => {
      g.fillStyle = colour;
      g.fillRect(0, i * 40, 160, 40);
    });
    const blob = await c.convertToBlob({ type: 'image/png' });
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    const sha = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const hook = (
      globalThis as unknown as { __atelierWrite: { addWork(i: unknown): Promise<{ id: string }> } }
    ).__atelierWrite;
    return (
      await hook.addWork({
        title,
        tags: [],
        original: blob,
        thumb: blob,
        width: 160,
        height: 120,
        mime: 'image/png',
        sha256: sha,
        thumbSha256: sha,
        palette: colours,
      })
    ).id;
  }, seed);
}

const textEvents = (page: Page) =>
  page.evaluate(() =>
    (
      globalThis as unknown as {
        __atelierWrite: { textEvents(): Promise<Record<string, number>> };
      }
    ).__atelierWrite.textEvents(),
  );

describe.each(MODES)('Write room drafts ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('writes texts a person could keep for three works, and counts them', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/write' });
    const { page } = session;
    await waitForReady(page);
    await page.waitForFunction(() => '__atelierWrite' in globalThis);
    const ids: string[] = [];
    for (const seed of SEEDS) ids.push(await seedWork(page, seed));
    const select = page.getByTestId('write-work-select');
    await expect.poll(() => select.locator('option').count(), { timeout: 10_000 }).toBe(4);
    const box = page.getByTestId('write-edit');

    const texts: Record<string, string>[] = [];
    for (const [i, id] of ids.entries()) {
      await select.selectOption(id);
      await expect
        .poll(() => page.getByTestId('write-analysis').textContent(), { timeout: 30_000 })
        .toMatch(/;/);
      if (i === 0) {
        await page
          .getByTestId('write-notes')
          .fill('An astronaut in a white suit, holding her helmet.');
        await page.getByTestId('write-notes').blur();
      }
      const out: Record<string, string> = {};
      for (const task of TASKS) {
        await page.getByTestId(`write-generator-${task}`).check();
        if (task === 'alt' && i === 0)
          await expect.poll(() => box.inputValue(), { timeout: 30_000 }).toMatch(/astronaut/i);
        await expect
          .poll(
            async () =>
              (await box.getAttribute('aria-busy')) === 'false' && (await box.inputValue())
                ? 'drafted'
                : await page.locator('.toast').allTextContents(),
            { timeout: 30_000 },
          )
          .toBe('drafted');
        out[task] = await box.inputValue();
        expect(out[task], `${SEEDS[i]!.title} ${task}`).not.toMatch(MACHINE);
        expect(out[task]!.length).toBeGreaterThan(3);
      }
      texts.push(out);
    }
    // Three different titles; a 5-7-5 haiku by the dictionary; alt text within 125 characters.
    expect(new Set(texts.map((t) => t.title)).size).toBe(3);
    for (const t of texts) {
      const lines = t.poem!.split('\n');
      expect(
        lines.map((l) => lineSyllables(l, lexicon).count),
        t.poem,
      ).toEqual([5, 7, 5]);
      for (const l of lines) expect(lineSyllables(l, lexicon).unknown).toEqual([]);
      expect(t.alt!.length).toBeLessThanOrEqual(125);
    }
    expect(texts[0]!.alt).toMatch(/^An astronaut in a white suit/);
    // The works without a subject say so.
    await page.getByTestId('write-generator-alt').check();
    await expect
      .poll(() => page.getByTestId('write-draft-hint').textContent())
      .toMatch(/Add a few words about the subject for better alt text/);

    // "Another" gives a different title; Keep keeps it.
    await page.getByTestId('write-generator-title').check();
    await expect.poll(() => box.inputValue()).toBe(texts[2]!.title);
    await page.getByTestId('write-another').click();
    await expect.poll(() => box.inputValue()).not.toBe(texts[2]!.title);
    const another = await box.inputValue();
    expect(another).not.toMatch(MACHINE);
    await page.getByTestId('write-keep').click();
    await expect.poll(() => page.getByTestId('write-kept-title').textContent()).toBe(another);

    // Every text written and the kept one are Insights events.
    const counts = await textEvents(page);
    expect(counts['text.drafted']).toBeGreaterThanOrEqual(16);
    expect(counts['text.kept']).toBe(1);

    // The room remembers its work; the Library opens a work in it.
    await page.reload();
    await waitForReady(page);
    await expect.poll(() => page.getByTestId('write-work-select').inputValue()).toBe(ids[2]);
    await page.locator('nav a[data-room=library]').click();
    await page.getByTestId('work-card').filter({ hasText: 'astronaut' }).first().click();
    await page.getByTestId('work-write-about').click();
    await expect
      .poll(() => page.getByTestId('write-work-select').inputValue(), { timeout: 10_000 })
      .toBe(ids[0]);
    await expect.poll(() => page.getByTestId('write-notes').inputValue()).toMatch(/astronaut/);
  });
});
