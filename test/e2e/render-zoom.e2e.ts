/**
 * Looking closely in the Render room, in real Chromium with WebGPU (SwiftShader) and without
 * (WASM): a 12 MP work opens fitted; 100 % shows the work's own pixels — the part in view is
 * rendered again from the full-size original (a region render), and equals the same part of the
 * full-size version the room renders, pixel for pixel within 1/255; a drag pans and the new part
 * renders; the navigator jumps to a corner (its part renders too); 200 % and the keyboard zoom; Fit ("0") goes back to the preview frame alone.
 * On a tablet (touch, 1024×768): two fingers pinch and pan, the image stays in view while a
 * slider is dragged, and one finger paints a brush mask (one stroke, neither a pan nor a zoom).
 *
 * Run: E2E_OUTDIR=dist-zoom E2E_PORT=4812 npx vitest run --project e2e test/e2e/render-zoom.e2e.ts
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { rgbPng } from '../fixtures/library/images';
import { endSession, MODES, openStudio, openTablet, type StudioSession } from './browser';
import {
  addEffect,
  canvasPixels,
  frames,
  importFiles,
  newestVersionPixels,
  openRender,
  png,
  waitFrames,
} from './render-room-helpers';

const baseURL = inject('baseURL');

/** A 12 MP picture with detail at every scale (edges a blur moves, a vignette's falloff). */
function harbour(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba[i] = (x + (y >> 3) * 5) & 255;
      rgba[i + 1] = (y * 3 + (x >> 2)) & 255;
      rgba[i + 2] = ((x ^ y) >> 2) & 255;
      rgba[i + 3] = 255;
    }
  }
  return rgbPng(width, height, rgba);
}

const zoomOf = async (page: Page) =>
  Number(await page.getByTestId('preview-box').getAttribute('data-zoom'));
const detail = (page: Page) => page.getByTestId('preview-detail');
const rectOf = async (page: Page) =>
  ((await detail(page).getAttribute('data-rect')) ?? '').split(',').map(Number);
const painted = async (page: Page) =>
  (await detail(page).count()) === 0
    ? 0
    : Number((await detail(page).getAttribute('data-painted')) ?? 0);

/** The detail canvas against the same rectangle of the newest version's full-size pixels. */
async function compareWithVersion(page: Page) {
  const { rect, data: got } = await canvasPixels(page, 'preview-detail');
  const version = await newestVersionPixels(page, rect);
  let worst = 0;
  let differing = 0;
  for (let i = 0; i < version.data.length; i++) {
    const d = Math.abs(version.data[i]! - got[i]!);
    worst = Math.max(worst, d);
    if (d > 0) differing++;
  }
  const { x, y, width: w, height: h } = rect;
  return { x, y, w, h, worst, differing, versionWidth: version.fullWidth };
}

