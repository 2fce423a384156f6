/**
 * The attacks of the hostile review (issue #20) that happened in the browser, replayed in real
 * Chromium on the production build with real IndexedDB: defect 4 (a GIF whose header says 1×1
 * over a 12000×12000 frame), 5 (a PNG whose 1×1 header sits on 3 GiB of zero image data, in
 * Verify), 6 (a high-s twin of a valid signature), 7 (bytes after IEND, a second registration
 * chunk, a perceptual hash that is not the pixels', a right-to-left override in a title) and 10
 * (a long restore with progress and Cancel; a zip entry the manifest does not list, a bomb).
 * Defect 10's model-import errors are in write.e2e.ts; 1, 2, 3, 8 and 9 have their own files.
 *
 * These run once, on the WASM path (where the review attacked: no WebGPU adapter); none of them
 * touches the GPU.
 */
import type { Page } from 'playwright-core';
import { parseSignature, serializeSignature, toHex, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { certificateText, toCertificate } from '../../src/shared/registration/certificate';
import { addXmp } from '../../src/shared/provenance/xmp';
import { contentHashOf, sha256 } from '../../src/shared/registration/content-hash';
import {
  embedRegistration,
  encodeChunk,
  encodeITXt,
  readChunks,
} from '../../src/shared/registration/png';
import { decodePng, encodePng } from '../../src/shared/registration/png-codec';
import { perceptualHash } from '../../src/shared/registration/phash';
import { buildRegistration } from '../../src/shared/registration/typed-data';
import { ANVIL_KEYS } from '../chain/anvil';
import { addDeflatedEntry, makePngBomb, zeroDeflate } from '../fixtures/hostile';
import { makeLyingGif } from '../fixtures/library/gif-bomb';
import { REGISTRY } from '../unit/registration/fixture';
import { scene } from '../unit/registration/images';
import { bigBackup } from '../fixtures/library/big-backup';
import {
  endSession,
  openStudio,
  waitForReady,
  WASM_ONLY,
  type Mode,
  type StudioSession,
} from './browser';

const baseURL = inject('baseURL');
const [mode] = WASM_ONLY as [Mode];
const account = privateKeyToAccount(ANVIL_KEYS[0]);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A PNG registered by anvil's first key; `sign` may replace the signature it makes. */
async function registeredPng(
  seed: number,
  options: {
    title?: string;
    perceptualHash?: string;
    sign?: (s: Hex) => Hex;
    /** Registered as before metadata was left out of the hash: an XMP packet, hashed with it. */
    legacy?: boolean;
  } = {},
) {
  const bare = encodePng(scene(seed, 48, 32));
  const plain = options.legacy
    ? addXmp(bare, 'image/png', '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>')
    : bare;
  const typed = buildRegistration({
    chainId: 31337,
    verifyingContract: REGISTRY,
    contentHash: options.legacy ? await sha256(plain) : await contentHashOf(plain),
    perceptualHash: options.perceptualHash ?? perceptualHash(decodePng(plain)),
    title: options.title ?? `Harbour ${seed}`,
    author: account.address,
    createdAt: 1_767_225_600,
    licenseId: 'CC-BY-4.0',
    nonce: BigInt(seed),
  });
  const signed = await account.signTypedData({ ...typed, message: typed.message });
  const signature = options.sign ? options.sign(signed) : signed;
  const certificate = certificateText(toCertificate(typed, signature));
  return { png: embedRegistration(plain, certificate), certificate };
}

/** s' = n − s with v flipped: the same signer recovers, EIP-2 and the contract refuse it. */
function highS(signature: Hex): Hex {
  const { r, s, yParity } = parseSignature(signature);
  return serializeSignature({
    r,
    s: toHex(N - BigInt(s), { size: 32 }),
    yParity: yParity === 0 ? 1 : 0,
  });
}

const toastTexts = (page: Page) => page.locator('.toast > span').allTextContents();

async function verify(page: Page, name: string, bytes: Uint8Array) {
  const result = page.getByTestId('verify-result');
  await page.getByTestId('verify-file').setInputFiles({
    name,
    mimeType: 'image/png',
    buffer: Buffer.from(bytes),
  });
  // The result is for this file once it names it (each check replaces the last).
  await page
    .locator(`[data-testid=verify-result][data-file="${name}"]`)
    .waitFor({ timeout: 30_000 });
  return {
    valid: await result.getAttribute('data-valid'),
    reason: await result.getAttribute('data-reason'),
    text: (await result.textContent())?.replace(/\s+/g, ' ').trim() ?? '',
  };
}

describe('hostile inputs in Chromium (issue #20)', () => {
  let session: StudioSession | undefined;
  afterEach(async () => {
    const ending = session;
    session = undefined;
    await endSession(ending);
  });

  it('defect 4: a GIF whose 1×1 header hides a 12000×12000 frame is refused at import', async () => {
    const gif = makeLyingGif({ width: 1, height: 1 }, { width: 12000, height: 12000 });
    expect(gif.length).toBeLessThan(120_000);
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await waitForReady(page);
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();
    await page
      .getByTestId('import-input')
      .setInputFiles({ name: 'tiny.gif', mimeType: 'image/gif', buffer: Buffer.from(gif) });
    const result = page.getByTestId('import-result');
    await expect.poll(() => result.count(), { timeout: 30_000 }).toBe(1);
    expect(await result.getAttribute('data-ok')).toBe('false');
    expect(await result.getAttribute('data-code')).toBe('too-large');
    expect(await result.textContent()).toContain('12000×12000');
    expect(await page.getByTestId('work-card').count()).toBe(0);
  }, 90_000);

  it('defects 5, 6, 7: Verify holds against a PNG bomb, a high-s signature and a tampered file', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/register' });
    const { page } = session;
    await waitForReady(page);

    // 7 (and the control): the untouched registered file is valid and the registered one.
    const good = await registeredPng(41);
    let v = await verify(page, 'good.png', good.png);
    expect(v).toMatchObject({ valid: 'true' });
    expect(v.text).toContain('This file is the registered one.');

    // 5: 1×1 in the header over 3 GiB of zeros (3 MB of file): refused at once, plainly.
    const bomb = makePngBomb(1, 1, 3 * 1024 ** 3);
    const started = Date.now();
    v = await verify(page, 'bomb.png', bomb);
    expect(v.text).toMatch(/^bomb\.png could not be read: .*more image data than its header says/);
    expect(v.valid).toBe('none');
    expect(Date.now() - started).toBeLessThan(20_000);

    // 6: the high-s twin of a valid signature is not valid, as the contract says.
    v = await verify(page, 'high-s.png', (await registeredPng(42, { sign: highS })).png);
    expect(v.valid).toBe('false');
    expect(v.reason).toBe('bad-signature');

    // 7: bytes appended after IEND: not the registered file.
    const appended = new Uint8Array([...good.png, ...new TextEncoder().encode('<!-- extra -->')]);
    v = await verify(page, 'appended.png', appended);
    expect(v.valid).toBe('false');
    expect(v.text).not.toContain('This file is the registered one.');

    // 7: a second registration chunk (a forged title) is tampering.
    const forged = JSON.parse(good.certificate);
    forged.message.title = 'Forged claim';
    const iend = readChunks(good.png).at(-1)!;
    const twice = new Uint8Array([
      ...good.png.subarray(0, iend.offset),
      ...encodeChunk('iTXt', encodeITXt('atelier:registration', JSON.stringify(forged))),
      ...good.png.subarray(iend.offset),
    ]);
    v = await verify(page, 'twice.png', twice);
    expect(v).toMatchObject({ valid: 'false', reason: 'tampered' });
    expect(v.text).toContain('2 registrations');

    // 7: a record whose perceptual hash is not the pixels'.
    const lying = await registeredPng(43, { perceptualHash: '0x0123456789abcdef' });
    v = await verify(page, 'lying.png', lying.png);
    expect(v).toMatchObject({ valid: 'false', reason: 'tampered' });

    // A file registered before XMP and Content Credentials were left out of the hash still
    // verifies as the registered one (its hash covers the XMP); changing the XMP now breaks it.
    const older = await registeredPng(45, { legacy: true });
    v = await verify(page, 'older.png', older.png);
    expect(v.valid).toBe('true');
    expect(v.text).toContain('This file is the registered one.');
    const otherXmp = addXmp(encodePng(scene(45, 48, 32)), 'image/png', '<x:xmpmeta x="1"/>');
    v = await verify(page, 'older-edited.png', embedRegistration(otherXmp, older.certificate));
    expect(v.valid).toBe('false');
    expect(v.text).not.toContain('This file is the registered one.');

    // 7: a right-to-left override in the title is shown escaped, not obeyed.
    const bidi = await registeredPng(44, { title: 'Invoice \u202Egpj.exe' });
    v = await verify(page, 'bidi.png', bidi.png);
    expect(v.valid).toBe('true');
    expect(await page.getByTestId('verify-title').textContent()).toBe('Invoice \\u{202E}gpj.exe');
  }, 120_000);

  it('defect 10: a long restore shows progress and can be cancelled; an unlisted zip bomb is never unpacked', async () => {
    session = await openStudio({ baseURL, mode, path: '/#/library' });
    const { page } = session;
    await waitForReady(page);
    await page.locator('[data-testid=library-room][data-loaded=true]').waitFor();

    const many = await bigBackup(4000);
    await page.getByTestId('restore-input').setInputFiles({
      name: 'many.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(many),
    });
    // The studio asks first (issue #19): the default, Merge, starts the writing.
    await page.getByTestId('restore-merge').click({ timeout: 60_000 });
    const progress = page.getByTestId('restore-progress');
    await page.waitForFunction(
      () =>
        /[1-9][\d,]* of [\d,]+\s+items/.test(
          document.querySelector('[data-testid=restore-progress]')?.textContent ?? '',
        ),
      null,
      { timeout: 60_000 },
    );
    expect(await progress.textContent()).toMatch(/ of 8,001\s+items/);
    await page.getByTestId('restore-cancel').click();
    await expect
      .poll(() => toastTexts(page), { timeout: 30_000 })
      .toEqual(expect.arrayContaining(['Restore cancelled: nothing was changed.']));
    expect(await page.getByTestId('work-card').count()).toBe(0);

    // A one-work backup with an unlisted entry that unpacks to 3.75 GiB of zeros (4 MB here).
    const small = await bigBackup(1);
    const bombed = addDeflatedEntry(
      small,
      'blobs/unlisted.png',
      zeroDeflate(60 * 64 * 1024 ** 2),
      60 * 64 * 1024 ** 2,
    );
    const started = Date.now();
    await page.getByTestId('restore-input').setInputFiles({
      name: 'bombed.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(bombed),
    });
    await page.getByTestId('restore-merge').click({ timeout: 20_000 });
    await expect
      .poll(() => toastTexts(page), { timeout: 30_000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(/^Restored 1 work/)]));
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await page.getByTestId('work-card').count()).toBe(1);
  }, 150_000);
});
