/** The studio identity is made once per installation and kept (fake-indexeddb). */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createStudioIdentity } from '../../shared/provenance/signer';
import { openDb } from './schema';
import { studioIdentity } from './studio-identity';

describe('studio identity', () => {
  it('is created on first use, then the stored one comes back (key still usable, not extractable)', async () => {
    const db = openDb(`identity-${crypto.randomUUID()}`);
    let made = 0;
    const create = () => {
      made++;
      return createStudioIdentity({ name: 'Atelier' });
    };
    const first = await studioIdentity(db, create);
    const again = await studioIdentity(openDb(db.name), create);
    expect(made).toBe(1);
    expect(again.chain).toEqual(first.chain);
    expect(again.signingKey.extractable).toBe(false);
    const data = new TextEncoder().encode('claim');
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      again.signingKey,
      data,
    );
    expect(signature.byteLength).toBe(64);
  });
});
