/**
 * Restoring hostile backups in real Chromium with real IndexedDB (issue #20, defects 2 and 3):
 * a forged registration that claims an anchor, malformed registration rows, and a second backup
 * that marks an existing work deleted and rewrites it. Nothing forged is listed, Verify still works,
 * and the library keeps its work as it was, also after a reload (the purge of deleted works runs
 * at start).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { makePng } from '../fixtures/library/images';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  blobPath,
  zipBackup,
  type BackupManifest,
} from '../../src/shared/library/backup-format';
import { readBackup } from '../../src/shared/library/backup-format';
import { sha256Hex } from '../../src/shared/library/hash';
import { endSession, MODES, openStudio, waitForReady, type StudioSession } from './browser';

const baseURL = inject('baseURL');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'registration');
const examplePng = readFileSync(join(FIXTURES, 'example.png'));
const exampleCertificate = JSON.parse(
  readFileSync(join(FIXTURES, 'example.certificate.json'), 'utf8'),
);

/** A one-work backup whose manifest `edit` may poison. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hostile manifests are untyped on purpose
async function backup(edit: (m: Record<string, any>) => void): Promise<Buffer> {
  const original = makePng(12, 8, { noiseSeed: 3 });
  const thumb = makePng(6, 4, { noiseSeed: 3 });
  const entry = async (id: string, bytes: Uint8Array) => ({
    id,
    path: blobPath(id, 'image/png'),
    bytes: bytes.length,
    sha256: await sha256Hex(bytes as Uint8Array<ArrayBuffer>),
    mime: 'image/png',
  });
  const blobs = [await entry('b-orig', original), await entry('b-thumb', thumb)];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- hostile manifests are untyped on purpose
  const manifest: Record<string, any> = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    createdAt: 1,
    app: 'atelier',
    works: [
      {
        id: 'w-harbour',
        title: 'Harbour',
        tags: [],
        createdAt: 1,
        updatedAt: 1,
        originalBlobId: 'b-orig',
        thumbBlobId: 'b-thumb',
        width: 12,
        height: 8,
        mime: 'image/png',
        bytes: original.length,
        sha256: blobs[0]!.sha256,
        palette: ['#336699'],
      },
    ],
    versions: [],
    blobs,
    presets: [],
    drafts: [],
    registrations: [],
  };
  edit(manifest);
  const zip = await zipBackup(
    manifest as BackupManifest,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- hostile manifests are untyped on purpose
    manifest.blobs.map((entry: any) => ({
      entry,
      read: async () => (entry.sha256 === blobs[0]!.sha256 ? original : thumb),
    })),
  );
  return Buffer.from(await zip.arrayBuffer());
}

async function restore(page: Page, bytes: Buffer, expected: RegExp) {
  await page.getByTestId('restore-input').setInputFiles({
    name: 'atelier-backup.zip',
    mimeType: 'application/zip',
    buffer: bytes,
  });
  await page.getByTestId('restore-dialog').waitFor({ timeout: 60_000 });
  await page.getByTestId('restore-merge').click();
  await expect
    .poll(() => page.locator('.toast > span').allTextContents(), { timeout: 60_000 })
    .toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
}

/** The work `w` of `backup`'s manifest, with its own copies of the same image (other ids). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are edited as data
function addTwin(manifest: Record<string, any>, id: string, title: string) {
  const [orig, thumb] = manifest.blobs;
  manifest.blobs.push(
    { ...orig, id: `${id}-orig`, path: blobPath(`${id}-orig`, 'image/png') },
    { ...thumb, id: `${id}-thumb`, path: blobPath(`${id}-thumb`, 'image/png') },
  );
  manifest.works.push({
    ...manifest.works[0],
    id,
    title,
    originalBlobId: `${id}-orig`,
    thumbBlobId: `${id}-thumb`,
  });
}

const blobCount = (page: Page) =>
  page.evaluate(() =>
    (
      globalThis as unknown as { __atelierLibrary: { blobCount(): Promise<number> } }
    ).__atelierLibrary.blobCount(),
  );

const titles = (page: Page) =>
  page.getByTestId('work-card').evaluateAll((cards) => cards.map((c) => c.textContent?.trim()));

describe.each(MODES)('restoring hostile backups ($name)', (mode) => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('lists nothing forged, keeps Verify working, and never deletes or overwrites a work', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await waitForReady(page);
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    const forged = structuredClone(exampleCertificate);
    forged.message.title = 'Forged claim';
    const m = forged.message;
    const poisoned = await backup((manifest) => {
      manifest.registrations = [
        {
          id: 'forged',
          workId: '',
          contentHash: m.contentHash,
          perceptualHash: m.perceptualHash,
          author: m.author,
          chainId: 31337,
          createdAt: 1,
          certificate: forged,
          title: m.title,
          licenseId: m.licenseId,
          anchor: { status: 'confirmed', txHash: `0x${'ab'.repeat(32)}` },
        },
        { id: 'r1', workId: '' },
        { id: 'r2', workId: '', perceptualHash: 'not-hex' },
        { id: 'r3', workId: '', author: 5 },
      ];
    });
    await restore(page, poisoned, /^Restored 1 work and 0 versions\.$/);
    expect(await page.locator('.toast[data-kind=error] > span').textContent()).toContain(
      '4 registrations in the backup were left out',
    );

    // The same work again, marked deleted and retitled: the library keeps it as it is.
    const deleting = await backup((manifest) => {
      manifest.works[0].deletedAt = 1;
      manifest.works[0].title = 'Overwritten';
    });
    await restore(page, deleting, /^Restored 0 works and 0 versions\. 1 item was already/);
    await page.reload();
    await waitForReady(page);
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    await expect.poll(() => titles(page)).toEqual(['Harbour']);

    await page.locator('nav a[data-room=register]').click();
    await expect.poll(() => page.locator('main').getAttribute('data-room')).toBe('register');
    expect(await page.getByTestId('registration').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toContain('Forged claim');
    await page
      .getByTestId('verify-file')
      .setInputFiles({ name: 'example.png', mimeType: 'image/png', buffer: examplePng });
    const result = page.getByTestId('verify-result');
    await expect.poll(() => result.getAttribute('data-valid'), { timeout: 30_000 }).toBe('true');
    expect(await page.getByTestId('verify-exact').count()).toBe(0);
    expect(await page.locator('.toast[data-kind=error]').count()).toBe(0);
  });

  it('asks first: shows the summary; Merge keeps a newer local title; Replace saves a backup first', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await waitForReady(page);
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    await restore(page, await backup(() => {}), /^Restored 1 work and 0 versions\.$/);
    expect(await blobCount(page)).toBe(2);

    // The artist retitles the work now: this edit is newer than any copy in the backup.
    await page.evaluate(async () => {
      const hook = (
        globalThis as unknown as {
          __atelierLibrary: {
            library: { works: { id: string }[]; rename(w: unknown, t: string): Promise<boolean> };
          };
        }
      ).__atelierLibrary;
      await hook.library.rename(hook.library.works[0], 'Harbour at dusk');
    });
    await expect.poll(() => titles(page)).toEqual(['Harbour at dusk']);

    // A backup with the old title (updated at t=2) and a new work whose image is the same.
    const older = await backup((m) => {
      m.works[0].title = 'Harbour (old)';
      m.works[0].updatedAt = 2;
      m.works[0].texts = { title: 'Harbour', caption: 'Boats at rest' };
      addTwin(m, 'w-pier', 'Pier');
    });
    await page.getByTestId('restore-input').setInputFiles({
      name: 'older.zip',
      mimeType: 'application/zip',
      buffer: older,
    });
    const dialog = page.getByTestId('restore-dialog');
    await dialog.waitFor({ timeout: 60_000 });
    const words = async (id: string) =>
      (await page.getByTestId(id).textContent())?.replace(/\s+/g, ' ').trim();
    expect(await words('restore-holds')).toMatch(
      /^“older\.zip”, made .+, holds 2 works, 0 versions, 4 texts\.$/,
    );
    expect(await words('restore-compare')).toBe(
      'Compared with your library: 1 work is new, 0 are newer in the backup, 1 is already here.',
    );
    expect(await words('restore-bytes')).toMatch(
      /^All its images \(\d+ B\) are already in your library: none is stored twice\.$/,
    );
    // The technical facts wait behind Details.
    expect(await page.getByTestId('restore-details').getAttribute('open')).toBeNull();
    expect(await words('restore-details')).toMatch(
      /^Details Backup format 1, made by atelier; 4 files of image data/,
    );
    // Nothing is written while the studio asks.
    expect(await page.getByTestId('work-card').count()).toBe(1);
    // The dialog is modal and Merge, the default, has the focus.
    expect(
      await dialog.evaluate(
        (d) =>
          (d as HTMLDialogElement).open &&
          document.activeElement === d.querySelector('[data-testid=restore-merge]'),
      ),
    ).toBe(true);
    await page.getByTestId('restore-merge').click();
    await expect
      .poll(() => page.locator('.toast > span').allTextContents(), { timeout: 60_000 })
      .toEqual(
        expect.arrayContaining([
          'Restored 1 work and 0 versions. 1 item was already in your library and kept as they are.',
        ]),
      );
    await expect
      .poll(() => titles(page))
      .toEqual(expect.arrayContaining(['Harbour at dusk', 'Pier']));
    expect((await titles(page)).sort()).toEqual(['Harbour at dusk', 'Pier']);
    // The new work's image was already here: no blob was added.
    expect(await blobCount(page)).toBe(2);

    // Cancel writes nothing.
    await page.getByTestId('restore-input').setInputFiles({
      name: 'older.zip',
      mimeType: 'application/zip',
      buffer: older,
    });
    await page.getByTestId('restore-dismiss').click({ timeout: 60_000 });
    await expect
      .poll(() => page.locator('.toast > span').allTextContents())
      .toEqual(expect.arrayContaining(['Restore cancelled: nothing was changed.']));
    expect((await titles(page)).sort()).toEqual(['Harbour at dusk', 'Pier']);

    // Replace: a backup of the library as it is comes first (downloaded), then the backup's.
    const replacing = await backup((m) => {
      m.works[0].title = 'Harbour (old)';
      m.works[0].updatedAt = 2;
    });
    await page.getByTestId('restore-input').setInputFiles({
      name: 'replace.zip',
      mimeType: 'application/zip',
      buffer: replacing,
    });
    await dialog.waitFor({ timeout: 60_000 });
    expect(await words('restore-replace-text')).toContain(
      '1 work that only your library has will be removed.',
    );
    const downloading = page.waitForEvent('download');
    await page.getByTestId('restore-replace').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(
      /^atelier-before-restore-\d{4}-\d{2}-\d{2}-\d{4}\.zip$/,
    );
    const kept = await readBackup(new Uint8Array(readFileSync(await download.path())), 'kept.zip');
    expect(kept.manifest.works.map((w) => w.title).sort()).toEqual(['Harbour at dusk', 'Pier']);
    await expect
      .poll(() => page.locator('.toast > span').allTextContents(), { timeout: 60_000 })
      .toEqual(
        expect.arrayContaining([expect.stringMatching(/^Your library was replaced by the backup/)]),
      );
    await expect.poll(() => titles(page)).toEqual(['Harbour (old)']);
    // The kept copy survives a reload and can be downloaded again, then deleted.
    await page.reload();
    await waitForReady(page);
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    await page.getByTestId('safety-backup').waitFor();
    const again = page.waitForEvent('download');
    await page.getByTestId('safety-backup-download').click();
    expect((await again).suggestedFilename()).toBe(download.suggestedFilename());
    await page.getByTestId('safety-backup-delete').click();
    await expect.poll(() => page.getByTestId('safety-backup').count()).toBe(0);
    expect(await blobCount(page)).toBe(2);
    expect(await page.locator('.toast[data-kind=error]').count()).toBe(0);
  }, 150_000);
});
