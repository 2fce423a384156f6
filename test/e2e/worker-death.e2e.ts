/**
 * A worker that dies silently (issue #20, defect 9): the image and hash workers are closed from
 * inside (self.close(): no error event, no reply), and the next task still finishes within
 * seconds, not after the minutes-long call timeout, because the worker's lifeline lock tells the
 * page it is gone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makePng } from '../fixtures/library/images';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';

const baseURL = inject('baseURL');
const examplePng = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'registration', 'example.png'),
);

async function killWorker(page: Page, script: string) {
  await expect.poll(() => page.workers().some((w) => w.url().includes(script))).toBe(true);
  const worker = page.workers().find((w) => w.url().includes(script))!;
  await worker
    .evaluate(() => (self as unknown as { close(): void }).close())
    .catch(() => undefined);
  await expect.poll(() => page.workers().some((w) => w === worker)).toBe(false);
}

describe.each(MODES)('silent worker death ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('the image and hash workers are replaced within seconds', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await waitForReady(page);
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    const importOne = async (name: string) => {
      await page
        .getByTestId('import-input')
        .setInputFiles([{ name, mimeType: 'image/png', buffer: Buffer.from(makePng(16, 12)) }]);
      await expect
        .poll(() => page.locator(`[data-testid=import-result][data-ok=true]`).count(), {
          timeout: 20_000,
        })
        .toBeGreaterThan(0);
    };
    await importOne('first.png');
    await page.getByTestId('import-result').first().waitFor();
    await killWorker(page, 'image.worker');
    const started = Date.now();
    await page.locator('button', { hasText: 'Dismiss' }).first().click();
    await importOne('second.png');
    expect(Date.now() - started).toBeLessThan(20_000);

    await page.locator('nav a[data-room=register]').click();
    const verify = (name: string) =>
      page
        .getByTestId('verify-file')
        .setInputFiles({ name, mimeType: 'image/png', buffer: examplePng });
    const result = page.getByTestId('verify-result');
    await verify('one.png');
    await expect.poll(() => result.getAttribute('data-valid'), { timeout: 30_000 }).toBe('true');
    await killWorker(page, 'hash.worker');
    const again = Date.now();
    await page.getByTestId('verify-file').setInputFiles({
      name: 'plain.png',
      mimeType: 'image/png',
      buffer: Buffer.from(makePng(16, 12)),
    });
    await expect.poll(() => result.getAttribute('data-valid'), { timeout: 20_000 }).toBe('none');
    expect(Date.now() - again).toBeLessThan(20_000);
  });
});
