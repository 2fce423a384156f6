/**
 * Content Credentials in exported PNG, JPEG and WebP files, written by embedContentCredentials
 * and read back by c2pa-rs (the CAI's reader, run here as wasm — not Atelier's writing code):
 * a structurally valid, correctly signed manifest with our actions, the training choice, the
 * original as ingredient, and the EIP-712 registration whose signer recovers to the wallet;
 * one changed pixel byte reads as tampered.
 */
import { recoverTypedDataAddress, type Hex } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeJpegHeader, makeWebpHeader } from '../../../test/fixtures/library/images';
import { devAccount } from '../../../test/chain/dev-account';
import { loadC2pa, SyncBlob } from '../../../test/provenance/c2pa-node';
import { scene } from '../../../test/unit/registration/images';
import { toCertificate, type CertificateJson } from '../registration/certificate';
import { encodePng } from '../registration/png-codec';
import { buildRegistration } from '../registration/typed-data';
import { embedContentCredentials } from './embed';
import { TRAINED_EDIT, type ContentCredentialsInfo, type ExportFormat } from './manifest';
import { readContentCredentials } from './read';
import { createStudioIdentity, type StudioIdentity } from './signer';

const c2pa = loadC2pa();
const wallet = devAccount();
let identity: StudioIdentity;
let registration: CertificateJson;

beforeAll(async () => {
  identity = await createStudioIdentity({ name: 'Atelier Test Studio' });
  const typed = buildRegistration({
    chainId: 8453,
    verifyingContract: '0x0000000000000000000000000000000000000001',
    contentHash: `0x${'ab'.repeat(32)}`,
    perceptualHash: '0x0102030405060708',
    title: 'Harbour',
    author: wallet.address,
    createdAt: 1_767_225_600,
    licenseId: 'CC-BY-4.0',
    nonce: 42n,
  });
  registration = toCertificate(
    typed,
    await wallet.signTypedData({ ...typed, message: typed.message }),
  );
});

const FILES: Record<ExportFormat, () => Uint8Array> = {
  'image/png': () => encodePng(scene(11, 24, 18)),
  'image/jpeg': () => makeJpegHeader(24, 18),
  'image/webp': () => makeWebpHeader('VP8L', 24, 18),
};

function info(original: Uint8Array): ContentCredentialsInfo {
  return {
    title: 'Harbour',
    studio: 'Atelier',
    appVersion: '0.1.0',
    original: { bytes: original, format: 'image/png', title: 'harbour.png' },
    edits: [
      { kind: 'color', name: 'Exposure' },
      { kind: 'crop', name: 'Crop' },
      { kind: 'neural', name: 'Denoise' },
    ],
    training: 'notAllowed',
    thumbnail: { bytes: encodePng(scene(11, 8, 6)), format: 'image/png' },
    registration,
  };
}

/** The offset of a byte of compressed picture data (not metadata, not the manifest). */
function pictureByte(file: Uint8Array, format: ExportFormat): number {
  // The manifest (with its PNG thumbnail) sits before the PNG's own IDAT and after WebP's data.
  if (format === 'image/png') return Buffer.from(file).lastIndexOf('IDAT', undefined, 'latin1') + 6;
  if (format === 'image/webp') return Buffer.from(file).indexOf('VP8L', 0, 'latin1') + 9;
  const sos = Buffer.from(file).lastIndexOf(Buffer.from([0xff, 0xda]));
  return sos + 2 + ((file[sos + 2]! << 8) | file[sos + 3]!); // the first byte of the scan
}

const embed = (bytes: Uint8Array, format: ExportFormat) =>
  embedContentCredentials(bytes, format, info(encodePng(scene(3, 24, 18))), {
    c2pa,
    identity,
    blob: (b) => new SyncBlob(b),
  });

describe.each(Object.keys(FILES) as ExportFormat[])('Content Credentials in %s', (format) => {
  it('carry a signed manifest with our actions, training choice, ingredient and registration', async () => {
    const signed = await embed(FILES[format](), format);
    // Straight from c2pa-rs's own report.
    const reader = await c2pa.WasmReader.fromBytes(format, signed);
    const store = JSON.parse(reader.json());
    reader.free();
    const manifest = store.manifests[store.active_manifest];
    const results = store.validation_results.activeManifest;
    expect(results.failure.map((s: { code: string }) => s.code)).toEqual([
      'signingCredential.untrusted',
    ]);
    expect(results.success.map((s: { code: string }) => s.code)).toEqual(
      expect.arrayContaining(['claimSignature.validated', 'assertion.dataHash.match']),
    );
    expect(manifest.ingredients).toHaveLength(1);
    expect(manifest.ingredients[0]).toMatchObject({
      title: 'harbour.png',
      relationship: 'parentOf',
    });
    expect(manifest.thumbnail).toBeDefined();

    const summary = (await readContentCredentials(c2pa, signed, format))!;
    expect(summary).toMatchObject({
      state: 'intact',
      signer: 'Atelier Test Studio',
      trusted: false,
      title: 'Harbour',
      training: 'notAllowed',
      failures: [],
    });
    expect(summary.actions.map((a) => [a.action, a.description, a.digitalSourceType])).toEqual([
      ['c2pa.opened', undefined, undefined],
      ['c2pa.color_adjustments', 'Exposure', undefined],
      ['c2pa.cropped', 'Crop', undefined],
      ['c2pa.filtered', 'Denoise', TRAINED_EDIT],
    ]);
    const r = summary.registration!;
    expect(Object.keys(r).sort()).toEqual([
      'domain',
      'message',
      'primaryType',
      'signature',
      'types',
    ]);
    const { EIP712Domain: _, ...types } = r.types;
    const signer = await recoverTypedDataAddress({
      domain: r.domain as never,
      types,
      primaryType: r.primaryType,
      message: r.message as never,
      signature: r.signature as Hex,
    });
    expect(signer).toBe(wallet.address);
  });

  it('reads as tampered after one byte of the picture changes', async () => {
    const plain = FILES[format]();
    const signed = await embed(plain, format);
    const at = pictureByte(signed, format);
    const changed = signed.slice();
    changed[at]! ^= 0x01;
    const summary = (await readContentCredentials(c2pa, changed, format))!;
    expect(summary.state).toBe('tampered');
    expect(summary.failures).toContain('assertion.dataHash.mismatch');
  });
});

describe('files without Content Credentials', () => {
  it('read as null', async () => {
    expect(await readContentCredentials(c2pa, encodePng(scene(5, 8, 8)), 'image/png')).toBeNull();
  });
});
