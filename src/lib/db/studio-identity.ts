/**
 * The studio's per-installation C2PA signing identity, kept in the `meta` table (schema v1; no
 * new store): a non-extractable CryptoKey (IndexedDB stores the key object, never its bytes) and
 * its certificate chain. Made once, on first export, and reused after.
 */
import type { StudioIdentity } from '../../shared/provenance/signer';
import type { AtelierDb } from './schema';

export const STUDIO_IDENTITY_KEY = 'c2pa.studio-identity';

/** The stored identity, or `create()`'s, stored first (two tabs racing keep the first one). */
export async function studioIdentity(
  db: AtelierDb,
  create: () => Promise<StudioIdentity>,
): Promise<StudioIdentity> {
  const stored = (await db.meta.get(STUDIO_IDENTITY_KEY))?.value as StudioIdentity | undefined;
  if (stored?.signingKey) return stored;
  const made = await create();
  return db.transaction('rw', db.meta, async () => {
    const again = (await db.meta.get(STUDIO_IDENTITY_KEY))?.value as StudioIdentity | undefined;
    if (again?.signingKey) return again;
    await db.meta.put({ key: STUDIO_IDENTITY_KEY, value: made });
    return made;
  });
}
