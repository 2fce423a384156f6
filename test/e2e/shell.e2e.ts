/** The studio frame: rooms, keyboard, touch sizes, status bar and the backend setting. */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';

const baseURL = inject('baseURL');
const ROOMS = ['library', 'render', 'write', 'insights', 'register'];

describe.each(MODES)('studio frame ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('shows the backend the workers found in the status bar', async () => {
    session = await openStudio({ baseURL, mode });
    const { page } = session;
    await waitForReady(page);
    const status = page.getByTestId('backend-status');
    await expect.poll(() => status.getAttribute('data-backend')).toBe(mode.name);
    // Plain words on screen; the technical facts behind Details.
    const text = (await status.textContent()) ?? '';
    expect(text.trim()).toBe(
      mode.webgpu
        ? 'Effects run on the graphics card'
        : 'Effects run on the processor (no usable graphics card)',
    );
    const details = page.getByTestId('backend-details');
    expect(await details.isVisible()).toBe(false);
    await page.locator('footer.status summary').click();
    const facts = (await details.textContent()) ?? '';
    if (mode.webgpu) {
      expect(facts).toMatch(/^\s*WebGPU · .+ · (no )?shader-f16/);
    } else {
      // vite preview sends COOP/COEP, so the worker is isolated and gets threads.
      expect(facts).toMatch(/WASM · \d+ threads? · cross-origin isolated/);
    }
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  it('reaches every room by mouse and by keyboard alone', async () => {
    session = await openStudio({ baseURL, mode });
    const { page } = session;
    await waitForReady(page);
    for (const room of ROOMS) {
      await page.locator(`nav a[data-room=${room}]`).click();
      await expect.poll(() => page.locator('main').getAttribute('data-room')).toBe(room);
      expect(page.url()).toContain(`#/${room}`);
    }
    // Keyboard: the first Tab reaches the skip link, which moves focus into the room.
    // A fresh load (a hash change alone keeps focus where the room change put it).
    await page.goto(`${baseURL}/#/library`);
    await page.reload();
    await waitForReady(page);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to room');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // Arrow keys move along the navigation bar; Enter opens the room.
    await page.locator('nav a[data-room=library]').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-room'))).toBe(
      'write',
    );
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('main').getAttribute('data-room')).toBe('write');
    await page.keyboard.press('End');
    await page.locator('nav a[data-room=register]').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-room'))).toBe(
      'library',
    );
  });

  it('fits a 768 px tablet with 44 px touch targets', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 768, height: 1024 } });
    const { page } = session;
    await waitForReady(page);
    // The widest header has the Install button too (shown once Chromium offers installation).
    await page
      .getByTestId('install-app')
      .waitFor({ timeout: 10_000 })
      .catch(() => undefined);
    const sizes = await page.evaluate(() =>
      [...document.querySelectorAll('nav a, header button')].map((el) => {
        const r = el.getBoundingClientRect();
        return { h: r.height, w: r.width, right: r.right };
      }),
    );
    expect(sizes.length).toBeGreaterThanOrEqual(6);
    for (const s of sizes) {
      expect(s.h).toBeGreaterThanOrEqual(44);
      expect(s.w).toBeGreaterThanOrEqual(44);
      expect(s.right).toBeLessThanOrEqual(768);
    }
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('forces WASM from settings, and the choice survives a reload', async () => {
    session = await openStudio({ baseURL, mode });
    const { page } = session;
    await waitForReady(page);
    await page.getByTestId('open-settings').click();
    await page.locator('input[name=backend][value=wasm]').check();
    await page.getByTestId('settings-close').click();
    const status = page.getByTestId('backend-status');
    await expect.poll(() => status.getAttribute('data-backend')).toBe('wasm');
    await page.reload();
    await waitForReady(page);
    await expect.poll(() => status.getAttribute('data-backend')).toBe('wasm');
    expect(await page.locator('input[name=backend][value=wasm]').isChecked()).toBe(true);
    // Back to automatic: the mode's own backend returns.
    await page.getByTestId('open-settings').click();
    await page.locator('input[name=backend][value=auto]').check();
    await page.getByTestId('settings-close').click();
    await expect.poll(() => status.getAttribute('data-backend')).toBe(mode.name);
  });
});
