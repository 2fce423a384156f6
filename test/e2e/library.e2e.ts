/**
 * The Library in real Chromium with real IndexedDB: imports with bad files among good ones,
 * backup → clear → restore, a refused damaged backup, and a full disk (quota shrunk through the
 * DevTools protocol). Every scenario runs in WebGPU and WASM modes and must leave a clean page.
 */
import { dataMiningXmp } from '../../src/shared/provenance/xmp';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makeCorruptPng, makePng, makePngHeaderOnly } from '../fixtures/library/images';
import { readPngText } from '../../src/shared/library/png-text';
import { sniffImage } from '../../src/shared/library/sniff';
import {
  assertClean,
  endSession,
  WASM_ONLY,
  openStudio,
  waitForReady,
  type StudioSession,
} from './browser';

const baseURL = inject('baseURL');

type Upload = { name: string; mimeType: string; buffer: Buffer };
const file = (name: string, bytes: Uint8Array, mimeType = 'image/png'): Upload => ({
  name,
  mimeType,
  buffer: Buffer.from(bytes),
});

async function openLibrary(page: Page) {
  await page.goto(`${baseURL}/#/library`);
  await waitForReady(page);
  await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
}

async function importFiles(page: Page, files: Upload[]) {
  await page.getByTestId('import-input').setInputFiles(files);
  await expect
    .poll(() => page.getByTestId('import-result').count(), { timeout: 60_000 })
    .toBe(files.length);
  return page.getByTestId('import-result').evaluateAll((items) =>
    items.map((li) => ({
      ok: li.getAttribute('data-ok') === 'true',
      code: li.getAttribute('data-code'),
      text: li.textContent?.replace(/\s+/g, ' ').trim(),
    })),
  );
}

const titles = (page: Page) =>
  page.getByTestId('work-card').evaluateAll((cards) => cards.map((c) => c.textContent?.trim()));

/** Every row of the Library's tables, blobs as SHA-256, read straight from IndexedDB. */
async function dump(page: Page) {
  return page.evaluate(async () => {
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
    const hex = (buf: ArrayBuffer) =>
      [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const works = await all<Record<string, unknown>>('works');
    const versions = await all<Record<string, unknown>>('versions');
    const blobs = await all<{ id: string; blob: Blob; sha256: string; mime: string }>('blobs');
    idb.close();
    const hashed = await Promise.all(
      blobs
        .filter((b) => b.mime.startsWith('image/'))
        .map(async (b) => ({
          id: b.id,
          stored: b.sha256,
          actual: hex(await crypto.subtle.digest('SHA-256', await b.blob.arrayBuffer())),
        })),
    );
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a.id).localeCompare(String(b.id));
    return {
      works: works.sort(byId),
      versions: versions.sort(byId),
      blobs: hashed.sort(byId),
    };
  });
}

