/**
 * The share target with the real service worker (issue #20, defect 1): another site that submits a
 * form to /share-target gets nothing into the studio, with or without a referrer; a share the
 * studio accepts waits for the artist's "import them?" and survives a reload until answered.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makePng } from '../fixtures/library/images';
import {
  endSession,
  WASM_ONLY,
  openStudio,
  waitForReady,
  waitForServiceWorker,
  type StudioSession,
} from './browser';

const baseURL = inject('baseURL');
const SHARE_CACHE = 'atelier-share-inbox';

/** A script that builds a multipart form of PNG files and submits it to `action`. */
function submitScript(action: string, count: number): string {
  const png = Buffer.from(makePng(8, 8)).toString('base64');
  return `
    const bytes = Uint8Array.from(atob('${png}'), (c) => c.charCodeAt(0));
    const form = document.createElement('form');
    form.method = 'post';
    form.enctype = 'multipart/form-data';
    form.action = ${JSON.stringify(action)};
    const input = document.createElement('input');
    input.type = 'file';
    input.name = 'images';
    input.multiple = true;
    const dt = new DataTransfer();
    for (let i = 0; i < ${count}; i++) dt.items.add(new File([bytes], 'shared-' + i + '.png', { type: 'image/png' }));
    input.files = dt.files;
    form.append(input);
    document.body.append(form);
    form.submit();`;
}

/** Another site (localhost is cross-site to 127.0.0.1) whose page posts images to the studio. */
async function startAttacker(target: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const policy = req.url?.includes('noref') ? 'no-referrer' : 'origin';
    res.setHeader('Content-Type', 'text/html');
    res.end(
      `<!doctype html><meta name="referrer" content="${policy}"><body><script>${submitScript(`${target}/share-target`, 3)}</script>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}` };
}

const inbox = (page: Page) =>
  page.evaluate(async (name) => (await (await caches.open(name)).keys()).length, SHARE_CACHE);
const workCount = (page: Page) => page.getByTestId('library-count').textContent();

async function openLibrary(page: Page, hash = '#/library') {
  await page.goto(`${baseURL}/${hash}`);
  await waitForReady(page);
  await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
}

describe.each(WASM_ONLY)('share target ($name)', (mode) => {
  let session: StudioSession | undefined;
  let attacker: Server | undefined;
  afterEach(async () => {
    attacker?.close();
    attacker = undefined;
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('refuses images another site posts, with or without a referrer', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await waitForServiceWorker(page);
    const evil = await startAttacker(baseURL);
    attacker = evil.server;
    for (const path of ['/', '/noref']) {
      const landed = page.waitForURL(`${baseURL}/**`);
      await page.goto(`${evil.url}${path}`);
      await landed;
      await expect.poll(() => page.locator('body').textContent()).toContain('Nothing was kept');
    }
    await openLibrary(page, '#/library?shared=1');
    expect(await inbox(page)).toBe(0);
    expect(await page.getByTestId('share-prompt').count()).toBe(0);
    expect((await workCount(page))?.trim()).toMatch(/^0\s+works$/);
    // The attacker's own page is the only other origin this test visited.
    session.foreignRequests.splice(
      0,
      Infinity,
      ...session.foreignRequests.filter((u) => !u.startsWith(evil.url)),
    );
  });

  it('asks before importing what the studio accepted, and a reload keeps the question', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await waitForServiceWorker(page);
    await openLibrary(page);
    await page.evaluate(submitScript('/share-target', 3));
    await page.getByTestId('share-prompt').waitFor();
    expect(await page.getByTestId('share-prompt').textContent()).toContain(
      '3 images were shared to Atelier — import them?',
    );
    expect((await workCount(page))?.trim()).toMatch(/^0\s+works$/);
    await page.reload();
    await page.getByTestId('share-prompt').waitFor();
    await page.getByTestId('share-accept').click();
    await expect
      .poll(async () => (await workCount(page))?.trim(), { timeout: 60_000 })
      .toMatch(/^3\s+works$/);
    expect(await inbox(page)).toBe(0);

    // "Discard" drops a share and imports nothing.
    await page.evaluate(submitScript('/share-target', 1));
    await page.getByTestId('share-prompt').waitFor();
    expect(await page.getByTestId('share-prompt').textContent()).toContain('1 image was shared');
    await page.getByTestId('share-discard').click();
    await expect.poll(() => inbox(page)).toBe(0);
    await page.reload();
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    expect(await page.getByTestId('share-prompt').count()).toBe(0);
    expect((await workCount(page))?.trim()).toMatch(/^3\s+works$/);
  });
});
