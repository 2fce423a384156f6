/**
 * Export presets and batch export in the Library, in real Chromium (WASM: the Library never
 * touches the GPU): a built-in social preset makes an exact 1080 × 1080 JPEG filled from the
 * middle, with a watermark in its corner, and stripped of title and author (its Content
 * Credentials, read by c2pa-rs, name neither); a custom preset is saved by name, survives a
 * reload and exports a PNG at its long edge; an out-of-range size is refused in words; the works
 * in view export as one zip of files with unique names, each with Content Credentials; a batch
 * cancelled midway saves nothing.
 *
 * Run: E2E_OUTDIR=dist-presets E2E_PORT=4921 npx vitest run --project e2e test/e2e/export-presets.e2e.ts
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { rgbPng } from '../fixtures/library/images';
import { loadC2pa } from '../provenance/c2pa-node';
import { readPngText } from '../../src/shared/library/png-text';
import { endSession, openStudio, waitForReady, MODES, type StudioSession } from './browser';
import { importFiles, png } from './render-room-helpers';

const baseURL = inject('baseURL');

/** A picture with texture everywhere and a bright stripe at its horizontal middle. */
function picture(width: number, height: number, seed: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const mid = Math.abs(x - width / 2) < width / 40;
      data[i] = mid ? 250 : (x * 7 + seed * 31) & 127;
      data[i + 1] = mid ? 250 : (y * 5 + seed * 17) & 127;
      data[i + 2] = mid ? 250 : ((x + y) * 3) & 127;
      data[i + 3] = 255;
    }
  }
  return rgbPng(width, height, data);
}

async function download(page: Page, click: () => Promise<void>): Promise<Uint8Array> {
  const saving = page.waitForEvent('download', { timeout: 120_000 });
  await click();
  return new Uint8Array(readFileSync((await (await saving).path())!));
}

/** Decodes an image in the page: its size and its pixels. */
async function decodeInPage(page: Page, bytes: Uint8Array, type: string) {
  const out = await page.evaluate(
    async ({ b64, type }) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([raw], { type }));
      const c = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
      c.drawImage(bitmap, 0, 0);
      const data = c.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let s = '';
      for (let i = 0; i < data.length; i += 0x8000) {
        s += String.fromCharCode(...data.subarray(i, i + 0x8000));
      }
      return { width: bitmap.width, height: bitmap.height, b64: btoa(s) };
    },
    { b64: Buffer.from(bytes).toString('base64'), type },
  );
  return { ...out, data: new Uint8Array(Buffer.from(out.b64, 'base64')) };
}

/** Mean absolute difference of two same-size images over a rectangle (fractions of the size). */
function regionDiff(
  a: { width: number; data: Uint8Array },
  b: { data: Uint8Array },
  [x0, y0, x1, y1]: number[],
) {
  const w = a.width;
  const h = a.data.length / 4 / w;
  let sum = 0;
  let n = 0;
  for (let y = Math.floor(y0! * h); y < Math.floor(y1! * h); y++) {
    for (let x = Math.floor(x0! * w); x < Math.floor(x1! * w); x++) {
      for (let c = 0; c < 3; c++)
        sum += Math.abs(a.data[(y * w + x) * 4 + c]! - b.data[(y * w + x) * 4 + c]!);
      n += 3;
    }
  }
  return sum / n;
}

async function manifestOf(bytes: Uint8Array, type: string) {
  const reader = await loadC2pa().WasmReader.fromBytes(type, bytes);
  const store = JSON.parse(reader.json());
  reader.free();
  return {
    manifest: store.manifests[store.active_manifest],
    failures: store.validation_results.activeManifest.failure.map((s: { code: string }) => s.code),
  };
}

const exportButton = (page: Page) => page.getByRole('button', { name: 'Export', exact: true });
const toastText = (page: Page) => page.locator('.toast').allTextContents();

