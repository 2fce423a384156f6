/** The registration record: deterministic signatures, recovery, tampering and validation. */
import { hashTypedData, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import {
  certificateText,
  parseCertificate,
  recoverSigner,
  toCertificate,
  verifyCertificate,
  type CertificateJson,
} from '../../../src/shared/registration/certificate';
import {
  buildRegistration,
  randomNonce,
  type BuildRegistrationOptions,
  type RegistrationTypedData,
} from '../../../src/shared/registration/typed-data';

// Anvil's first well-known development key (public; never holds real funds).
const TEST_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const account = privateKeyToAccount(TEST_KEY);
const REGISTRY = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

const OPTIONS: BuildRegistrationOptions = {
  chainId: 31337,
  verifyingContract: REGISTRY,
  contentHash: `0x${'ab'.repeat(32)}`,
  perceptualHash: '0x0123456789ABCDEF',
  title: '  Harbour at dusk ',
  author: account.address.toLowerCase(),
  createdAt: 1_767_225_600,
  licenseId: 'CC-BY-4.0',
  nonce: 42n,
};

async function sign(typed: RegistrationTypedData): Promise<Hex> {
  return account.signTypedData({
    domain: typed.domain,
    types: typed.types,
    primaryType: typed.primaryType,
    message: typed.message,
  });
}

async function signed(): Promise<CertificateJson> {
  const typed = buildRegistration(OPTIONS);
  return toCertificate(typed, await sign(typed));
}

describe('registration typed data', () => {
  it('normalises fields: checksummed author, lowercase hashes, trimmed title', () => {
    const { message, domain } = buildRegistration(OPTIONS);
    expect(message.author).toBe(account.address);
    expect(message.perceptualHash).toBe('0x0123456789abcdef');
    expect(message.title).toBe('Harbour at dusk');
    expect(domain).toEqual({
      name: 'Atelier Copyright Registry',
      version: '1',
      chainId: 31337,
      verifyingContract: REGISTRY,
    });
  });

  it('keeps the public format: the EIP-712 digest of a fixed record', () => {
    const typed = buildRegistration(OPTIONS);
    // Changing a type, a field order or the domain changes this digest: that breaks every
    // certificate already issued. Update only with a new domain version.
    expect(hashTypedData({ ...typed, message: typed.message })).toMatchInlineSnapshot(
      `"0x2795ee55ec28a077ca13d58e5fb7fc3b6df9595306b17e6e4782bd48475eb1a0"`,
    );
  });

  it('signs deterministically and recovers the author', async () => {
    const typed = buildRegistration(OPTIONS);
    const a = await sign(typed);
    const b = await sign(typed);
    expect(a).toBe(b);
    expect(await recoverSigner(typed, a)).toBe(account.address);
    const result = await verifyCertificate(toCertificate(typed, a));
    expect(result).toMatchObject({ valid: true, signer: account.address });
  });

  it('draws random 256-bit nonces', () => {
    const nonces = new Set(Array.from({ length: 50 }, randomNonce));
    expect(nonces.size).toBe(50);
    for (const n of nonces) expect(n < 2n ** 256n).toBe(true);
    expect([...nonces].some((n) => n > 2n ** 200n)).toBe(true);
  });

  it.each([
    ['contentHash', { contentHash: '0x1234' }],
    ['perceptualHash', { perceptualHash: `0x${'00'.repeat(9)}` }],
    ['title', { title: '   ' }],
    ['title', { title: 'x'.repeat(201) }],
    ['author', { author: '0x1234' }],
    ['createdAt', { createdAt: 2n ** 64n }],
    ['createdAt', { createdAt: -1 }],
    ['licenseId', { licenseId: 'MIT OR Apache-2.0' }],
    ['licenseId', { licenseId: '' }],
    ['nonce', { nonce: 2n ** 256n }],
    ['nonce', { nonce: -1n }],
    ['chainId', { chainId: 0 }],
    ['verifyingContract', { verifyingContract: 'registry' }],
  ])('catches a malformed %s before any wallet sees it', (field, change) => {
    expect(() => buildRegistration({ ...OPTIONS, ...change })).toThrow(
      expect.objectContaining({ code: 'registration-invalid', details: { field } }),
    );
  });

  it('pins the messages a person reads', () => {
    const message = (change: Partial<BuildRegistrationOptions>) => {
      try {
        buildRegistration({ ...OPTIONS, ...change });
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(message({ title: '' })).toMatchInlineSnapshot(`"Give the work a title."`);
    expect(message({ licenseId: 'GPL-2.0 WITH x' })).toMatchInlineSnapshot(
      `"The licence must be an SPDX id or All-Rights-Reserved."`,
    );
    expect(message({ contentHash: '0xzz' })).toMatchInlineSnapshot(
      `"The content hash must be 32 bytes of hex."`,
    );
  });
});

describe('certificates', () => {
  it('round-trips through JSON text', async () => {
    const cert = await signed();
    const text = certificateText(cert);
    expect(JSON.parse(text)).toEqual(cert);
    const parsed = parseCertificate(text);
    expect(parsed.typed).toEqual(buildRegistration(OPTIONS));
    expect(cert.types.EIP712Domain.map((f) => f.name)).toEqual([
      'name',
      'version',
      'chainId',
      'verifyingContract',
    ]);
    expect(cert.message.createdAt).toBe('1767225600');
  });

  it('checks the file: a different content hash is reported', async () => {
    const cert = await signed();
    expect(
      await verifyCertificate(cert, {
        contentHash: cert.message.contentHash.toUpperCase().replace('0X', '0x'),
      }),
    ).toMatchObject({ valid: true, contentMatches: true });
    const other = await verifyCertificate(cert, { contentHash: `0x${'cd'.repeat(32)}` });
    expect(other).toMatchObject({
      valid: false,
      reason: 'content-mismatch',
      contentMatches: false,
    });
    expect(other.message).toMatchInlineSnapshot(
      `"The record is genuine, but the file is not the one that was registered."`,
    );
  });

  const TAMPER: Array<[string, (c: CertificateJson) => void]> = [
    ['contentHash', (c) => (c.message.contentHash = `0x${'ac'.repeat(32)}`)],
    ['perceptualHash', (c) => (c.message.perceptualHash = '0x0123456789abcdee')],
    ['title', (c) => (c.message.title = 'Harbour at dawn')],
    ['author', (c) => (c.message.author = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8')],
    ['createdAt', (c) => (c.message.createdAt = '1767225601')],
    ['licenseId', (c) => (c.message.licenseId = 'CC0-1.0')],
    ['nonce', (c) => (c.message.nonce = '43')],
    ['chainId', (c) => (c.domain.chainId = 1)],
    [
      'verifyingContract',
      (c) => (c.domain.verifyingContract = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'),
    ],
    [
      'signature',
      (c) =>
        (c.signature =
          c.signature.slice(0, 10) + (c.signature[10] === 'a' ? 'b' : 'a') + c.signature.slice(11)),
    ],
  ];

  it.each(TAMPER)('is not valid once %s is changed', async (_field, tamper) => {
    const cert = structuredClone(await signed());
    tamper(cert);
    const result = await verifyCertificate(cert);
    expect(result.valid).toBe(false);
    expect(['wrong-signer', 'bad-signature']).toContain(result.reason);
  });

  it('is not valid once the domain version or name is changed', async () => {
    const cert = structuredClone(await signed());
    cert.domain.version = '2';
    expect(await verifyCertificate(cert)).toMatchObject({ valid: false, reason: 'malformed' });
    // And the signature itself binds the version: recovering under version 2 gives someone else.
    const typed = buildRegistration(OPTIONS);
    const signature = await sign(typed);
    const v2 = { ...typed, domain: { ...typed.domain, version: '2' as '1' } };
    expect(await recoverSigner(v2, signature)).not.toBe(account.address);
    const renamed = {
      ...typed,
      domain: { ...typed.domain, name: 'Other' as 'Atelier Copyright Registry' },
    };
    expect(await recoverSigner(renamed, signature)).not.toBe(account.address);
  });

  it.each([
    ['not JSON', '{"domain":'],
    ['an array', '[]'],
    ['other types', (c: CertificateJson) => ({ ...c, types: { ...c.types, Extra: [] } })],
    ['another primary type', (c: CertificateJson) => ({ ...c, primaryType: 'Mail' })],
    ['no signature', (c: CertificateJson) => ({ ...c, signature: '0x' })],
    [
      'a fractional createdAt',
      (c: CertificateJson) => ({ ...c, message: { ...c.message, createdAt: '1.5' } }),
    ],
  ])('reads %s as malformed, without throwing', async (_name, input) => {
    const value = typeof input === 'function' ? input(await signed()) : input;
    const result = await verifyCertificate(value);
    expect(result).toMatchObject({ valid: false, reason: 'malformed' });
  });
});
