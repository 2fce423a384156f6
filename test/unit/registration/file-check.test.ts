/**
 * The offline file check against tampering (issue #20, defect 7): bytes appended after IEND, a
 * second registration chunk, a record whose perceptual hash is not the pixels', and a title with
 * a right-to-left override. Runs the verifier's own path: pngFacts (what the hash worker runs)
 * then verifyCertificate with the file's facts.
 */
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { ANVIL_KEYS } from '../../chain/anvil';
import {
  certificateText,
  toCertificate,
  verifyCertificate,
} from '../../../src/shared/registration/certificate';
import { contentHashOf } from '../../../src/shared/registration/content-hash';
import {
  embedRegistration,
  encodeChunk,
  encodeITXt,
  readChunks,
} from '../../../src/shared/registration/png';
import { encodePng } from '../../../src/shared/registration/png-codec';
import { pngFacts } from '../../../src/shared/registration/png-facts';
import { buildRegistration } from '../../../src/shared/registration/typed-data';
import { visibleText } from '../../../src/shared/registration/visible-text';
import { makeFixture, REGISTRY } from './fixture';
import { scene } from './images';

async function check(bytes: Uint8Array) {
  const facts = await pngFacts(bytes);
  return verifyCertificate(facts.certificateText, facts);
}

const account = privateKeyToAccount(ANVIL_KEYS[0]);

async function signedPng(
  plain: Uint8Array,
  overrides: { perceptualHash?: string; title?: string } = {},
) {
  const facts = await pngFacts(plain);
  const typed = buildRegistration({
    chainId: 31337,
    verifyingContract: REGISTRY,
    contentHash: await contentHashOf(plain),
    perceptualHash: overrides.perceptualHash ?? facts.perceptualHash,
    title: overrides.title ?? 'Harbour',
    author: account.address,
    createdAt: 1_767_225_600,
    licenseId: 'CC-BY-4.0',
    nonce: 7n,
  });
  const signature = await account.signTypedData({ ...typed, message: typed.message });
  return embedRegistration(plain, certificateText(toCertificate(typed, signature)));
}

describe('file check', () => {
  it('the registered file itself is valid and the registered one', async () => {
    const { png } = await makeFixture();
    const v = await check(png);
    expect(v).toMatchObject({ valid: true, contentMatches: true });
  });

  it('bytes appended after IEND make it not the registered file', async () => {
    const { png } = await makeFixture();
    const appended = new Uint8Array([
      ...png,
      ...new TextEncoder().encode('<script>hidden</script>'),
    ]);
    const v = await check(appended);
    expect(v).toMatchObject({ valid: false, reason: 'content-mismatch', contentMatches: false });
  });

  it('a second registration chunk is tampering, whichever comes first', async () => {
    const { png, certificate } = await makeFixture();
    const forged = JSON.parse(certificate);
    forged.message.title = 'Forged claim';
    const iend = readChunks(png).at(-1)!;
    const extra = encodeChunk('iTXt', encodeITXt('atelier:registration', JSON.stringify(forged)));
    const twice = new Uint8Array([
      ...png.subarray(0, iend.offset),
      ...extra,
      ...png.subarray(iend.offset),
    ]);
    const v = await check(twice);
    expect(v.valid).toBe(false);
    expect(v.reason).toBe('tampered');
    expect(v.message).toMatchInlineSnapshot(
      `"The file carries 2 registrations where Atelier writes one: it was tampered with."`,
    );
  });

  it("a record whose perceptual hash is not the pixels' is refused", async () => {
    const plain = encodePng(scene(11, 48, 32));
    expect((await check(await signedPng(plain))).valid).toBe(true);
    const lying = await signedPng(plain, { perceptualHash: '0x0123456789abcdef' });
    const v = await check(lying);
    expect(v).toMatchObject({ valid: false, reason: 'tampered', contentMatches: true });
  });

  it('shows bidirectional controls in a title escaped', async () => {
    const title = 'Invoice \u202Egpj.exe';
    const v = await check(await signedPng(encodePng(scene(12, 16, 16)), { title }));
    expect(v.valid).toBe(true);
    expect(visibleText(v.typed!.message.title)).toBe('Invoice \\u{202E}gpj.exe');
    expect(visibleText('Plain title — été')).toBe('Plain title — été');
  });
});