describe.each(MODES)('Export presets and batch export ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('a social preset, a watermark, a saved preset, a refused size, a zip of the works in view', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await importFiles(page, [
      png('dune.png', picture(1600, 900, 1)),
      png('dune.png', picture(640, 480, 2)),
      png('sea.png', picture(500, 700, 3)),
    ]);
    await page.getByTestId('work-card').filter({ hasText: 'sea' }).click();
    await page.getByTestId('export-preset').selectOption('square-post');
    expect(await page.getByTestId('export-summary').textContent()).toContain(
      'JPEG, 1080 × 1080 px',
    );
    await page.getByTestId('export-keep-metadata').uncheck();
    const plain = await download(page, () => exportButton(page).click());
    await page.getByTestId('export-watermark').fill('© Ada Lovelace');
    const marked = await download(page, () => exportButton(page).click());

    // Exactly 1080 × 1080, the middle of the tall picture (its bright stripe at the centre).
    const a = await decodeInPage(page, plain, 'image/jpeg');
    expect([a.width, a.height]).toEqual([1080, 1080]);
    const centre = (540 * 1080 + 540) * 4;
    expect(a.data[centre]).toBeGreaterThan(200);
    // The watermark changes the bottom right corner and nothing far from it.
    const b = await decodeInPage(page, marked, 'image/jpeg');
    expect(regionDiff(a, b, [0.55, 0.9, 0.98, 0.99])).toBeGreaterThan(8);
    expect(regionDiff(a, b, [0, 0, 0.4, 0.5])).toBeLessThan(0.5);
    // Stripped: the credentials hold the history but neither the title nor a registration.
    const { manifest, failures } = await manifestOf(marked, 'image/jpeg');
    expect(failures).toEqual(['signingCredential.untrusted']);
    expect(manifest.title).toBe('Image');
    expect(manifest.ingredients[0].title).toBe('Original');

    // An out-of-range size is refused in words and saves nothing.
    await page.getByTestId('export-size').selectOption('long-edge');
    await page.getByTestId('export-long-edge').fill('5');
    await page.getByTestId('export-long-edge').dispatchEvent('change');
    let downloads = 0;
    page.on('download', () => downloads++);
    await exportButton(page).click();
    await expect
      .poll(async () => (await toastText(page)).join(' '))
      .toContain('The long edge must be a whole number of pixels from 16 to 32767.');
    expect(downloads).toBe(0);

    // A custom preset, saved by name: PNG, long edge 400, title kept.
    await page.getByTestId('export-format').selectOption('image/png');
    await page.getByTestId('export-long-edge').fill('400');
    await page.getByTestId('export-long-edge').dispatchEvent('change');
    await page.getByTestId('export-keep-metadata').check();
    await page.getByTestId('export-watermark').fill('');
    await page.getByTestId('export-preset-name').fill('Shop thumbnails');
    await page.getByTestId('export-preset-save').click();
    await expect
      .poll(async () => (await toastText(page)).join(' '))
      .toContain('Preset “Shop thumbnails” saved.');
    await page.reload();
    await waitForReady(page);
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    await page.getByTestId('work-card').filter({ hasText: 'sea' }).click();
    const preset = page.getByTestId('export-preset');
    const value = await preset
      .locator('option', { hasText: 'Shop thumbnails' })
      .getAttribute('value');
    await preset.selectOption(value!);
    const shop = await download(page, () => exportButton(page).click());
    const s = await decodeInPage(page, shop, 'image/png');
    expect([s.width, s.height]).toEqual([286, 400]);
    expect(readPngText(shop).find((t) => t.keyword === 'Title')?.text).toBe('sea');
    await page.keyboard.press('Escape');

    // The works in view as one zip: unique names, each with credentials.
    await page.getByTestId('batch-export-button').click();
    await page.getByTestId('batch-export').waitFor();
    expect(await page.getByTestId('batch-start').textContent()).toContain('Export 3 works');
    const zip = await download(page, () => page.getByTestId('batch-start').click());
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(['dune (2).jpg', 'dune.jpg', 'sea.jpg']);
    for (const [name, bytes] of Object.entries(files)) {
      expect((await manifestOf(bytes, 'image/jpeg')).failures, name).toEqual([
        'signingCredential.untrusted',
      ]);
      const image = await decodeInPage(page, bytes, 'image/jpeg');
      expect(Math.max(image.width, image.height), name).toBeLessThanOrEqual(2048);
    }
    await expect
      .poll(async () => (await toastText(page)).join(' '))
      .toContain('Exported 3 works as one zip.');
  });

  it('a batch cancelled midway saves nothing', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await importFiles(
      page,
      [1, 2, 3, 4].map((n) => png(`field ${n}.png`, picture(3000, 2000, n))),
    );
    await page.getByTestId('batch-export-button').click();
    await page.getByTestId('export-preset').selectOption('full-png');
    let downloads = 0;
    page.on('download', () => downloads++);
    await page.getByTestId('batch-start').click();
    await page.getByTestId('batch-progress').waitFor();
    await page.getByTestId('batch-cancel').click();
    await expect
      .poll(async () => (await toastText(page)).join(' '), { timeout: 60_000 })
      .toContain('Batch export cancelled; nothing was saved.');
    await page.waitForTimeout(500);
    expect(downloads).toBe(0);
  });
});
