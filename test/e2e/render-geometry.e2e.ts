/**
 * Framing a picture in the Render room, in real Chromium with WebGPU (SwiftShader) and without
 * (WASM): a quarter turn makes the preview portrait and says the new size; a mirror and a
 * straighten; the crop drawn on the image (the whole straightened picture showing while cropping)
 * by dragging an edge and moving the frame; each is one undo step; the full-size version has the
 * size the panel said and equals Node's render of the same stack within 1/255; a 1:1 ratio makes
 * it square; a line drawn along a slanted horizon levels it; a reload keeps the framing. On a
 * tablet the framing has its own tab, and the six tabs fit.
 *
 * Run: E2E_OUTDIR=dist-geometry E2E_PORT=4931 npx vitest run --project e2e test/e2e/render-geometry.e2e.ts
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { layer } from '../../src/shared/effects/registry';
import type { EffectStack } from '../../src/shared/effects/types';
import { rgbPng } from '../fixtures/library/images';
import { maxDiff } from '../helpers/pixels';
import {
  endSession,
  MODES,
  openStudio,
  openTablet,
  waitForReady,
  type StudioSession,
} from './browser';
import { disposeReferences, nodeStages } from './render-helpers';
import {
  addEffect,
  frames,
  importFiles,
  newestVersionPixels,
  openRender,
  png,
  rows,
  waitFrames,
  type VersionRow,
} from './render-room-helpers';

const baseURL = inject('baseURL');
afterAll(() => disposeReferences());

/** A landscape picture no turn or mirror leaves alike: four colours, a ramp, a diagonal. */
function field(width: number, height: number) {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const right = x >= width / 2;
      const low = y >= height / 2;
      data[i] = right ? 200 : 40 + ((x * 3) & 63);
      data[i + 1] = low ? 180 : 60 + ((y * 5) & 63);
      data[i + 2] = Math.abs(x - y) < 6 ? 250 : (x + 2 * y) & 255;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

const panel = (page: Page) => page.getByTestId('geometry');
const sizeLine = async (page: Page) => {
  const text = (await panel(page).getByTestId('geometry-size').textContent()) ?? '';
  const m = /(\d+) × (\d+) px/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
};
const canvasSize = (page: Page) =>
  page.getByTestId('preview').evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    return [canvas.width, canvas.height];
  });
const cropRect = async (page: Page) =>
  ((await page.getByTestId('crop-frame').getAttribute('data-rect')) ?? '').split(',').map(Number);
const straighten = async (page: Page) =>
  Number(
    await panel(page).locator('[data-testid=param-slider][data-param=straighten]').inputValue(),
  );

/** Drags from the middle of `from` by (dx, dy) CSS px with the mouse. */
async function drag(page: Page, testId: string, dx: number, dy: number) {
  const b = (await page.getByTestId(testId).boundingBox())!;
  const [x, y] = [b.x + b.width / 2, b.y + b.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 5 });
  await page.mouse.up();
}

