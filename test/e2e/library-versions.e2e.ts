/**
 * Versions in plain words and storage advice that waits until it matters (issue #19, items 3 and
 * 6), in real Chromium with real IndexedDB and the real render worker: a work is imported (no
 * storage sentence after that first import), the same stack is rendered twice in the Render room
 * (the second finds the version the first made: one row, "Already saved"), and the Library shows
 * that one version as a plain line with the technical record behind "Details". Two more works
 * make the library matter: the storage sentence appears with its action, and a backup quiets it.
 *
 * WASM only, like the Library's other scenarios: the words say where the render ran, and the
 * reuse decision does not depend on the backend.
 *
 * Run: E2E_OUTDIR=dist-versions E2E_PORT=4839 npx vitest run --project e2e test/e2e/library-versions.e2e.ts
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makePng } from '../fixtures/library/images';
import { endSession, openStudio, MODES, waitForReady, type StudioSession } from './browser';
import {
  addEffect,
  importFiles,
  openRender,
  png,
  rows,
  waitFrames,
  type VersionRow,
} from './render-room-helpers';

const baseURL = inject('baseURL');

const toastTexts = (page: Page) => page.locator('.toast > span').allTextContents();

/** Renders the room's stack at full size and waits until the room is ready again. */
async function renderFull(page: Page): Promise<void> {
  await page.getByTestId('render-full').click();
  await expect.poll(() => page.getByTestId('render-progress').count(), { timeout: 90_000 }).toBe(0);
  await page.getByTestId('render-full').waitFor();
}

async function openLibrary(page: Page): Promise<void> {
  await page.goto(`${baseURL}/#/library`);
  await waitForReady(page);
  await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
}

describe.each(MODES)('library versions ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('reuses an identical re-render, reads the version in plain words, and advises on storage only when it matters', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1280, height: 900 } });
    const { page } = session;

    // First import: the browser is asked to keep the storage, and nothing alarming is shown.
    await importFiles(page, [png('dune.png', makePng(90, 60, { color: [200, 160, 90] }))]);
    const meter = page.getByTestId('storage-meter');
    await expect.poll(() => meter.getAttribute('data-persisted')).toMatch(/^(true|false)$/);
    const persisted = (await meter.getAttribute('data-persisted')) === 'true';
    // Give a late refresh its chance to (wrongly) show the sentence before checking it is absent.
    await page.waitForTimeout(500);
    expect(await page.getByTestId('storage-advice').count()).toBe(0);
    expect(await meter.textContent()).not.toMatch(/not protected|persistent/i);

    // The same stack rendered twice: one version, and the second time says it already exists.
    await openRender(page, 'dune');
    await addEffect(page, 'exposure');
    await addEffect(page, 'contrast');
    await waitFrames(page, 3);
    await renderFull(page);
    await expect.poll(() => page.getByTestId('version').count(), { timeout: 90_000 }).toBe(1);
    await expect
      .poll(() => toastTexts(page))
      .toContainEqual(expect.stringContaining('Saved a new version of “dune”'));
    await renderFull(page);
    await expect
      .poll(() => toastTexts(page))
      .toContainEqual(
        expect.stringMatching(/^Already saved — this version of “dune” exists \(rendered .+\)\.$/),
      );
    expect(await page.getByTestId('version').count()).toBe(1);
    const versions = await rows<VersionRow & { createdAt: number }>(page, 'versions');
    expect(versions).toHaveLength(1);
    expect(versions[0]!.engine.backend).toBe(mode.name);

    // The Library shows that one version in plain words, the technical line behind Details.
    await openLibrary(page);
    await page.getByTestId('work-card').first().click();
    const item = page.getByTestId('version-item');
    await expect.poll(() => item.count()).toBe(1);
    const when = await page.evaluate(
      (at) =>
        new Intl.DateTimeFormat(undefined, {
          day: 'numeric',
          month: 'short',
          hour: 'numeric',
          minute: '2-digit',
        }).format(new Date(at)),
      versions[0]!.createdAt,
    );
    expect(await item.getByTestId('version-line').textContent()).toBe(
      `Rendered ${when} · 90 × 60 · Exposure, Contrast · on the ${mode.webgpu ? 'GPU' : 'CPU'}`,
    );
    const details = item.getByTestId('version-details');
    expect(await details.isVisible()).toBe(false);
    await item.getByText('Details', { exact: true }).click();
    await expect.poll(() => details.isVisible()).toBe(true);
    expect(await details.textContent()).toMatch(
      mode.webgpu
        ? /^engine atelier-render\/\d+ · backend webgpu · adapter \S.* · \d+ ms · 1 tile · from original$/
        : /^engine atelier-render\/\d+ · backend wasm · \d+ ms · 1 tile · from original$/,
    );
    await page.getByTestId('work-close').click();

    // Three works make the library worth protecting: one sentence and the action that helps.
    await importFiles(page, [
      png('tide.png', makePng(40, 30, { color: [20, 90, 160] })),
      png('ember.png', makePng(40, 30, { color: [180, 60, 20] })),
    ]);
    const advice = page.getByTestId('storage-advice');
    if (persisted) {
      // A browser that keeps the storage needs no advice (the sentence is only for the risk).
      await page.waitForTimeout(500);
      expect(await advice.count()).toBe(0);
      return;
    }
    await expect.poll(() => advice.count()).toBe(1);
    const action = await advice.getAttribute('data-action');
    const sentence = (await advice.locator('span').textContent())!;
    expect(sentence).toMatch(/^(This browser|The browser declined).* your 3 works \(\d+ KB\)/);
    if (action === 'install') {
      expect(sentence).toMatch(/; installing Atelier asks it to keep them\.$/);
      expect(await advice.getByRole('button').textContent()).toBe('Install Atelier');
      return;
    }
    expect(action).toBe('backup');
    expect(sentence).toMatch(/, so keep a backup file of them somewhere safe\.$/);
    const downloading = page.waitForEvent('download');
    await advice.getByRole('button', { name: 'Back up now' }).click();
    await downloading;
    await expect.poll(() => advice.count()).toBe(0);
  });
});
