/**
 * Registrations in Dexie: signed certificates (the `registrations` table of schema v1) with the
 * registered PNG kept beside them for re-export, the anchoring outbox (the row's `anchor`), and
 * the lookups the Register room needs: by content hash, and by perceptual-hash distance.
 */
import type { CertificateJson } from '../../shared/registration/certificate';
import { hammingDistance, SIMILAR_MAX_DISTANCE } from '../../shared/registration/phash';
import type { AnchorState, OutboxStore } from '../wallet/outbox';
import type { AtelierDb, Registration } from './schema';

/** A row as the Register room uses it (extra non-indexed fields are allowed by schema v1). */
export interface RegistrationRow extends Registration {
  certificate: CertificateJson;
  title: string;
  licenseId: string;
  /** The registered PNG, certificate chunk included, for exporting again. */
  png?: Blob;
  fileName?: string;
  anchor?: AnchorState;
}

export interface NewRegistration {
  certificate: CertificateJson;
  workId?: string;
  versionId?: string;
  png?: Blob;
  fileName?: string;
}

/**
 * Stores a verified certificate. The same content hash signed by the same author again returns
 * the existing row (one registration per work per author).
 */
export async function saveRegistration(
  db: AtelierDb,
  input: NewRegistration,
): Promise<RegistrationRow> {
  const { certificate } = input;
  const m = certificate.message;
  return db.transaction('rw', db.registrations, async () => {
    const existing = (await db.registrations
      .where('contentHash')
      .equals(m.contentHash)
      .toArray()) as RegistrationRow[];
    const same = existing.find((r) => r.author === m.author);
    if (same) return same;
    const row: RegistrationRow = {
      id: crypto.randomUUID(),
      workId: input.workId ?? '',
      ...(input.versionId ? { versionId: input.versionId } : {}),
      contentHash: m.contentHash,
      perceptualHash: m.perceptualHash,
      author: m.author,
      chainId: certificate.domain.chainId,
      createdAt: Date.now(),
      certificate,
      title: m.title,
      licenseId: m.licenseId,
      ...(input.png ? { png: input.png } : {}),
      ...(input.fileName ? { fileName: input.fileName } : {}),
    };
    await db.registrations.add(row);
    return row;
  });
}

/** Every registration, newest first. */
export async function listRegistrations(db: AtelierDb): Promise<RegistrationRow[]> {
  const rows = await db.registrations.orderBy('createdAt').reverse().toArray();
  return rows as RegistrationRow[];
}

export async function findByContentHash(
  db: AtelierDb,
  contentHash: string,
): Promise<RegistrationRow[]> {
  const rows = await db.registrations
    .where('contentHash')
    .equals(contentHash.toLowerCase())
    .toArray();
  return rows as RegistrationRow[];
}

export interface SimilarRegistration {
  row: RegistrationRow;
  /** Differing bits of the 64-bit perceptual hash (0 = same picture). */
  distance: number;
}

/** Local registrations whose perceptual hash is within `maxDistance` bits, closest first. */
export async function findSimilar(
  db: AtelierDb,
  perceptualHash: string,
  maxDistance = SIMILAR_MAX_DISTANCE,
): Promise<SimilarRegistration[]> {
  const rows = (await db.registrations.toArray()) as RegistrationRow[];
  return rows
    .map((row) => ({ row, distance: hammingDistance(row.perceptualHash, perceptualHash) }))
    .filter((s) => s.distance <= maxDistance)
    .sort((a, b) => a.distance - b.distance);
}

export async function setAnchor(db: AtelierDb, id: string, anchor: AnchorState): Promise<void> {
  await db.registrations.update(id, { anchor });
}

/** Puts a registration in the outbox (unless it is already sent or confirmed). */
export async function queueAnchor(db: AtelierDb, id: string): Promise<void> {
  await db.transaction('rw', db.registrations, async () => {
    const row = (await db.registrations.get(id)) as RegistrationRow | undefined;
    if (!row || row.anchor?.status === 'sent' || row.anchor?.status === 'confirmed') return;
    const anchor: AnchorState = { status: 'queued', updatedAt: Date.now() };
    await db.registrations.update(id, { anchor });
  });
}

/** Rows waiting in the outbox: queued, or sent without a receipt yet. */
export async function pendingAnchors(db: AtelierDb): Promise<RegistrationRow[]> {
  const rows = (await db.registrations.toArray()) as RegistrationRow[];
  return rows
    .filter((r) => r.anchor?.status === 'queued' || r.anchor?.status === 'sent')
    .sort((a, b) => a.createdAt - b.createdAt);
}

/** The outbox store the wallet's `sendOutbox` works on. */
export function outboxStore(db: AtelierDb): OutboxStore {
  return {
    pending: () => pendingAnchors(db),
    setAnchor: (id, anchor) => setAnchor(db, id, anchor),
  };
}
