/**
 * Organising the Library in real Chromium on real IndexedDB: ratings, pick/reject flags and
 * albums (a work in two), the gallery's filters and rating sort, and all of it back after a
 * backup, a cleared site and a restore.
 *
 * Run: E2E_OUTDIR=dist-studio E2E_PORT=4891 npx vitest run --project e2e test/e2e/library-organise.e2e.ts
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makePng } from '../fixtures/library/images';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';

const baseURL = inject('baseURL');

async function openLibrary(page: Page) {
  await waitForReady(page);
  await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
}

const titles = (page: Page) => page.locator('[data-testid=work-card] .title').allTextContents();

async function openWork(page: Page, title: string) {
  await page
    .locator('[data-testid=work-card]', { has: page.getByText(title, { exact: true }) })
    .click();
  await expect.poll(() => page.locator('#work-title').textContent()).toBe(title);
}

/** Each filter in turn (then cleared), and the rating sort. */
async function checkFilters(page: Page) {
  await page.getByTestId('library-sort').selectOption('rating');
  await expect.poll(() => titles(page)).toEqual(['harbour', 'field', 'night']);
  await page.getByTestId('filter-rating').selectOption('3');
  await expect.poll(() => titles(page)).toEqual(['harbour']);
  await page.getByTestId('filter-rating').selectOption('0');
  await page.getByTestId('filter-flag').selectOption('reject');
  await expect.poll(() => titles(page)).toEqual(['field']);
  await page.getByTestId('filter-flag').selectOption('unflagged');
  await expect.poll(() => titles(page)).toEqual(['night']);
  await page.getByTestId('filter-flag').selectOption('');
  await page.getByTestId('filter-album').selectOption({ label: 'Show' });
  await expect.poll(() => titles(page)).toEqual(['harbour', 'field']);
  await page.getByTestId('filter-album').selectOption({ label: 'Sea' });
  await expect.poll(() => titles(page)).toEqual(['harbour']);
  await page.getByTestId('filter-album').selectOption('');
  await expect.poll(() => titles(page)).toHaveLength(3);
}

describe.each(MODES)('library organising ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('rates, flags and files works in albums, filters by them, and keeps them through a backup', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page, context } = session;
    await openLibrary(page);
    await page.getByTestId('import-input').setInputFiles(
      ['night', 'field', 'harbour'].map((name, i) => ({
        name: `${name}.png`,
        mimeType: 'image/png',
        buffer: Buffer.from(makePng(20 + i, 16, { noiseSeed: i + 1 })),
      })),
    );
    await expect.poll(() => titles(page), { timeout: 60_000 }).toHaveLength(3);

    await openWork(page, 'harbour');
    await page.getByTestId('rate-4').click();
    await expect.poll(() => page.getByTestId('rating-text').textContent()).toBe('4 of 5');
    await page.getByTestId('flag-pick').click();
    await expect
      .poll(() => page.getByTestId('flag-pick').getAttribute('aria-pressed'))
      .toBe('true');
    for (const name of ['Sea', 'Show']) {
      await page.getByTestId('new-album-name').fill(name);
      await page.getByTestId('new-album-add').click();
      await expect
        .poll(() => page.locator(`[data-testid=album-toggle][data-album=${name}]`).isChecked())
        .toBe(true);
    }
    await page.getByTestId('work-close').click();

    await openWork(page, 'field');
    await page.getByTestId('rate-2').click();
    await page.getByTestId('flag-reject').click();
    await page.locator('[data-testid=album-toggle][data-album=Show]').check();
    await expect.poll(() => page.getByTestId('rating-text').textContent()).toBe('2 of 5');
    // Pressing the same star again clears the rating; a third press sets it back.
    await page.getByTestId('rate-2').click();
    await expect.poll(() => page.getByTestId('rating-text').textContent()).toBe('Not rated');
    await page.getByTestId('rate-2').click();
    await expect.poll(() => page.getByTestId('rating-text').textContent()).toBe('2 of 5');
    await page.getByTestId('work-close').click();
    await checkFilters(page);

    // Back up, lose the site's storage, restore: every rating, flag and album comes back.
    const downloading = page.waitForEvent('download');
    await page.getByTestId('backup-button').click();
    const zipPath = await (await downloading).path();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', { origin: baseURL, storageTypes: 'indexeddb' });
    await page.reload();
    await openLibrary(page);
    await expect.poll(() => page.getByTestId('work-card').count()).toBe(0);
    await page.getByTestId('restore-input').setInputFiles(zipPath);
    await page.getByTestId('restore-merge').click({ timeout: 20_000 });
    await expect.poll(() => titles(page), { timeout: 20_000 }).toHaveLength(3);
    await checkFilters(page);
    await openWork(page, 'harbour');
    expect(await page.getByTestId('rating-text').textContent()).toBe('4 of 5');
    expect(await page.getByTestId('flag-pick').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('[data-testid=album-toggle][data-album=Sea]').isChecked()).toBe(true);
  });
});