describe.each(MODES)('Render room zoom ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('100 % shows the full-resolution pixels of a 12 MP work, pans, and fits again', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1440, height: 900 } });
    const { page } = session;
    const [W, H] = [4000, 3000];
    await importFiles(page, [png('harbour.png', harbour(W, H))]);
    await openRender(page, 'harbour');

    // A stack whose pixels depend on their place (vignette) and their neighbours (blur).
    await addEffect(page, 'vignette');
    const vignette = page.locator('[data-testid=layer][data-effect=vignette]');
    await vignette.getByTestId('layer-name').click();
    await vignette.locator('[data-testid=param-slider][data-param=amount]').fill('0.8');
    await addEffect(page, 'blur');
    const blur = page.locator('[data-testid=layer][data-effect=blur]');
    await blur.getByTestId('layer-name').click();
    const shown = await frames(page);
    await blur.locator('[data-testid=param-slider][data-param=sigma]').fill('3');
    await waitFrames(page, shown + 1);

    // Fitted: the whole work in the box, no region render.
    const fitted = await zoomOf(page);
    expect(fitted).toBeLessThan(40);
    expect(await detail(page).count()).toBe(0);
    expect(await page.getByTestId('zoom-fit').getAttribute('aria-pressed')).toBe('true');

    // 100 %: the part in view renders again at full size.
    const t0 = Date.now();
    await page.getByTestId('zoom-100').click();
    await expect.poll(() => zoomOf(page)).toBe(100);
    await expect.poll(() => painted(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    const firstPaintMs = Date.now() - t0;
    expect(await detail(page).getAttribute('data-level')).toBe('1');
    expect(await page.getByTestId('zoom-level').textContent()).toBe('100 %');

    // Those pixels are the full-size render's.
    await page.getByTestId('render-full').click();
    await expect.poll(() => page.getByTestId('version').count(), { timeout: 120_000 }).toBe(1);
    const atCentre = await compareWithVersion(page);
    expect(atCentre.versionWidth).toBe(W);
    expect(atCentre.w * atCentre.h).toBeGreaterThan(200_000);
    // The view is centred: the region sits inside the work, away from its edges.
    expect(atCentre.x).toBeGreaterThan(1000);
    expect(atCentre.worst, JSON.stringify(atCentre)).toBeLessThanOrEqual(1);

    // A drag pans: the image follows the pointer and the newly shown part renders.
    const box = (await page.getByTestId('preview-box').boundingBox())!;
    const before = await painted(page);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 300, box.y + box.height / 2 + 200, {
      steps: 6,
    });
    await page.mouse.up();
    // (A part rendered mid-drag may be painted first; the part now in view follows.)
    await expect.poll(() => painted(page), { timeout: 60_000 }).toBeGreaterThan(before);
    await expect
      .poll(async () => (await rectOf(page))[0], { timeout: 60_000 })
      .toBeLessThan(atCentre.x - 200);
    const panned = await compareWithVersion(page);
    expect(panned.x).toBeLessThan(atCentre.x - 200);
    expect(panned.y).toBeLessThan(atCentre.y - 100);
    expect(panned.worst, JSON.stringify(panned)).toBeLessThanOrEqual(1);

    // The navigator: the whole work small, the part in view outlined; a press there brings that
    // point to the middle — the top-left corner here, whose part (at the work's edge) renders too.
    const navigator = page.getByTestId('navigator');
    const outline = (await page.getByTestId('navigator-view').boundingBox())!;
    const nav = (await navigator.boundingBox())!;
    expect(outline.width).toBeLessThan(nav.width / 2);
    await navigator.click({ position: { x: 2, y: 2 } });
    await expect.poll(async () => (await rectOf(page))[0], { timeout: 60_000 }).toBe(0);
    await expect.poll(async () => (await rectOf(page))[1], { timeout: 60_000 }).toBe(0);
    const corner = await compareWithVersion(page);
    expect(corner.worst, JSON.stringify(corner)).toBeLessThanOrEqual(1);

    // 200 % and the keyboard: "+" steps in, "-" out, "0" fits (no region render then).
    await page.getByTestId('zoom-200').click();
    await expect.poll(() => zoomOf(page)).toBe(200);
    await page.getByTestId('preview-box').focus();
    await page.keyboard.press('-');
    await expect.poll(() => zoomOf(page)).toBe(150);
    await page.keyboard.press('0');
    await expect.poll(() => zoomOf(page)).toBe(fitted);
    await expect.poll(() => detail(page).count()).toBe(0);
    expect(await navigator.count()).toBe(0);
    console.info(
      `[zoom ${mode.name}] fit ${fitted} %; 100 % painted the ${atCentre.w}×${atCentre.h} part in view ${firstPaintMs} ms after the click (software GPU on WebGPU: not a speed figure)`,
    );
  });
});

