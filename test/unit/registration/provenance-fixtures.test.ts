/**
 * The committed provenance fixtures (test/fixtures/provenance/: a PNG, a JPEG and a WebP the app
 * exported from a registered work, `npm run fixtures:provenance`): c2pa-rs validates each
 * manifest (signed, hashes matching, a signer no trust list knows); the wallet registration inside
 * is plain EIP-712 JSON whose signer recovers to its author; a changed picture byte is tampering.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadC2pa } from '../../provenance/c2pa-node';
import { PROVENANCE_FIXTURES } from '../../provenance/fixtures-dir';
import { readRegisteredManifest, REGISTERED_FIXTURES } from '../../provenance/registered-manifest';

describe('provenance fixtures', () => {
  it.each(REGISTERED_FIXTURES)(
    '$file: a valid manifest holding a recoverable registration',
    async ({ file, type }) => {
      const bytes = new Uint8Array(readFileSync(join(PROVENANCE_FIXTURES, file)));
      const read = await readRegisteredManifest(bytes, type);
      expect(read.failures).toEqual(['signingCredential.untrusted']);
      const { registration } = read;
      expect(Object.keys(registration).sort()).toEqual([
        'domain',
        'message',
        'primaryType',
        'signature',
        'types',
      ]);
      expect(registration.message.contentHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(read.signer.toLowerCase()).toBe(registration.message.author!.toLowerCase());

      // One changed byte of the picture (the end of PNG and JPEG, the start of WebP's image data).
      const changed = bytes.slice();
      const at =
        type === 'image/webp'
          ? Buffer.from(bytes).indexOf('VP8', 0, 'latin1') + 12
          : bytes.length - 20;
      changed[at] = changed[at]! ^ 0xff;
      const reader = await loadC2pa().WasmReader.fromBytes(type, changed);
      const store = JSON.parse(reader.json());
      reader.free();
      const codes = store.validation_results.activeManifest.failure.map(
        (s: { code: string }) => s.code,
      );
      expect(codes).toContain('assertion.dataHash.mismatch');
    },
  );
});
