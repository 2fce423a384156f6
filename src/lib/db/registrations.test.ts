/** Registrations in Dexie: one row per work and author, perceptual-hash lookup, the outbox states. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { CertificateJson } from '../../shared/registration/certificate';
import { REGISTRATION_TYPES } from '../../shared/registration/typed-data';
import {
  findByContentHash,
  findSimilar,
  pendingAnchors,
  queueAnchor,
  saveRegistration,
  setAnchor,
} from './registrations';
import { openDb } from './schema';

function certificate(contentByte: string, perceptualHash: string, author = '0x' + 'a'.repeat(40)) {
  return {
    domain: {
      name: 'Atelier Copyright Registry',
      version: '1',
      chainId: 31337,
      verifyingContract: '0x' + 'b'.repeat(40),
    },
    types: REGISTRATION_TYPES,
    primaryType: 'CopyrightRegistration',
    message: {
      contentHash: `0x${contentByte.repeat(32)}`,
      perceptualHash,
      title: `Work ${contentByte}`,
      author,
      createdAt: '1',
      licenseId: 'CC0-1.0',
      nonce: '1',
    },
    signature: '0x' + '1'.repeat(130),
  } satisfies CertificateJson;
}

describe('registrations store', () => {
  it('keeps one row per content hash and author', async () => {
    const db = openDb(`reg-${crypto.randomUUID()}`);
    const a = await saveRegistration(db, { certificate: certificate('01', '0x0000000000000000') });
    const again = await saveRegistration(db, {
      certificate: certificate('01', '0x0000000000000000'),
    });
    expect(again.id).toBe(a.id);
    await saveRegistration(db, {
      certificate: certificate('01', '0x0000000000000000', '0x' + 'c'.repeat(40)),
    });
    expect(
      await findByContentHash(db, `0x${'01'.repeat(32)}`.toUpperCase().replace('0X', '0x')),
    ).toHaveLength(2);
  });

  it('finds similar pictures by perceptual hash, closest first, within the limit', async () => {
    const db = openDb(`reg-${crypto.randomUUID()}`);
    await saveRegistration(db, { certificate: certificate('01', '0x0000000000000000') });
    await saveRegistration(db, { certificate: certificate('02', '0x0000000000000007') });
    await saveRegistration(db, { certificate: certificate('03', '0xffffffff00000000') });
    const found = await findSimilar(db, '0x0000000000000001');
    expect(found.map((f) => [f.row.title, f.distance])).toEqual([
      ['Work 01', 1],
      ['Work 02', 2],
    ]);
  });

  it('queues for anchoring without undoing a sent or confirmed anchor', async () => {
    const db = openDb(`reg-${crypto.randomUUID()}`);
    const a = await saveRegistration(db, { certificate: certificate('01', '0x0000000000000000') });
    const b = await saveRegistration(db, { certificate: certificate('02', '0x0000000000000000') });
    await queueAnchor(db, a.id);
    await setAnchor(db, b.id, { status: 'confirmed', txHash: '0x12' });
    await queueAnchor(db, b.id);
    const pending = await pendingAnchors(db);
    expect(pending.map((r) => r.id)).toEqual([a.id]);
    expect((await db.registrations.get(b.id))?.anchor?.status).toBe('confirmed');
  });
});
