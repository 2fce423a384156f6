/**
 * The studio identity: its certificates parse and chain in OpenSSL (an independent X.509
 * reader), its key cannot be exported, and a manifest it signs is read back by c2pa-rs (the
 * CAI's reader, as wasm) with a valid signature from an untrusted (unknown) signer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../registration/png-codec';
import { coseSign1, createStudioIdentity, reserveSizeFor } from './signer';
import { loadC2pa, SyncBlob } from '../../../test/provenance/c2pa-node';
import { scene } from '../../../test/unit/registration/images';

const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

const picture = () => encodePng(scene(7, 16, 12));

describe('studio signing identity', () => {
  it('has a non-extractable key and a chain OpenSSL reads and verifies', async () => {
    const identity = await createStudioIdentity({ name: 'Atelier Test Studio' });
    expect(identity.signingKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', identity.signingKey)).rejects.toThrow();
    const dir = mkdtempSync(join(tmpdir(), 'atelier-cert-'));
    writeFileSync(join(dir, 'signer.pem'), pem(identity.chain[0]!));
    writeFileSync(join(dir, 'root.pem'), pem(identity.chain[1]!));
    const text = execFileSync(
      'openssl',
      ['x509', '-in', join(dir, 'signer.pem'), '-noout', '-text'],
      {
        encoding: 'utf8',
      },
    );
    expect(text).toContain('Subject: CN = Atelier Test Studio, O = Atelier Test Studio');
    expect(text).toContain('Issuer: CN = Atelier Test Studio studio root');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(text).toContain('E-mail Protection');
    expect(text).toContain('CA:FALSE');
    const verified = execFileSync(
      'openssl',
      ['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'signer.pem')],
      { encoding: 'utf8' },
    );
    expect(verified.trim()).toMatch(/signer\.pem: OK$/);
  });

  it('signs a manifest that c2pa-rs reads back: signature valid, signer not on any trust list', async () => {
    const c2pa = loadC2pa();
    const identity = await createStudioIdentity({ name: 'Atelier Test Studio' });
    const builder = c2pa.WasmBuilder.fromJson(
      JSON.stringify({
        claim_generator_info: [{ name: 'Atelier', version: 'test' }],
        title: 'test.png',
        format: 'image/png',
        assertions: [],
      }),
      JSON.stringify({ verify: { verify_trust: false } }),
    );
    builder.addAction({
      action: 'c2pa.created',
      digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation',
    });
    const png = picture();
    const signed = await builder.sign(
      {
        alg: 'es256',
        reserveSize: reserveSizeFor(identity),
        sign: (bytes: Uint8Array) => coseSign1(identity, bytes) as Promise<Uint8Array<ArrayBuffer>>,
      },
      [],
      'image/png',
      new SyncBlob(png),
    );
    const reader = await c2pa.WasmReader.fromBytes('image/png', signed);
    const store = JSON.parse(reader.json());
    const codes = (kind: 'success' | 'failure') =>
      (store.validation_results.activeManifest[kind] as { code: string }[]).map((c) => c.code);
    expect(codes('success')).toEqual(
      expect.arrayContaining(['claimSignature.validated', 'claimSignature.insideValidity']),
    );
    // The one failure is the honest one: no trust list knows this studio.
    expect(codes('failure')).toEqual(['signingCredential.untrusted']);
    expect(store.manifests[store.active_manifest].signature_info).toMatchObject({
      alg: 'Es256',
      common_name: 'Atelier Test Studio',
    });
  });
});
