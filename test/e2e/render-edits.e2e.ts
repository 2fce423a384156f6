/**
 * The edits artists expect, in the Render room in real Chromium with WebGPU (SwiftShader) and
 * without (WASM): the colour mixer (HSL per colour range) shows its sliders one aspect at a time
 * (Hue, Saturation, Lightness); taking the blues' saturation away greys the sky and leaves the
 * red roof and the yellow field alone, in the preview and in the full-size version, which equals
 * the CPU path's render in Node within 1/255. The white balance picker makes a pressed grey card
 * neutral (a blown-out point is refused in words), in one undoable step. A layer's blend mode and
 * opacity show in words on the layer, survive a reload and render full size as Node does. A linear
 * mask drawn on the image, the mixer, a blend, a straighten and a square crop together render full
 * size as Node does; so does a brush mask painted with the mouse. The histogram counts what the
 * preview shows (bins equal to Node's count of the preview's pixels) and says in words how much
 * clips. Auto colour (the shipped network) takes most of a warm cast off a photograph.
 *
 * Run: E2E_OUTDIR=dist-edits E2E_PORT=4815 npx vitest run --project e2e test/e2e/render-edits.e2e.ts
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { layer } from '../../src/shared/effects/registry';
import { rgbPng } from '../fixtures/library/images';
import { maxDiff } from '../helpers/pixels';
import { endSession, MODES, openStudio, type StudioSession } from './browser';
import { CLEAN_PHOTO, disposeReferences, nodeStages } from './render-helpers';
import { clippingWords, histogram } from '../../src/shared/render-room/histogram';
import {
  addEffect,
  canvasPixels,
  frames,
  importFiles,
  layerEffects,
  newestVersionPixels,
  openRender,
  png,
  rows,
  waitFrames,
  type VersionRow,
} from './render-room-helpers';
import type { EffectStack } from '../../src/shared/effects/types';

const baseURL = inject('baseURL');
afterAll(() => disposeReferences());

const SKY = [60, 110, 210];
const ROOF = [190, 50, 40];
const FIELD = [215, 195, 60];

/** Sky above, a red roof bottom left, a yellow field bottom right; a little texture. */
function scene(width: number, height: number) {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = y < height / 2 ? SKY : x < width / 2 ? ROOF : FIELD;
      const d = ((x * 7 + y * 13) % 9) - 4;
      data.set([base[0]! + d, base[1]! + d, base[2]! + d, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/** The preview canvas' pixel at fractions (fx, fy) of its size. */
function previewAt(page: Page, fx: number, fy: number) {
  return page.getByTestId('preview').evaluate(
    (canvas, [x, y]) => {
      const c = canvas as HTMLCanvasElement;
      const px = Math.floor(x! * c.width);
      const py = Math.floor(y! * c.height);
      return [...c.getContext('2d')!.getImageData(px, py, 1, 1).data.slice(0, 3)];
    },
    [fx, fy],
  );
}

const spread = (rgb: number[]) => Math.max(...rgb) - Math.min(...rgb);

describe.each(MODES)('Render room edits ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('the colour mixer greys the blues only, one aspect at a time, equal to Node full size', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1440, height: 900 } });
    const { page } = session;
    const image = scene(96, 64);
    await importFiles(page, [png('village.png', rgbPng(image.width, image.height, image.data))]);
    await openRender(page, 'village');

    await addEffect(page, 'hsl');
    const mixer = page.locator('[data-testid=layer][data-effect=hsl]');
    await mixer.getByTestId('layer-name').click();
    // Hue first: eight sliders, one per colour range (then the layer's Opacity).
    const sliders = mixer.locator('[data-testid=param-slider]');
    await expect.poll(() => sliders.count()).toBe(9);
    expect(
      await sliders.evaluateAll((els) => els.map((e) => e.getAttribute('data-param'))),
    ).toEqual([
      'redsHue',
      'orangesHue',
      'yellowsHue',
      'greensHue',
      'aquasHue',
      'bluesHue',
      'purplesHue',
      'magentasHue',
      'opacity',
    ]);
    expect(
      await mixer
        .getByTestId('param-group')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-group'))),
    ).toEqual(['Hue', 'Saturation', 'Lightness']);
    expect(await sliders.first().getAttribute('aria-label')).toBe('Colour mixer (HSL): Reds');
    // Saturation: the blues' slider all the way down.
    await mixer.locator('label', { hasText: 'Saturation' }).click();
    const blues = mixer.locator('[data-testid=param-slider][data-param=bluesSat]');
    await blues.waitFor();
    const shown = await frames(page);
    await blues.fill('-1');
    await waitFrames(page, shown + 1);

    await expect
      .poll(async () => spread(await previewAt(page, 0.5, 0.2)), { timeout: 30_000 })
      .toBeLessThan(20);
    expect(spread(await previewAt(page, 0.25, 0.8))).toBeGreaterThan(120);
    expect(spread(await previewAt(page, 0.75, 0.8))).toBeGreaterThan(120);

    await page.getByTestId('render-full').click();
    await expect.poll(() => page.getByTestId('version').count(), { timeout: 90_000 }).toBe(1);
    const got = (await newestVersionPixels(page)).data;
    const want = await nodeStages(image, { effects: [layer('hsl', { bluesSat: -1 })] });
    expect(maxDiff(got, want)).toBeLessThanOrEqual(1);
    expect(maxDiff(got, image.data)).toBeGreaterThan(50);
  });

  it('the white balance picker makes a pressed grey card neutral with Temperature & tint first', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1440, height: 900 } });
    const { page } = session;
    // A warm-cast room (tungsten-ish): a grey card in the middle, a blown-out lamp top left.
    const [w, h] = [96, 64];
    const data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const card = x >= 32 && x < 64 && y >= 20 && y < 44;
        const lamp = x < 16 && y < 16;
        const rgb = lamp ? [255, 255, 255] : card ? [200, 180, 150] : [150, 100, 60];
        data.set([...rgb, 255], (y * w + x) * 4);
      }
    }
    await importFiles(page, [png('lamp.png', rgbPng(w, h, data))]);
    await openRender(page, 'lamp');
    await addEffect(page, 'contrast');
    const stage = page.getByTestId('stage');
    const box = (await stage.boundingBox())!;

    // The lamp is blown out: the picker says so in words and changes nothing.
    await page.getByTestId('wb-picker').click();
    expect(await page.getByTestId('wb-picker').getAttribute('aria-pressed')).toBe('true');
    await page.mouse.click(box.x + box.width * 0.05, box.y + box.height * 0.05);
    await page
      .getByText(/blown out/)
      .first()
      .waitFor();
    expect(await layerEffects(page)).toEqual(['contrast']);

    // The card: a Temperature & tint layer goes first, and the card turns neutral.
    await page.getByTestId('wb-picker').click();
    const shown = await frames(page);
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await expect.poll(() => layerEffects(page)).toEqual(['temperature', 'contrast']);
    expect(await page.getByTestId('wb-picker').getAttribute('aria-pressed')).toBe('false');
    await waitFrames(page, shown + 1);
    await expect
      .poll(async () => spread(await previewAt(page, 0.5, 0.5)), { timeout: 30_000 })
      .toBeLessThanOrEqual(4);
    // Undo takes the whole pick back in one step.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => layerEffects(page)).toEqual(['contrast']);
  });

  it('a layer’s blend mode and opacity: in words on the layer, kept in the draft, full size equal to Node', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1440, height: 900 } });
    const { page } = session;
    const image = scene(96, 64);
    await importFiles(page, [png('dusk.png', rgbPng(image.width, image.height, image.data))]);
    await openRender(page, 'dusk');
    await addEffect(page, 'exposure');
    const exposure = page.locator('[data-testid=layer][data-effect=exposure]');
    await exposure.getByTestId('layer-name').click();
    await exposure.locator('[data-testid=param-number][data-param=ev]').fill('2');
    await exposure.locator('[data-testid=param-number][data-param=ev]').press('Enter');
    await exposure.getByTestId('blend-mode').selectOption('soft-light');
    const opacity = exposure.locator('[data-testid=param-number][data-param=opacity]');
    await opacity.fill('0.5');
    await opacity.press('Enter');
    await expect
      .poll(() => exposure.getByTestId('layer-blend-words').textContent())
      .toBe('Soft light · 50 %');

    await page.getByTestId('render-full').click();
    await expect.poll(() => page.getByTestId('version').count(), { timeout: 90_000 }).toBe(1);
    const got = (await newestVersionPixels(page)).data;
    const stack = {
      effects: [{ ...layer('exposure', { ev: 2 }), blend: 'soft-light' as const, opacity: 0.5 }],
    };
    expect(maxDiff(got, await nodeStages(image, stack))).toBeLessThanOrEqual(1);
    const plain = await nodeStages(image, { effects: [layer('exposure', { ev: 2 })] });
    expect(maxDiff(got, plain)).toBeGreaterThan(20);

    // A reload finds the layer as it was.
    await page.waitForTimeout(600);
    await page.reload();
    await page.getByTestId('preview').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId('layer-blend-words').first().textContent(), { timeout: 30_000 })
      .toBe('Soft light · 50 %');
  });

  /** A 96×64 scene opened in the Render room with an Exposure layer at +1.5 EV, its panel open. */
  async function harbourWithExposure() {
    session = await openStudio({ baseURL, mode, viewport: { width: 1440, height: 900 } });
    const { page } = session;
    const image = scene(96, 64);
    await importFiles(page, [png('harbour.png', rgbPng(image.width, image.height, image.data))]);
    await openRender(page, 'harbour');
    await addEffect(page, 'exposure');
    const exposure = page.locator('[data-testid=layer][data-effect=exposure]');
    await exposure.getByTestId('layer-name').click();
    await exposure.locator('[data-testid=param-number][data-param=ev]').fill('1.5');
    await exposure.locator('[data-testid=param-number][data-param=ev]').press('Enter');
    return { page, image, exposure };
  }

  it('the histogram counts what the preview shows: bins equal to Node’s count of its pixels, clipping in words', async () => {
    const { page, image } = await harbourWithExposure();
    const stack = { effects: [layer('exposure', { ev: 1.5 })] };
    const want = await nodeStages(image, stack);
    // The preview shows the render (within 1/255 of Node's), then its histogram follows it.
    await expect
      .poll(async () => maxDiff((await canvasPixels(page, 'preview')).data, want), {
        timeout: 30_000,
      })
      .toBeLessThanOrEqual(1);
    const shown = histogram((await canvasPixels(page, 'preview')).data);
    const bins = async () =>
      JSON.parse((await page.getByTestId('histogram').getAttribute('data-bins')) || '{}');
    await expect
      .poll(bins, { timeout: 10_000 })
      .toEqual({ r: shown.r, g: shown.g, b: shown.b, luma: shown.luma });
    expect(shown.clippedHigh).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('clipping-words').textContent())
      .toContain(clippingWords(shown.clippedHigh, shown.total, 'highlights')!);
  });

  it('a mask drawn on the image, the colour mixer, a blend, a straighten and a crop in one stack: full size equal to Node', async () => {
    // Brighter towards the top: Exposure with a linear gradient, dragged from the top down.
    const { page, image, exposure } = await harbourWithExposure();
    await exposure.getByTestId('mask-kind').selectOption('linear');
    expect(await exposure.getByTestId('mask-draw').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('mask-guide').waitFor();
    const stage = (await page.getByTestId('stage').boundingBox())!;
    await page.mouse.move(stage.x + stage.width * 0.5, stage.y + stage.height * 0.02);
    await page.mouse.down();
    await page.mouse.move(stage.x + stage.width * 0.5, stage.y + stage.height * 0.45, {
      steps: 5,
    });
    await page.mouse.up();
    await expect
      .poll(() => exposure.getByTestId('layer-blend-words').textContent())
      .toBe('linear mask');
    expect(await page.getByTestId('mask-guide').count()).toBe(0);
    // The top is brighter than the original, the bottom as it was (once the masked frame is up).
    const before = { top: image.data[(2 * 96 + 48) * 4]!, bottom: image.data[(60 * 96 + 20) * 4]! };
    await expect
      .poll(
        async () => {
          const top = (await previewAt(page, 0.5, 0.03))[0]!;
          const bottom = (await previewAt(page, 0.2, 0.95))[0]!;
          return top > before.top + 30 && Math.abs(bottom - before.bottom) <= 2;
        },
        { timeout: 30_000 },
      )
      .toBe(true);

    // The colour mixer on top, in Colour mode at 70 %.
    await addEffect(page, 'hsl');
    const mixer = page.locator('[data-testid=layer][data-effect=hsl]');
    await mixer.getByTestId('layer-name').click();
    await mixer.locator('label', { hasText: 'Saturation' }).click();
    await mixer.locator('[data-testid=param-number][data-param=bluesSat]').fill('-0.8');
    await mixer.locator('[data-testid=param-number][data-param=bluesSat]').press('Enter');
    await mixer.getByTestId('blend-mode').selectOption('colour');
    await mixer.locator('[data-testid=param-number][data-param=opacity]').fill('0.7');
    await mixer.locator('[data-testid=param-number][data-param=opacity]').press('Enter');
    await expect
      .poll(() => mixer.getByTestId('layer-blend-words').textContent())
      .toBe('Colour · 70 %');

    // Framed too: straightened 3° and cropped square (Crop & rotate).
    const framing = page.getByTestId('geometry');
    await framing.locator('[data-testid=param-slider][data-param=straighten]').fill('3');
    await framing.getByTestId('ratio').selectOption('1:1');
    await expect
      .poll(async () => {
        const m = /(\d+) × (\d+) px/.exec(
          (await framing.getByTestId('geometry-size').textContent()) ?? '',
        );
        return m ? m[1] === m[2] : false;
      })
      .toBe(true);

    await page.getByTestId('render-full').click();
    await expect.poll(() => page.getByTestId('version').count(), { timeout: 90_000 }).toBe(1);
    const [version] = await rows<VersionRow & { stack: EffectStack }>(page, 'versions');
    expect(version!.stack.effects[0]!.mask).toMatchObject({ kind: 'linear' });
    expect(version!.stack.effects[1]).toMatchObject({ blend: 'colour', opacity: 0.7 });
    expect(version!.stack.geometry).toMatchObject({ straighten: 3, ratio: '1:1' });
    expect(version!.width).toBe(version!.height);
    expect(version!.width).toBeLessThan(64);
    const got = (await newestVersionPixels(page)).data;
    expect(maxDiff(got, await nodeStages(image, version!.stack))).toBeLessThanOrEqual(1);
  });

  it('a brush mask painted with the mouse: brighter where painted, full size equal to Node', async () => {
    const { page, image, exposure } = await harbourWithExposure();
    await exposure.getByTestId('mask-kind').selectOption('brush');
    expect(await exposure.getByTestId('mask-draw').getAttribute('aria-pressed')).toBe('true');
    const stage = (await page.getByTestId('stage').boundingBox())!;
    // One stroke across the top third, left to right.
    await page.mouse.move(stage.x + stage.width * 0.1, stage.y + stage.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(stage.x + stage.width * 0.9, stage.y + stage.height * 0.2, { steps: 12 });
    await page.mouse.up();
    await expect
      .poll(() => exposure.getByTestId('brush-strokes').textContent())
      .toContain('1 stroke painted');
    // A look at the painted mask and the brush panel, kept as a test artefact.
    await page.mouse.move(stage.x + stage.width * 0.5, stage.y + stage.height * 0.6);
    await page.screenshot({
      path: join(
        import.meta.dirname,
        '..',
        '..',
        'test-results',
        'screenshots',
        `render-brush-${mode.name}.png`,
      ),
    });
    const before = {
      top: image.data[(13 * 96 + 48) * 4]!,
      bottom: image.data[(56 * 96 + 48) * 4]!,
    };
    await expect
      .poll(
        async () => {
          const top = (await previewAt(page, 0.5, 0.2))[0]!;
          const bottom = (await previewAt(page, 0.5, 0.88))[0]!;
          return top > before.top + 30 && Math.abs(bottom - before.bottom) <= 2;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await page.keyboard.press('Escape');
    await page.getByTestId('render-full').click();
    await expect.poll(() => page.getByTestId('version').count(), { timeout: 90_000 }).toBe(1);
    const [version] = await rows<VersionRow & { stack: EffectStack }>(page, 'versions');
    expect(version!.stack.effects[0]!.mask).toMatchObject({ kind: 'brush' });
    const got = (await newestVersionPixels(page)).data;
    expect(maxDiff(got, await nodeStages(image, version!.stack))).toBeLessThanOrEqual(1);
  });

  it('Auto colour (the v3 network) takes most of a warm cast off a photograph', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1440, height: 900 } });
    const { page } = session;
    // A clean photograph under a tungsten-like cast, applied in linear light and stored in 8 bits.
    const gains = [1.35, 1.0, 0.62];
    const lin = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const enc = (l: number) => (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055);
    const { width, height, data } = CLEAN_PHOTO;
    const cast = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i += 4) {
      for (let c = 0; c < 3; c++) {
        cast[i + c] = Math.round(255 * enc(Math.min(1, lin(data[i + c]! / 255) * gains[c]!)));
      }
      cast[i + 3] = 255;
    }
    await importFiles(page, [png('tungsten.png', rgbPng(width, height, cast))]);
    await openRender(page, 'tungsten');
    const shown = await frames(page);
    await page.getByTestId('auto-colour-run').click();
    await expect.poll(() => layerEffects(page), { timeout: 60_000 }).toEqual(['matrix']);
    await waitFrames(page, shown + 1);

    // The mean colour in linear light, against the clean photograph's: the angle between them.
    const meanOf = (px: ArrayLike<number>) => {
      const m = [0, 0, 0];
      for (let i = 0; i < px.length; i += 4)
        for (let c = 0; c < 3; c++) m[c] += lin(px[i + c]! / 255);
      return m;
    };
    const angle = (a: number[], b: number[]) => {
      const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
      const n = Math.hypot(...a) * Math.hypot(...b);
      return (Math.acos(Math.min(1, dot / n)) * 180) / Math.PI;
    };
    const preview = await page.getByTestId('preview').evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      return [...canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data];
    });
    const clean = meanOf(data);
    const before = angle(meanOf(cast), clean);
    const after = angle(meanOf(preview), clean);
    expect(before).toBeGreaterThan(8);
    expect(after, `cast ${before.toFixed(1)}° → ${after.toFixed(1)}°`).toBeLessThan(before * 0.5);
  });
});
