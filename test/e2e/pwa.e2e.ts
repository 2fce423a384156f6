/**
 * The installable, offline PWA: installability, a cold start with the server gone, and the update
 * flow (v1 running, v2 deployed, the person accepts, nothing is lost).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  endSession,
  MODES,
  openStudio,
  waitForReady,
  waitForServiceWorker,
  type StudioSession,
} from './browser';
import { makePng } from '../fixtures/library/images';
import { buildStudio, startPreview, type Preview } from './server';

const V1_DIR = process.env.E2E_OUTDIR ?? 'dist';
const V2_DIR = `${V1_DIR}-v2`;
const PORT = Number(process.env.E2E_PWA_PORT ?? 4793);
const ROOMS = ['library', 'render', 'write', 'insights', 'register'];

beforeAll(() => buildStudio({ outDir: V2_DIR, version: '9.9.9-e2e' }));
afterAll(() =>
  rmSync(join(import.meta.dirname, '..', '..', V2_DIR), { recursive: true, force: true }),
);

describe.each(MODES)('offline PWA ($name)', (mode) => {
  let session: StudioSession | undefined;
  let server: Preview | undefined;
  let profileDir: string;
  beforeAll(() => {
    profileDir = mkdtempSync(join(tmpdir(), 'atelier-pwa-'));
  });
  afterEach(async () => {
    const ending = session;
    session = undefined;
    try {
      await endSession(ending);
    } finally {
      await server?.stop();
      server = undefined;
    }
  });
  afterAll(() => rmSync(profileDir, { recursive: true, force: true }));

  it('is installable: the browser reports no installability error', async () => {
    server = await startPreview({ outDir: V1_DIR, port: PORT });
    session = await openStudio({ baseURL: server.url, mode, profileDir });
    await waitForReady(session.page);
    const cdp = await session.context.newCDPSession(session.page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: unknown[];
    };
    expect(installabilityErrors).toEqual([]);
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; url: string };
    expect(manifest.errors).toEqual([]);
    expect(manifest.url).toBe(`${server.url}/manifest.webmanifest`);
  });

  it('cold-starts with the server gone: isolated, every room opens, import, render and insights work', async () => {
    server = await startPreview({ outDir: V1_DIR, port: PORT });
    session = await openStudio({ baseURL: server.url, mode, profileDir });
    await waitForServiceWorker(session.page);
    await waitForReady(session.page);
    const baseURL = server.url;
    await session.close();
    session = undefined;
    await server.stop();
    server = undefined;

    // Nothing listens on the port now; a fresh browser on the same profile starts offline.
    session = await openStudio({ baseURL, mode, profileDir, path: '/#/render' });
    await session.context.setOffline(true);
    const { page } = session;
    await page.reload();
    await waitForReady(page);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    await expect
      .poll(() => page.getByTestId('backend-status').getAttribute('data-backend'))
      .toBe(mode.name);
    for (const room of ROOMS) {
      await page.locator(`nav a[data-room=${room}]`).click();
      await expect.poll(() => page.locator('main').getAttribute('data-room')).toBe(room);
      expect(await page.locator('main h1').first().textContent()).toBeTruthy();
    }
    // The rooms work offline: an import is saved, a render runs, Insights shows them.
    await page.locator('nav a[data-room=library]').click();
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    await page
      .getByTestId('import-input')
      .setInputFiles([
        { name: 'offline.png', mimeType: 'image/png', buffer: Buffer.from(makePng(48, 32)) },
      ]);
    await expect
      .poll(() => page.locator('[data-testid=import-result][data-ok=true]').count(), {
        timeout: 60_000,
      })
      .toBe(1);
    await page.locator('nav a[data-room=render]').click();
    // The room's code loads on first open (lazily, from the precache): wait for its work list.
    await page
      .locator('[data-testid=work-select] option:not([value=""])')
      .first()
      .waitFor({ state: 'attached', timeout: 60_000 });
    const workId = await page
      .locator('[data-testid=work-select] option')
      .evaluateAll((els) => (els as HTMLOptionElement[]).map((o) => o.value).find(Boolean));
    await page.getByTestId('work-select').selectOption(workId!);
    if ((await page.getByTestId('catalogue').count()) === 0) {
      await page.getByTestId('catalogue-toggle').click();
    }
    await page.locator('[data-testid=catalogue-item][data-effect=exposure]').click();
    const frames = () =>
      page.getByTestId('preview').evaluate((c) => Number(c.getAttribute('data-frames') ?? 0));
    await expect.poll(frames, { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
    await page.locator('nav a[data-room=insights]').click();
    await expect
      .poll(() => page.getByTestId('total-works').textContent(), { timeout: 30_000 })
      .toBe('1');

    // A deep link is served from the precache too.
    await page.goto(`${baseURL}/some/deep/link#/insights`);
    await waitForReady(page);
    expect(await page.locator('main').getAttribute('data-room')).toBe('insights');
  });

  it('waits for the person to accept an update, then runs the new version with edits kept', async () => {
    server = await startPreview({ outDir: V1_DIR, port: PORT + 1 });
    session = await openStudio({ baseURL: server.url, mode });
    const { page } = session;
    await waitForServiceWorker(page);
    await waitForReady(page);
    const versionText = () => page.locator('footer .version').textContent();
    const v1 = await versionText();
    // An edit in flight: the backend setting.
    await page.getByTestId('open-settings').click();
    await page.locator('input[name=backend][value=wasm]').check();
    await page.getByTestId('settings-close').click();

    await server.stop();
    server = await startPreview({ outDir: V2_DIR, port: PORT + 1 });
    await page.reload();
    await waitForReady(page);
    // Still v1: the new worker waits.
    expect(await versionText()).toBe(v1);
    await page.getByTestId('update-prompt').waitFor({ timeout: 30_000 });
    await Promise.all([page.waitForEvent('load'), page.getByTestId('update-accept').click()]);
    await waitForReady(page);
    await expect.poll(versionText).toBe('Atelier 9.9.9-e2e');
    expect(await page.locator('input[name=backend][value=wasm]').isChecked()).toBe(true);
    await expect
      .poll(() => page.getByTestId('backend-status').getAttribute('data-backend'))
      .toBe('wasm');
  });
});