describe.each(MODES)('Render room framing ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('turns, mirrors, straightens and crops on the image; full size equals Node; undo, ratio, horizon, reload', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1440, height: 900 } });
    const { page } = session;
    const image = field(600, 400);
    await importFiles(page, [png('field.png', rgbPng(600, 400, image.data))]);
    await openRender(page, 'field');
    await addEffect(page, 'exposure');
    const exposure = page.locator('[data-testid=layer][data-effect=exposure]');
    await exposure.getByTestId('layer-name').click();
    let shown = await frames(page);
    await exposure.locator('[data-testid=param-slider][data-param=ev]').fill('0.5');
    await waitFrames(page, shown + 1);
    expect(await sizeLine(page)).toEqual([600, 400]);
    await expect.poll(() => page.getByTestId('reset-framing').isDisabled()).toBe(true);

    // A quarter turn: the preview is portrait and the size says so.
    shown = await frames(page);
    await page.getByTestId('rotate-right').click();
    await waitFrames(page, shown + 1);
    await expect.poll(() => sizeLine(page)).toEqual([400, 600]);
    await expect
      .poll(async () => {
        const [w, h] = await canvasSize(page);
        return h > w;
      })
      .toBe(true);

    // A mirror, and 4° of straighten: the size shrinks to keep out the empty corners.
    await page.getByTestId('flip-h').click();
    await panel(page).locator('[data-testid=param-slider][data-param=straighten]').fill('4');
    await expect.poll(() => straighten(page)).toBe(4);
    await expect.poll(async () => (await sizeLine(page))[0]).toBeLessThan(400);
    const straightened = await sizeLine(page);

    // The crop tool: the whole straightened picture shows, the crop framed on it.
    await page.getByTestId('crop-tool').click();
    await page.getByTestId('crop-frame').waitFor();
    const start = await cropRect(page);
    expect(Math.round(start[2]!)).toBe(straightened[0]);
    // Drag the right edge in by a quarter of the image, then the bottom edge up by a tenth.
    const stage = (await page.getByTestId('stage').boundingBox())!;
    const perCss = start[2]! / stage.width;
    await drag(page, 'crop-handle-e', -stage.width / 4, 0);
    await expect.poll(async () => (await cropRect(page))[2]).toBeLessThan(start[2]! * 0.8);
    const narrowed = await cropRect(page);
    expect(Math.abs(narrowed[2]! - start[2]! * 0.75)).toBeLessThan(3 * perCss + 1);
    expect(narrowed[3]).toBeCloseTo(start[3]!, 0);
    await expect.poll(() => sizeLine(page)).toEqual([Math.round(narrowed[2]!), straightened[1]]);
    await drag(page, 'crop-handle-s', 0, -stage.height / 10);
    await expect.poll(async () => (await cropRect(page))[3]).toBeLessThan(start[3]! * 0.95);
    const cropped = await sizeLine(page);
    // Move the frame right: same size, further right.
    await drag(page, 'crop-frame', stage.width / 8, 0);
    await expect.poll(async () => (await cropRect(page))[0]).toBeGreaterThan(narrowed[0]! + 10);
    const moved = await cropRect(page);
    expect(await sizeLine(page)).toEqual(cropped);
    shown = await frames(page);
    await page.getByTestId('crop-tool').click();
    await expect.poll(() => page.getByTestId('crop-frame').count()).toBe(0);
    await waitFrames(page, shown + 1);
    await expect
      .poll(async () => {
        const [w, h] = await canvasSize(page);
        return Math.abs(w / h - cropped[0]! / cropped[1]!) < 0.02;
      })
      .toBe(true);

    // Full size: the size the panel said, and Node's render of the same stack.
    await page.getByTestId('render-full').click();
    await expect.poll(() => page.getByTestId('version').count(), { timeout: 120_000 }).toBe(1);
    const [version] = await rows<VersionRow & { stack: EffectStack }>(page, 'versions');
    expect(version!.stack.geometry).toMatchObject({
      rotate90: 1,
      flipH: true,
      flipV: false,
      straighten: 4,
      ratio: 'free',
    });
    expect([version!.width, version!.height]).toEqual(cropped);
    const got = await newestVersionPixels(page);
    const want = await nodeStages(image, {
      effects: [layer('exposure', { ev: 0.5 })],
      geometry: version!.stack.geometry!,
    });
    expect(got.data.length).toBe(want.length);
    expect(maxDiff(got.data, want)).toBeLessThanOrEqual(1);

    // Undo: the move, then the bottom edge.
    await page.getByTestId('undo').click();
    await page.getByTestId('crop-tool').click();
    await expect.poll(async () => (await cropRect(page))[0]).toBeCloseTo(narrowed[0]!, 0);
    expect((await cropRect(page))[0]).toBeLessThan(moved[0]!);
    await page.getByTestId('crop-tool').click();
    await page.getByTestId('undo').click();
    await expect.poll(() => sizeLine(page)).toEqual([Math.round(narrowed[2]!), straightened[1]]);

    // A 1:1 ratio: square.
    await panel(page).getByTestId('ratio').selectOption('1:1');
    await expect
      .poll(async () => {
        const [w, h] = await sizeLine(page);
        return w === h && w > 0;
      })
      .toBe(true);

    // Level the horizon: a line falling 30 px over 300 px turns the picture back by its slant.
    await page.getByTestId('level-tool').click();
    await page.getByTestId('horizon-layer').waitFor();
    const s = (await page.getByTestId('stage').boundingBox())!;
    const [x0, y0] = [Math.round(s.x + s.width / 2 - 150), Math.round(s.y + s.height / 2)];
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x0 + 300, y0 + 30, { steps: 6 });
    await page.mouse.up();
    const slant = (Math.atan2(30, 300) * 180) / Math.PI;
    await expect.poll(() => straighten(page)).toBeCloseTo(4 - slant, 1);
    expect(await page.getByTestId('level-tool').getAttribute('aria-pressed')).toBe('false');
    const levelled = await sizeLine(page);
    const angle = await straighten(page);

    // A reload keeps the framing.
    await page.waitForTimeout(600);
    await page.reload();
    await waitForReady(page);
    await page.getByTestId('preview').waitFor({ timeout: 60_000 });
    await expect.poll(() => sizeLine(page), { timeout: 20_000 }).toEqual(levelled);
    expect(await straighten(page)).toBe(angle);
    await expect.poll(() => page.getByTestId('reset-framing').isDisabled()).toBe(false);
    await page.getByTestId('reset-framing').click();
    await expect.poll(() => sizeLine(page)).toEqual([600, 400]);
  });
});

describe('Render room framing on a tablet (1024×768)', () => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('has its own tab among six that fit the width, and turns the picture', async () => {
    session = await openTablet(baseURL);
    const { page } = session;
    await importFiles(page, [png('dune.png', rgbPng(300, 200, field(300, 200).data))]);
    await openRender(page, 'dune');
    const tabs = page.getByRole('tablist', { name: 'Panels' });
    expect(await tabs.getByRole('tab').count()).toBe(6);
    const fits = await tabs.evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
    expect(fits).toBe(true);
    for (const tab of await tabs.getByRole('tab').all()) {
      const b = (await tab.boundingBox())!;
      expect(b.height).toBeGreaterThanOrEqual(40);
    }
    await page.getByTestId('sheet-tab-framing').click();
    await panel(page).waitFor();
    await page.getByTestId('rotate-left').tap();
    await expect.poll(() => sizeLine(page)).toEqual([200, 300]);
  });
});
