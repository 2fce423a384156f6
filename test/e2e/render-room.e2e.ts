/**
 * The Render room in real Chromium, with WebGPU (SwiftShader) and without (WASM): works come in
 * through the Library's real import; the room edits a stack with a live preview, undo, before/
 * after, renders full size into a new version and exports it; presets feed a batch that is
 * cancelled part-way; a look is learned from a before/after pair; a reload finds the draft.
 *
 * Run: E2E_OUTDIR=dist-renderroom E2E_PORT=4806 npx vitest run --project e2e test/e2e/render-room.e2e.ts
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makePng } from '../fixtures/library/images';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';
import {
  addEffect,
  frames,
  importFiles,
  layerEffects,
  matrixPair,
  openRender,
  png,
  rows,
  waitFrames,
  workIds,
  type VersionRow,
} from './render-room-helpers';

const baseURL = inject('baseURL');

describe.each(MODES)('Render room ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('edits a stack live, undoes, compares, renders a new version, exports, and keeps the draft', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1280, height: 900 } });
    const { page } = session;
    await importFiles(page, [png('meadow.png', makePng(96, 64, { color: [60, 180, 90] }))]);
    await openRender(page, 'meadow');

    // Three effects from the catalogue, each a layer, each re-rendering the preview.
    for (const id of ['exposure', 'contrast', 'vignette']) await addEffect(page, id);
    expect(await layerEffects(page)).toEqual(['exposure', 'contrast', 'vignette']);
    const afterAdd = await frames(page);

    // Reorder by keyboard (Alt+Arrow) and by the move buttons.
    await page.locator('[data-testid=layer][data-effect=vignette] .row').focus();
    await page.keyboard.press('Alt+ArrowUp');
    expect(await layerEffects(page)).toEqual(['exposure', 'vignette', 'contrast']);
    await page.locator('[data-testid=layer][data-effect=vignette] [data-testid=move-down]').click();
    expect(await layerEffects(page)).toEqual(['exposure', 'contrast', 'vignette']);
    // And by dragging the handle (pointer events: mouse, pen and touch alike).
    const handle = page.locator(
      '[data-testid=layer][data-effect=exposure] [data-testid=drag-handle]',
    );
    const target = await page.locator('[data-testid=layer][data-effect=vignette]').boundingBox();
    const from = await handle.boundingBox();
    await page.mouse.move(from!.x + from!.width / 2, from!.y + from!.height / 2);
    await page.mouse.down();
    await page.mouse.move(from!.x + 10, target!.y + target!.height * 0.8, { steps: 5 });
    await page.mouse.up();
    expect(await layerEffects(page)).toEqual(['contrast', 'vignette', 'exposure']);
    await page.keyboard.press('Control+z');
    expect(await layerEffects(page)).toEqual(['exposure', 'contrast', 'vignette']);

    // Move the exposure slider: a new frame, the numeric field follows.
    const exposure = page.locator('[data-testid=layer][data-effect=exposure]');
    await exposure.getByTestId('layer-name').click();
    const slider = exposure.locator('[data-testid=param-slider][data-param=ev]');
    expect(await slider.getAttribute('aria-label')).toBe('Exposure: Exposure (EV)');
    await slider.fill('1.5');
    const number = exposure.locator('[data-testid=param-number][data-param=ev]');
    await expect.poll(() => number.inputValue()).toBe('1.50');
    await waitFrames(page, afterAdd + 1);
    // Keyboard: Page Up moves a tenth of the range (0.8 EV).
    await slider.focus();
    await page.keyboard.press('PageUp');
    await expect.poll(() => number.inputValue()).toBe('2.30');

    // Undo (Ctrl+Z) twice: back before Page Up and before the slider move; redo once.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => number.inputValue()).toBe('1.50');
    await page.keyboard.press('Control+z');
    await expect.poll(() => number.inputValue()).toBe('0.30');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => number.inputValue()).toBe('1.50');

    // Before/after: hold backslash.
    const preview = page.getByTestId('preview');
    await page.keyboard.down('\\');
    await expect.poll(() => preview.getAttribute('data-showing')).toBe('before');
    await page.keyboard.up('\\');
    await expect.poll(() => preview.getAttribute('data-showing')).toBe('after');

    // Status line: backend and time; a one-time notice when the CPU is used.
    const status = page.getByTestId('render-status');
    await expect
      .poll(() => status.locator('[data-backend]').getAttribute('data-backend'))
      .toBe(mode.name);
    expect(await page.getByTestId('render-ms').textContent()).toMatch(/^\d+ ms$/);
    expect(await page.getByTestId('cpu-notice').count()).toBe(mode.webgpu ? 0 : 1);

    // Full size → a new version with its stack and engine; export it.
    await page.getByTestId('render-full').click();
    await expect.poll(() => page.getByTestId('version').count(), { timeout: 90_000 }).toBe(1);
    const [version] = await rows<VersionRow>(page, 'versions');
    expect(version!.stack.effects.map((e) => e.effectId)).toEqual([
      'exposure',
      'contrast',
      'vignette',
    ]);
    expect(version!.stack.effects[0]!.params.ev).toBe(1.5);
    expect(version!.engine.backend).toBe(mode.name);
    expect(version!.engine.engine).toMatch(/^atelier-render\//);
    expect([version!.width, version!.height]).toEqual([96, 64]);
    await page.getByTestId('versions-toggle').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-version').first().click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^meadow-.*\.png$/);
    const bytes = readFileSync((await download.path())!);
    expect([...bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');

    // Reload mid-edit: the draft (with a change made after the render) comes back.
    await addEffect(page, 'grain');
    await page.waitForTimeout(600);
    await page.reload();
    await waitForReady(page);
    await page.getByTestId('preview').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => layerEffects(page))
      .toEqual(['exposure', 'contrast', 'vignette', 'grain']);
    await page
      .locator('[data-testid=layer][data-effect=exposure] [data-testid=layer-name]')
      .click();
    expect(
      await page
        .locator(
          '[data-testid=layer][data-effect=exposure] [data-testid=param-number][data-param=ev]',
        )
        .inputValue(),
    ).toBe('1.50');
  });

  it('Upscale 2× in the stack: a small work previews at 2×, a large one at screen size; the version and its export are 2×', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1280, height: 900 } });
    const { page } = session;
    await importFiles(page, [
      png('pebble.png', makePng(40, 30, { noiseSeed: 5 })),
      png('wide.png', makePng(2400, 1600, { color: [90, 120, 200] })),
    ]);
    const upscale = '[data-testid=catalogue-item][data-effect="neural:upscale2x"]';
    const canvasSize = () =>
      page.getByTestId('preview').evaluate((c) => {
        const canvas = c as HTMLCanvasElement;
        return [canvas.width, canvas.height];
      });

    // A large work: the preview is its screen-size copy and stays that size (no network).
    await openRender(page, 'wide');
    const screen = await canvasSize();
    expect(screen[0]).toBeLessThan(2400);
    const before = await frames(page);
    await page.getByTestId('catalogue-toggle').click();
    await page.locator(upscale).click();
    await waitFrames(page, before + 1);
    expect(await canvasSize()).toEqual(screen);
    const output = page.getByTestId('output-size');
    expect([
      await output.getAttribute('data-width'),
      await output.getAttribute('data-height'),
    ]).toEqual(['4800', '3200']);
    expect(await output.textContent()).toContain('4800×3200 (2× the original)');

    // A small work whose 2× fits the preview: the network runs, the frame is 80×60.
    // (Switch in the room: a fresh navigation would reopen the last draft's work.)
    const ids = await workIds(page);
    await page.getByTestId('work-select').selectOption(ids.pebble!);
    await expect.poll(() => page.getByTestId('work-select').inputValue()).toBe(ids.pebble);
    await expect.poll(() => layerEffects(page)).toEqual([]);
    if ((await page.getByTestId('catalogue').count()) === 0) {
      await page.getByTestId('catalogue-toggle').click();
    }
    const start = await frames(page);
    await page.locator(upscale).click();
    await addEffect(page, 'vignette');
    expect(await layerEffects(page)).toEqual(['neural:upscale2x', 'vignette']);
    // At least one new frame: the room drops a render overtaken by the next edit, so the two
    // quick edits may paint once.
    await waitFrames(page, start + 1);
    await expect.poll(canvasSize, { timeout: 60_000 }).toEqual([80, 60]);
    // Compare: "before" is the original stretched to the same canvas.
    await page.keyboard.down('\\');
    await expect
      .poll(() => page.getByTestId('preview').getAttribute('data-showing'))
      .toBe('before');
    expect(await canvasSize()).toEqual([80, 60]);
    await page.keyboard.up('\\');

    await page.getByTestId('render-full').click();
    await expect.poll(() => page.getByTestId('version').count(), { timeout: 120_000 }).toBe(1);
    const versions = await rows<VersionRow>(page, 'versions');
    expect(versions).toHaveLength(1);
    const version = versions[0]!;
    expect([version.width, version.height]).toEqual([80, 60]);
    expect(version.stack.effects.map((e) => e.effectId)).toEqual(['neural:upscale2x', 'vignette']);
    expect(version.engine.backend).toBe(mode.name);
    expect(version.engine.models).toMatch(/^upscale2x@[0-9a-f]{12}$/);
    await page.getByTestId('versions-toggle').click();
    expect(await page.getByTestId('version').textContent()).toContain('80×60');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-version').first().click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^pebble-.*\.png$/);
    const bytes = readFileSync((await download.path())!);
    const ihdr = new DataView(bytes.buffer, bytes.byteOffset + 16, 8);
    expect([ihdr.getUint32(0), ihdr.getUint32(4)]).toEqual([80, 60]);
  });

  it('fits a 768 px tablet with 44 px targets', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 768, height: 1024 } });
    const { page } = session;
    await importFiles(page, [png('tablet.png', makePng(48, 48))]);
    await openRender(page, 'tablet');
    await addEffect(page, 'saturation');
    await page.getByTestId('layer-name').first().click();
    const small = await page.evaluate(() =>
      [
        ...document.querySelectorAll(
          '[data-testid=render-room] button, [data-testid=render-room] input[type=range], [data-testid=render-room] select',
        ),
      ]
        .filter((el) => (el as HTMLElement).offsetParent !== null)
        .map((el) => {
          const r = el.getBoundingClientRect();
          return {
            what: el.getAttribute('data-testid') ?? el.textContent,
            h: r.height,
            w: r.width,
          };
        })
        .filter((s) => s.h < 44 || s.w < 44),
    );
    expect(small).toEqual([]);
    // The frame's header overflows 768 px by itself once its Install button shows (reported to
    // the lead; not this room's): measure the room without it.
    const overflow = await page.evaluate(() => {
      document.querySelector('[data-testid=install-app]')?.remove();
      return document.documentElement.scrollWidth - document.documentElement.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    const room = await page.getByTestId('render-room').boundingBox();
    expect(room!.x + room!.width).toBeLessThanOrEqual(768);
  });

  it('saves a preset, batch-applies it (cancelling the fourth), and learns a look from a pair', async () => {
    session = await openStudio({ baseURL, mode, viewport: { width: 1280, height: 900 } });
    const { page } = session;
    const KNOWN = [0.8, 0.1, 0, 0.05, 0, 0.9, 0.05, 0, 0.1, 0, 0.7, 0.1];
    const [before, after] = matrixPair(64, 64, KNOWN);
    // The big one first, so it is the oldest and the batch reaches it last.
    await importFiles(page, [png('big.png', makePng(1400, 1400, { noiseSeed: 5 }))]);
    await importFiles(page, [
      png('one.png', makePng(40, 32, { color: [200, 40, 40] })),
      png('two.png', makePng(40, 32, { color: [40, 200, 40] })),
      png('three.png', makePng(40, 32, { color: [40, 40, 200] })),
      png('before.png', before),
      png('after.png', after),
    ]);
    await openRender(page, 'one');
    await addEffect(page, 'exposure');
    await addEffect(page, 'blur');
    const blur = page.locator('[data-testid=layer][data-effect=blur]');
    await blur.getByTestId('layer-name').click();
    await blur.locator('[data-testid=param-number][data-param=sigma]').fill('30');
    await blur.locator('[data-testid=param-number][data-param=sigma]').press('Enter');

    // Presets: save, rename, apply elsewhere, delete a spare one.
    await page.getByTestId('preset-name').fill('Soft glow');
    await page.getByTestId('save-preset').click();
    await page.getByTestId('preset-name').fill('Spare');
    await page.getByTestId('save-preset').click();
    await expect
      .poll(() => page.getByTestId('preset-label').allTextContents())
      .toEqual(['Soft glow', 'Spare']);
    await page.getByRole('button', { name: 'Rename Soft glow' }).click();
    await page.getByTestId('preset-rename-input').fill('Dream');
    await page.getByTestId('preset-rename-save').click();
    await page.getByRole('button', { name: 'Delete Spare' }).click();
    await expect.poll(() => page.getByTestId('preset-label').allTextContents()).toEqual(['Dream']);
    const ids = await workIds(page);
    await page.getByTestId('work-select').selectOption(ids.two!);
    await expect.poll(() => layerEffects(page)).toEqual([]);
    await page.getByRole('button', { name: 'Apply Dream' }).click();
    await expect.poll(() => layerEffects(page)).toEqual(['exposure', 'blur']);

    // Batch: one, two, three and big; cancel while big renders.
    const presetId = await page.getByTestId('preset').getAttribute('data-preset-id');
    await page.getByTestId('batch-preset').selectOption(presetId!);
    for (const t of ['one', 'two', 'three', 'big']) {
      await page.locator(`[data-testid=batch-work][data-work-id="${ids[t]}"]`).check();
    }
    await page.getByTestId('batch-start').click();
    const bigItem = page.locator(`[data-testid=batch-item][data-work-id="${ids.big}"]`);
    await expect
      .poll(() => bigItem.getAttribute('data-state'), { timeout: 90_000 })
      .toBe('rendering');
    await page.getByTestId('batch-cancel').click();
    await page.getByTestId('batch-summary').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('batch-summary').textContent()).toMatch(
      /“Dream”: 3 done, 1 left unchanged\./,
    );
    const states = await page
      .getByTestId('batch-item')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states).toEqual(['done', 'done', 'done', 'cancelled']);
    const versions = await rows<VersionRow>(page, 'versions');
    const byWork = (id: string) => versions.filter((v) => v.workId === id).length;
    expect([ids.one, ids.two, ids.three, ids.big].map((id) => byWork(id!))).toEqual([1, 1, 1, 0]);
    expect(
      versions.every((v) => v.stack.effects.map((e) => e.effectId).join() === 'exposure,blur'),
    ).toBe(true);

    // Learn a look from the pair: a matrix (and maybe a curve) join the stack, with ΔE shown.
    await page.getByTestId('look-before').selectOption(ids.before!);
    await page.getByTestId('look-after').selectOption(ids.after!);
    await page.getByTestId('look-learn').click();
    const result = page.getByTestId('look-result');
    await result.waitFor({ timeout: 30_000 });
    expect(Number(await result.getAttribute('data-delta-e'))).toBeLessThan(1.5);
    // In words on the face of it; the figure behind "Details".
    expect(await result.textContent()).toMatch(/match/);
    expect(await result.textContent()).not.toMatch(/ΔE/);
    expect(await page.getByTestId('look-details').textContent()).toMatch(/ΔE₀₀\) \d+\.\d\d/);
    const effects = await layerEffects(page);
    expect(effects.slice(0, 2)).toEqual(['exposure', 'blur']);
    expect(effects[2]).toBe('matrix');
    // The learned matrix is editable like any effect: its fields hold the fitted numbers.
    await page.locator('[data-testid=layer][data-effect=matrix] [data-testid=layer-name]').click();
    const fields = await page
      .locator('[data-testid=layer][data-effect=matrix] [data-testid=array-field]')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLInputElement).value)));
    fields.forEach((v, i) => expect(Math.abs(v - KNOWN[i]!)).toBeLessThan(0.02));
    // Changing it afterwards is a manual intervention, recorded for Insights.
    await page
      .locator('[data-testid=layer][data-effect=matrix] [data-testid=array-field]')
      .first()
      .fill('0.9');
    await page
      .locator('[data-testid=layer][data-effect=matrix] [data-testid=array-field]')
      .first()
      .press('Enter');
    type EventRow = { type: string; data?: Record<string, unknown> };
    await expect
      .poll(
        async () =>
          (await rows<EventRow>(page, 'events'))
            .filter((e) => e.type === 'intervention')
            .map((e) => [e.data?.after, e.data?.action, e.data?.effectId]),
        { timeout: 15_000 },
      )
      .toEqual([['suggested-look', 'param-changed', 'matrix']]);

    // Or from a reference image (Reinhard in CIELAB): more editable layers, with their ΔE.
    await page.getByTestId('look-mode-reference').check();
    await page.getByTestId('look-reference').selectOption(ids.three!);
    await page.getByTestId('look-learn').click();
    await expect.poll(() => result.textContent()).toMatch(/Learned from three: .*match/);
    expect((await layerEffects(page)).filter((e) => e === 'matrix')).toHaveLength(2);
  });
});
