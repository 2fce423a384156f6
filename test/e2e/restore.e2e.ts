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
import { sha256Hex } from '../../src/shared/library/hash';
import { endSession, WASM_ONLY, openStudio, waitForReady, type StudioSession } from './browser';

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
  const zip = await zipBackup(manifest as BackupManifest, [
    { entry: blobs[0]!, read: async () => original },
    { entry: blobs[1]!, read: async () => thumb },
  ]);
  return Buffer.from(await zip.arrayBuffer());
}

async function restore(page: Page, bytes: Buffer, expected: RegExp) {
  await page.getByTestId('restore-input').setInputFiles({
    name: 'atelier-backup.zip',
    mimeType: 'application/zip',
    buffer: bytes,
  });
  await expect
    .poll(() => page.locator('.toast > span').allTextContents(), { timeout: 60_000 })
    .toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
}

const titles = (page: Page) =>
  page.getByTestId('work-card').evaluateAll((cards) => cards.map((c) => c.textContent?.trim()));

describe.each(WASM_ONLY)('restoring hostile backups ($name)', (mode) => {
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
});
