/**
 * Page helpers for the Render room e2e spec: importing works through the Library room, opening a
 * work in the Render room, waiting for preview frames, adding effects, reading IndexedDB rows,
 * and PNG fixtures for a learnable before/after pair.
 */
import type { Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { makePng, rgbPng } from '../fixtures/library/images';
import { waitForReady } from './browser';

const baseURL = inject('baseURL');

export type Upload = { name: string; mimeType: string; buffer: Buffer };
export const png = (name: string, bytes: Uint8Array): Upload => ({
  name,
  mimeType: 'image/png',
  buffer: Buffer.from(bytes),
});

/** Imports through the Library room's file input and waits for every result. */
export async function importFiles(page: Page, files: Upload[]): Promise<void> {
  await page.goto(`${baseURL}/#/library`);
  await waitForReady(page);
  await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
  const before = await page.getByTestId('import-result').count();
  await page.getByTestId('import-input').setInputFiles(files);
  await expect
    .poll(() => page.getByTestId('import-result').count(), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(Math.min(before + files.length, files.length));
  await expect
    .poll(() => page.locator('[data-testid=import-result][data-ok=true]').count(), {
      timeout: 60_000,
    })
    .toBeGreaterThanOrEqual(files.length);
}

/** Work ids by title, from the room's work menu. */
export async function workIds(page: Page): Promise<Record<string, string>> {
  await page.getByTestId('work-select').waitFor();
  const options = await page
    .locator('[data-testid=work-select] option')
    .evaluateAll((els) =>
      els.map((o) => [o.textContent?.trim() ?? '', (o as HTMLOptionElement).value]),
    );
  return Object.fromEntries(options.filter(([, v]) => v));
}

export async function openRender(page: Page, title: string): Promise<void> {
  await page.goto(`${baseURL}/#/render`);
  await waitForReady(page);
  const ids = await workIds(page);
  expect(ids[title], `work “${title}” in ${JSON.stringify(ids)}`).toBeDefined();
  await page.getByTestId('work-select').selectOption(ids[title]!);
  await page.getByTestId('preview').waitFor();
  await waitFrames(page, 1);
}

export const frames = (page: Page) =>
  page.getByTestId('preview').evaluate((c) => Number(c.getAttribute('data-frames') ?? 0));

export async function waitFrames(page: Page, atLeast: number): Promise<void> {
  await expect.poll(() => frames(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(atLeast);
}

export const layerEffects = (page: Page) =>
  page.getByTestId('layer').evaluateAll((els) => els.map((e) => e.getAttribute('data-effect')));

export async function addEffect(page: Page, effectId: string): Promise<void> {
  if ((await page.getByTestId('catalogue').count()) === 0) {
    await page.getByTestId('catalogue-toggle').click();
  }
  await page.locator(`[data-testid=catalogue-item][data-effect=${effectId}]`).click();
}

/** Rows of an IndexedDB store of the app's database. */
export async function rows<T>(page: Page, store: string): Promise<T[]> {
  return page.evaluate(async (name) => {
    const idb = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('atelier');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      return await new Promise<T[]>((resolve, reject) => {
        const req = idb.transaction(name).objectStore(name).getAll();
        req.onsuccess = () => resolve(req.result as T[]);
        req.onerror = () => reject(req.error);
      });
    } finally {
      idb.close();
    }
  }, store);
}

export interface VersionRow {
  workId: string;
  stack: { effects: { effectId: string; params: Record<string, unknown> }[] };
  engine: Record<string, string>;
  width: number;
  height: number;
}

/** `after = clamp(M · before)` per pixel, as a PNG; both sides of a learnable pair. */
export function matrixPair(width: number, height: number, m: number[]): [Uint8Array, Uint8Array] {
  const before = makePng(width, height, { noiseSeed: 11 });
  // Re-create the noise pixels to transform them (makePng's generator, same seed).
  const raw = new Uint8Array(width * height * 4);
  let a = 11 >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let p = 0; p < width * height; p++) {
    const rgb = [0, 1, 2].map(() => ((rnd() * 256) | 0) / 255);
    for (let c = 0; c < 3; c++) {
      const v =
        m[c * 4]! * rgb[0]! + m[c * 4 + 1]! * rgb[1]! + m[c * 4 + 2]! * rgb[2]! + m[c * 4 + 3]!;
      raw[p * 4 + c] = Math.round(Math.max(0, Math.min(1, v)) * 255);
    }
    raw[p * 4 + 3] = 255;
  }
  return [before, rgbPng(width, height, raw)];
}

/** Bytes from the page as base64 (a fraction of the size of a JSON number array). */
const B64_CHUNK = 0x8000;

/**
 * The newest version's pixels (RGBA), decoded in the page as the browser stores them, or the
 * `rect` of them; `fullWidth` is the version's own width.
 */
export async function newestVersionPixels(
  page: Page,
  rect?: { x: number; y: number; width: number; height: number },
): Promise<{ width: number; height: number; fullWidth: number; data: Uint8Array }> {
  const out = await page.evaluate(
    async ({ r, chunk }) => {
      const idb = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('atelier');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const all = <T>(store: string) =>
        new Promise<T[]>((resolve, reject) => {
          const req = idb.transaction(store).objectStore(store).getAll();
          req.onsuccess = () => resolve(req.result as T[]);
          req.onerror = () => reject(req.error);
        });
      const versions = await all<{ blobId: string; createdAt: number }>('versions');
      const newest = versions.sort((a, b) => b.createdAt - a.createdAt)[0]!;
      const blob = (await all<{ id: string; blob: Blob }>('blobs')).find(
        (b) => b.id === newest.blobId,
      )!.blob;
      idb.close();
      const bitmap = await createImageBitmap(blob, {
        colorSpaceConversion: 'none',
        premultiplyAlpha: 'none',
      });
      const { x, y, width, height } = r ?? {
        x: 0,
        y: 0,
        width: bitmap.width,
        height: bitmap.height,
      };
      const c = new OffscreenCanvas(width, height).getContext('2d')!;
      c.drawImage(bitmap, -x, -y);
      const bytes = c.getImageData(0, 0, width, height).data;
      let s = '';
      for (let i = 0; i < bytes.length; i += chunk) {
        s += String.fromCharCode(...bytes.subarray(i, i + chunk));
      }
      return { width, height, fullWidth: bitmap.width, b64: btoa(s) };
    },
    { r: rect ?? null, chunk: B64_CHUNK },
  );
  return { ...out, data: new Uint8Array(Buffer.from(out.b64, 'base64')) };
}

/** A canvas' pixels and its `data-rect` (x,y,w,h), by test id. */
export async function canvasPixels(
  page: Page,
  testId: string,
): Promise<{ rect: { x: number; y: number; width: number; height: number }; data: Uint8Array }> {
  const out = await page.getByTestId(testId).evaluate((el, chunk) => {
    const canvas = el as HTMLCanvasElement;
    const [x, y, width, height] = (canvas.dataset.rect ?? `0,0,${canvas.width},${canvas.height}`)
      .split(',')
      .map(Number) as [number, number, number, number];
    const bytes = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
    let s = '';
    for (let i = 0; i < bytes.length; i += chunk) {
      s += String.fromCharCode(...bytes.subarray(i, i + chunk));
    }
    return { rect: { x, y, width, height }, b64: btoa(s) };
  }, B64_CHUNK);
  return { rect: out.rect, data: new Uint8Array(Buffer.from(out.b64, 'base64')) };
}
