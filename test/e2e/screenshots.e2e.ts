/**
 * The Render room as a person sees it, at a desktop (1440×900) and a tablet (1024×768, touch)
 * viewport: a photograph with a few effects, screenshots written to test-results/ (artefacts, not
 * committed), and an accessibility scan (axe-core, injected through the DevTools protocol so the
 * studio's CSP stays as shipped) that must find no serious or critical violation in the room;
 * the same scan over every other room and a work's page, in the dark and the light theme.
 * WASM mode only: the layout does not depend on the backend, and the other specs cover both.
 *
 * Run: E2E_OUTDIR=dist-shots E2E_PORT=4808 npx vitest run --project e2e test/e2e/screenshots.e2e.ts
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { rgbPng } from '../fixtures/library/images';
import { endSession, MODES, openStudio, type StudioSession } from './browser';
import { addEffect, importFiles, openRender, png, waitFrames } from './render-room-helpers';

const baseURL = inject('baseURL');
const OUT = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The 160×128 photograph fixture, enlarged 4× by bilinear interpolation (a 640×512 work). */
function photo(): Uint8Array<ArrayBuffer> {
  const src = readFileSync(
    join(import.meta.dirname, '../fixtures/render/clean-photo-160x128.rgba'),
  );
  const [sw, sh, k] = [160, 128, 4];
  const [w, h] = [sw * k, sh * k];
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const fy = Math.min(sh - 1, Math.max(0, (y + 0.5) / k - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(sw - 1, Math.max(0, (x + 0.5) / k - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const tx = fx - x0;
      for (let c = 0; c < 4; c++) {
        const at = (xx: number, yy: number) => src[(yy * sw + xx) * 4 + c]!;
        const top = at(x0, y0) * (1 - tx) + at(x1, y0) * tx;
        const bottom = at(x0, y1) * (1 - tx) + at(x1, y1) * tx;
        out[(y * w + x) * 4 + c] = Math.round(top * (1 - ty) + bottom * ty);
      }
    }
  }
  return rgbPng(w, h, out);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical findings on the page as it is now (injected once per load). */
async function severeViolations(page: Page) {
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  if (!loaded) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (c: unknown) => Promise<unknown> } }).axe;
    const result = (await axe.run(document)) as { violations: AxeViolation[] };
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const VIEWPORTS = [
  { name: 'desktop-1440x900', viewport: { width: 1440, height: 900 }, hasTouch: false },
  { name: 'tablet-1024x768', viewport: { width: 1024, height: 768 }, hasTouch: true },
];
const wasm = MODES.find((m) => !m.webgpu)!;

describe.each(VIEWPORTS)('Render room screenshot and accessibility ($name)', (view) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('shows the picture first, and axe finds no serious or critical violation', async () => {
    session = await openStudio({
      baseURL,
      mode: wasm,
      viewport: view.viewport,
      hasTouch: view.hasTouch,
    });
    const { page } = session;
    await importFiles(page, [png('Grace Hopper.png', photo())]);
    await openRender(page, 'Grace Hopper');
    for (const id of ['exposure', 'saturation', 'vignette']) await addEffect(page, id);
    await waitFrames(page, 2);
    // As an artist leaves it to work: the catalogue closed, a layer's settings open, no toasts.
    if ((await page.getByTestId('catalogue').count()) > 0) {
      await page.getByTestId('catalogue-toggle').click();
    }
    if (!view.hasTouch) {
      await page
        .locator('[data-testid=layer][data-effect=vignette]')
        .getByTestId('layer-name')
        .click();
    }
    for (const dismiss of await page.locator('.toast button[aria-label=Dismiss]').all()) {
      await dismiss.click();
    }

    // Effect names whole: a one-word name sits on one line (never broken mid-word).
    const broken = await page.getByTestId('layer-name').evaluateAll((names) =>
      names
        .map((el) => {
          const text = el.firstChild;
          if (!text || /\s/.test(text.textContent ?? '')) return null;
          const range = document.createRange();
          range.selectNodeContents(text);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          return lines.size > 1 ? text.textContent : null;
        })
        .filter((n) => n !== null),
    );
    expect(broken).toEqual([]);

    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, `render-room-${view.name}.png`) });

    // The picture is in the viewport, clear of the tablet's sheet (beside it on a landscape
    // tablet), and takes a good part of the screen.
    const box = await page.getByTestId('preview').boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y + box!.height).toBeLessThanOrEqual(view.viewport.height + 1);
    if (view.hasTouch) {
      const sheet = (await page.getByTestId('sheet').boundingBox())!;
      const clear = box!.y + box!.height <= sheet.y + 1 || box!.x + box!.width <= sheet.x + 1;
      expect(clear).toBe(true);
      // Landscape: the sheet beside the image, which keeps most of the screen's height.
      expect(sheet.x).toBeGreaterThan(view.viewport.width / 2);
      expect(box!.height).toBeGreaterThan(0.55 * view.viewport.height);
    } else {
      expect(box!.width * box!.height).toBeGreaterThan(
        0.2 * view.viewport.width * view.viewport.height,
      );
    }

    expect(await severeViolations(page)).toEqual([]);
  });
});

describe('every room: axe finds no serious or critical violation', () => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('Library (with a work and its page open), Write, Insights and Register, in both themes', async () => {
    session = await openStudio({ baseURL, mode: wasm, viewport: { width: 1280, height: 800 } });
    const { page } = session;
    await importFiles(page, [png('Grace Hopper.png', photo())]);
    const found: Record<string, unknown[]> = {};
    for (const theme of ['dark', 'light']) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
      for (const room of ['library', 'write', 'insights', 'register']) {
        await page.locator(`nav a[data-room=${room}]`).click();
        await page.locator('h1').first().waitFor();
        await page.waitForTimeout(300);
        found[`${room} (${theme})`] = await severeViolations(page);
      }
      // A work's page (a dialog) over the Library.
      await page.locator('nav a[data-room=library]').click();
      await page.locator('[data-testid=work-card]').first().click();
      await page.locator('dialog[open]').waitFor();
      found[`work page (${theme})`] = await severeViolations(page);
      await page.keyboard.press('Escape');
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  });
});