describe.each(WASM_ONLY)('library ($name)', (mode) => {
  let session: StudioSession | undefined;
  let profileDir: string | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    try {
      await endSession(ending);
    } finally {
      if (profileDir) rmSync(profileDir, { recursive: true, force: true });
      profileDir = undefined;
    }
  });

  it('imports the good image, names each bad one with its reason, and keeps it after a reload', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await openLibrary(page);
    const results = await importFiles(page, [
      file('sunset_01.png', makePng(64, 48)),
      file('broken.png', makeCorruptPng()),
      file('empty.jpg', new Uint8Array(), 'image/jpeg'),
      file('huge.png', makePngHeaderOnly(20000, 20000)),
      file('notes.png', new TextEncoder().encode('not really a picture')),
    ]);
    // Files that need attention are listed first.
    expect(results).toEqual([
      {
        ok: false,
        code: 'decode-failed',
        text:
          '✕ broken.png "broken.png" could not be decoded: the image data is damaged or this ' +
          'browser cannot read it.',
      },
      { ok: false, code: 'empty-file', text: '✕ empty.jpg "empty.jpg" is empty (0 bytes).' },
      {
        ok: false,
        code: 'too-large',
        text:
          '✕ huge.png "huge.png" is too large (20000×20000, 400 MP); the limit is 100 MP and ' +
          '32767 px a side.',
      },
      {
        ok: false,
        code: 'not-an-image',
        text:
          '✕ notes.png "notes.png" is not an image (its contents are not PNG, JPEG, WebP, GIF, ' +
          'AVIF or BMP).',
      },
      { ok: true, code: '', text: '✓ sunset_01.png saved' },
    ]);
    await expect
      .poll(() => page.getByTestId('import-panel').locator('h2').textContent())
      .toContain('Imported 1 of 5');
    // The first save asked for persistent storage; the meter shows the browser's answer.
    await expect
      .poll(() => page.getByTestId('storage-meter').getAttribute('data-persisted'))
      .toMatch(/^(true|false)$/);
    expect(await titles(page)).toEqual(['sunset 01']);

    await page.reload();
    await openLibrary(page);
    await expect.poll(() => titles(page)).toEqual(['sunset 01']);
    // The thumbnail is a real decoded image.
    const img = page.getByTestId('work-card').locator('img');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(64);
    const db = await dump(page);
    expect(db.works).toHaveLength(1);
    expect(db.works[0]).toMatchObject({
      width: 64,
      height: 48,
      mime: 'image/png',
      title: 'sunset 01',
    });
    expect(db.blobs).toHaveLength(2);
    for (const b of db.blobs) expect(b.actual).toBe(b.stored);

    // Export as PNG: the title and author travel in the file's text metadata.
    await page.getByTestId('work-card').click();
    await page.getByTestId('export-author').fill('Hokusai 北斎');
    const exporting = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const exported = await exporting;
    expect(exported.suggestedFilename()).toBe('sunset 01.png');
    const png = new Uint8Array(readFileSync(await exported.path()));
    // The AI training choice as XMP comes first (see src/shared/provenance/xmp.ts), then the text.
    expect(readPngText(png)).toEqual([
      { keyword: 'XML:com.adobe.xmp', text: dataMiningXmp('notAllowed') },
      { keyword: 'Title', text: 'sunset 01' },
      { keyword: 'Author', text: 'Hokusai 北斎' },
      { keyword: 'Software', text: 'Atelier' },
    ]);
    expect(sniffImage(png, 'export')).toMatchObject({ width: 64, height: 48 });

    // Delete, undo, and it is back; delete again and it is gone after a reload.
    await page.getByTestId('work-delete').click();
    await expect.poll(() => page.getByTestId('work-card').count()).toBe(0);
    await page.getByTestId('undo-delete').click();
    await expect.poll(() => titles(page)).toEqual(['sunset 01']);
    await page.getByTestId('work-card').click();
    await page.getByTestId('work-delete').click();
    await expect.poll(() => page.getByTestId('undo-bar').isVisible()).toBe(true);
    await page.reload();
    await openLibrary(page);
    expect(await page.getByTestId('work-card').count()).toBe(0);
  });

  it('imports by drag-and-drop and by paste, and reminds to back up after 14 days', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await openLibrary(page);
    const png = [...makePng(20, 10)];
    await page.evaluate((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
      const room = document.querySelector('[data-testid=library-room]')!;
      for (const type of ['dragenter', 'dragover', 'drop']) {
        room.dispatchEvent(
          new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }),
        );
      }
    }, png);
    await expect.poll(() => titles(page)).toEqual(['dropped']);
    await page.evaluate((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
      document.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }),
      );
    }, png);
    await expect.poll(() => titles(page)).toEqual(['pasted', 'dropped']);

    // The last backup was 15 days ago and there is new work: a reminder, gone after a backup.
    await page.evaluate(async () => {
      const idb = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('atelier');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      await new Promise((resolve, reject) => {
        const tx = idb.transaction('meta', 'readwrite');
        tx.objectStore('meta').put({ key: 'library.lastBackupAt', value: Date.now() - 15 * 864e5 });
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      idb.close();
    });
    await page.reload();
    await openLibrary(page);
    const reminder = page.getByTestId('backup-reminder');
    await expect.poll(() => reminder.isVisible()).toBe(true);
    expect(await reminder.textContent()).toContain(
      'Your last backup is more than 14 days old and you have new work since.',
    );
    const downloading = page.waitForEvent('download');
    await reminder.getByRole('button', { name: 'Back up now' }).click();
    await downloading;
    await expect.poll(() => reminder.isVisible()).toBe(false);
    await page.reload();
    await openLibrary(page);
    await page.getByTestId('work-card').first().waitFor();
    expect(await reminder.isVisible()).toBe(false);
  });

  it('backs up, restores into a cleared library identically, and refuses a damaged backup', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page, context } = session;
    await openLibrary(page);
    await importFiles(page, [
      file('a.png', makePng(40, 30, { color: [10, 200, 90] })),
      file('b.png', makePng(30, 40, { noiseSeed: 7 })),
    ]);
    // Rename and tag one through its page, and search for it.
    await page.getByTestId('work-card').filter({ hasText: 'b' }).click();
    await page.getByTestId('work-title-input').fill('Noise <b>study</b>');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByTestId('work-tags-input').fill('grain, test');
    await page.getByRole('button', { name: 'Save tags' }).click();
    await expect.poll(() => page.locator('#work-title').textContent()).toBe('Noise <b>study</b>');
    await page.getByTestId('work-close').click();
    await page.getByTestId('library-search').fill('grain');
    await expect.poll(() => titles(page)).toEqual(['Noise <b>study</b>']);
    await page.getByTestId('library-search').fill('');
    // A version, as the Render room would add it, shows on the work's page.
    const versionedId = await page.evaluate(
      async (bytes) => {
        type Hook = {
          addVersion(input: unknown): Promise<unknown>;
          library: { works: { id: string; title: string }[] };
        };
        const hook = (globalThis as unknown as { __atelierLibrary: Hook }).__atelierLibrary;
        const work = hook.library.works.find((w) => w.title === 'a')!;
        await hook.addVersion({
          workId: work.id,
          image: new Blob([new Uint8Array(bytes)], { type: 'image/png' }),
          width: 12,
          height: 9,
          stack: [{ effect: 'grain', amount: 0.3 }],
          engine: { backend: 'wasm', engine: 'test' },
          label: 'Grainy',
        });
        return work.id;
      },
      [...makePng(12, 9)],
    );
    await page.locator(`[data-work-id="${versionedId}"]`).click();
    await expect.poll(() => page.getByTestId('versions').textContent()).toContain('Grainy');
    await page.getByTestId('work-close').click();
    const before = await dump(page);
    expect(before.works).toHaveLength(2);
    expect(before.versions).toHaveLength(1);
    expect(before.blobs).toHaveLength(5);

    const downloading = page.waitForEvent('download');
    await page.getByTestId('backup-button').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^atelier-backup-\d{4}-\d{2}-\d{2}\.zip$/);
    const zipPath = await download.path();
    const zip = readFileSync(zipPath);

    // Clear the site's IndexedDB, as a browser evicting it would.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', { origin: baseURL, storageTypes: 'indexeddb' });
    await page.reload();
    await openLibrary(page);
    await expect.poll(() => page.getByTestId('work-card').count()).toBe(0);

    // A damaged copy (one byte of an image flipped) is refused and changes nothing.
    const damaged = Buffer.from(zip);
    damaged[damaged.length >> 1]! ^= 0xff;
    await page.getByTestId('restore-input').setInputFiles({
      name: 'damaged.zip',
      mimeType: 'application/zip',
      buffer: damaged,
    });
    await expect
      .poll(() => page.locator('.toast[data-kind=error]').first().textContent(), {
        timeout: 20_000,
      })
      .toMatch(
        /Restoring: "damaged\.zip" is damaged: .* Nothing was restored; your library is unchanged\./,
      );
    expect(await page.getByTestId('work-card').count()).toBe(0);

    await page.getByTestId('restore-input').setInputFiles(zipPath);
    await page.getByTestId('restore-merge').click({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('work-card').count(), { timeout: 20_000 }).toBe(2);
    const after = await dump(page);
    expect(after).toEqual(before);
    for (const b of after.blobs) expect(b.actual).toBe(b.stored);
    expect(createHash('sha256').update(zip).digest('hex')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a full disk stops with a clear message and leaves nothing half-written', async () => {
    // First visit: the service worker precaches the app (that counts against the quota too).
    profileDir = mkdtempSync(join(tmpdir(), 'atelier-quota-'));
    const first = await openStudio({ baseURL, mode, path: '/#/library', profileDir });
    await openLibrary(first.page);
    await first.page.evaluate(() => navigator.serviceWorker?.ready);
    await assertClean(first);
    await first.close();
    // Second visit: shrink the quota before the page touches IndexedDB (Chromium caches the
    // space left for about 30 s, so an override set later is not seen at once), then import.
    session = await openStudio({ baseURL, mode, path: '/icons/icon-192.png', profileDir });
    const { page, context } = session;
    const cdp = await context.newCDPSession(page);
    const { usage } = await cdp.send('Storage.getUsageAndQuota', { origin: baseURL });
    await cdp.send('Storage.overrideQuotaForOrigin', {
      origin: baseURL,
      quotaSize: usage + 1024 * 1024,
    });
    await openLibrary(page);
    // Noise PNGs do not compress: about 235 KB each, so only the first few fit in 1 MB.
    const files = Array.from({ length: 6 }, (_, i) =>
      file(`noise-${i}.png`, makePng(280, 280, { noiseSeed: i + 1 })),
    );
    const results = await importFiles(page, files);
    const saved = results.filter((r) => r.ok).length;
    const full = results.filter((r) => r.code === 'quota-exceeded');
    expect(saved).toBeGreaterThan(0);
    expect(full.length).toBeGreaterThan(0);
    expect(results.every((r) => r.ok || r.code === 'quota-exceeded')).toBe(true);
    expect(full[0]!.text).toMatch(
      /^✕ noise-\d\.png Storage is full: "noise-\d" was not saved\. Nothing was half-written; free some space/,
    );
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: baseURL });
    await page.reload();
    await openLibrary(page);
    await expect.poll(() => page.getByTestId('work-card').count()).toBe(saved);
    const db = await dump(page);
    expect(db.works).toHaveLength(saved);
    expect(db.blobs).toHaveLength(saved * 2);
    for (const b of db.blobs) expect(b.actual).toBe(b.stored);
  });

  it('a tab holding the old database version is told to reload, and does not block', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page, context } = session;
    await openLibrary(page);
    // A newer build opens the database at a higher version in another tab.
    const other = await context.newPage();
    await other.goto(`${baseURL}/icons/icon-192.png`);
    const version = await other.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const req = indexedDB.open('atelier', 990);
          req.onblocked = () => reject(new Error('blocked by the old tab'));
          req.onsuccess = () => {
            const v = req.result.version;
            req.result.close();
            resolve(v);
          };
          req.onerror = () => reject(req.error);
        }),
    );
    expect(version).toBe(990);
    const banner = page.getByTestId('outdated-banner');
    await expect
      .poll(() => banner.textContent())
      .toContain(
        'Atelier was updated in another tab. Reload this tab to keep working; nothing was lost.',
      );
    await other.close();
  });
});