describe('Render room on a tablet (touch, 1024×768): zoom and brush', () => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('two fingers pinch to zoom and pan; the image stays in view while a slider is dragged', async () => {
    session = await openTablet(baseURL);
    const { page } = session;
    await importFiles(page, [png('pier.png', harbour(2400, 1600))]);
    await openRender(page, 'pier');
    await addEffect(page, 'exposure');
    const fitted = await zoomOf(page);
    const cdp = await page.context().newCDPSession(page);
    const box = (await page.getByTestId('preview-box').boundingBox())!;
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', d: number, dx = 0) =>
      cdp.send('Input.dispatchTouchEvent', {
        type,
        touchPoints:
          type === 'touchEnd'
            ? []
            : [
                { x: cx - d + dx, y: cy, id: 0 },
                { x: cx + d + dx, y: cy, id: 1 },
              ],
      });
    // Pinch out: the fingers from 40 px apart to 240 px, then both move left (a pan).
    await touch('touchStart', 20);
    for (let d = 30; d <= 120; d += 10) await touch('touchMove', d);
    for (let dx = -10; dx >= -80; dx -= 10) await touch('touchMove', 120, dx);
    await touch('touchEnd', 0);
    await expect.poll(() => zoomOf(page)).toBeGreaterThan(fitted * 3);
    await expect.poll(() => painted(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);

    // A slider dragged with a finger: the picture's box stays inside the viewport throughout.
    const exposure = page.locator('[data-testid=layer][data-effect=exposure]');
    await exposure.getByTestId('layer-name').click();
    const slider = exposure.locator('[data-testid=param-slider][data-param=ev]');
    await slider.scrollIntoViewIfNeeded();
    const s = (await slider.boundingBox())!;
    const y = s.y + s.height / 2;
    const inView: boolean[] = [];
    const check = async () => {
      const b = (await page.getByTestId('preview-box').boundingBox())!;
      inView.push(b.y >= -1 && b.y + b.height <= 769 && b.height > 150);
    };
    await cdp.send('Input.dispatchTouchEvent', {
      type: 'touchStart',
      touchPoints: [{ x: s.x + s.width / 2, y, id: 0 }],
    });
    for (let k = 1; k <= 6; k++) {
      await cdp.send('Input.dispatchTouchEvent', {
        type: 'touchMove',
        touchPoints: [{ x: s.x + s.width / 2 + k * 15, y, id: 0 }],
      });
      await check();
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    expect(inView).toEqual(inView.map(() => true));
    const number = exposure.locator('[data-testid=param-number][data-param=ev]');
    expect(Number(await number.inputValue())).not.toBe(0.3);
  });

  it('a finger paints a brush mask: one stroke, no pan or zoom, brighter only where painted', async () => {
    session = await openTablet(baseURL);
    const { page } = session;
    const [W, H] = [600, 400];
    await importFiles(page, [png('grey.png', rgbPng(W, H, new Uint8Array(W * H * 4).fill(100)))]);
    await openRender(page, 'grey');
    await addEffect(page, 'exposure');
    const exposure = page.locator('[data-testid=layer][data-effect=exposure]');
    await exposure.getByTestId('layer-name').click();
    const ev = exposure.locator('[data-testid=param-number][data-param=ev]');
    await ev.fill('1.5');
    await ev.press('Enter');
    await exposure.getByTestId('mask-kind').selectOption('brush');
    expect(await exposure.getByTestId('mask-draw').getAttribute('aria-pressed')).toBe('true');
    const fitted = await zoomOf(page);
    const stage = (await page.getByTestId('stage').boundingBox())!;
    // The picture is on screen beside the controls, so the finger can reach it.
    expect(stage.x).toBeGreaterThanOrEqual(0);
    expect(stage.y + stage.height).toBeLessThanOrEqual(768);
    const cdp = await page.context().newCDPSession(page);
    const at = (fx: number) => ({
      x: stage.x + stage.width * fx,
      y: stage.y + stage.height * 0.25,
      id: 0,
    });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(0.1)] });
    for (let k = 1; k <= 12; k++) {
      await cdp.send('Input.dispatchTouchEvent', {
        type: 'touchMove',
        touchPoints: [at(0.1 + (0.8 * k) / 12)],
      });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect
      .poll(() => exposure.getByTestId('brush-strokes').textContent())
      .toContain('1 stroke painted');
    expect(await zoomOf(page)).toBe(fitted);
    const preview = (fx: number, fy: number) =>
      page.getByTestId('preview').evaluate(
        (canvas, [x, y]) => {
          const c = canvas as HTMLCanvasElement;
          const p = [Math.floor(x! * c.width), Math.floor(y! * c.height)] as const;
          return c.getContext('2d')!.getImageData(p[0], p[1], 1, 1).data[0]!;
        },
        [fx, fy],
      );
    await expect
      .poll(async () => [await preview(0.5, 0.25), await preview(0.5, 0.85)], { timeout: 30_000 })
      .toEqual([expect.toSatisfy((v: number) => v > 150), 100]);
    // The stroke runs along the finger: painted at both ends of it, not beyond them.
    expect(await preview(0.12, 0.25)).toBeGreaterThan(150);
    expect(await preview(0.88, 0.25)).toBeGreaterThan(150);
    expect(await preview(0.5, 0.6)).toBe(100);
  });
});
