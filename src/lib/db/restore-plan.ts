/**
 * What a restore would do, read before anything is written (issue #19, item 4): what the backup
 * holds, and how it compares with the library — which works are new, which are newer in the
 * backup (per-record modification times), which the library already has, and how many bytes of
 * images it would store (images already here, by content hash, are not stored again).
 */
import type { BackupManifest } from '../../shared/library/backup-format';
import type { AtelierDb, Work } from './schema';

/** Blob ids of backups the studio keeps itself (not images of works). */
export const SAFETY_BACKUP_BLOB_ID = 'safety-backup';
export const REGISTERED_PNG_PREFIX = 'reg-png-';

export interface RestorePlan {
  /** What the backup holds. */
  holds: { works: number; versions: number; texts: number; albums: number; bytes: number };
  /** Its works against the library's. */
  works: { new: number; newer: number; here: number };
  versions: { new: number; here: number };
  /** Bytes of images a merge would store, and bytes it finds already here (same content). */
  bytes: { toStore: number; alreadyHere: number };
  /** The library's works that the backup lacks: kept by Merge, removed by Replace. */
  onlyInLibrary: number;
  /** The backup's date. */
  createdAt: number;
  /** Technical facts, for a Details disclosure: format, the app that made it, image files. */
  details: { formatVersion: number; app: string; files: number };
}

/** A row's modification time, or 0 when it has none a restore can trust. */
export const modifiedAt = (row: unknown): number => {
  const t = (row as { updatedAt?: unknown } | undefined)?.updatedAt;
  return typeof t === 'number' && Number.isFinite(t) ? t : 0;
};

const textsOf = (w: Work) => Object.values(w.texts ?? {}).filter((t) => t.trim()).length;

/**
 * Existing blobs by content hash for `hashes`, leaving out the studio's own safety backup and
 * text-model files (never shared with a work's image).
 */
export async function blobsByHash(
  db: AtelierDb,
  hashes: readonly string[],
): Promise<Map<string, { id: string; bytes: number }>> {
  const models = new Set(
    (await db.textModels.toArray()).flatMap((m) => Object.values(m.files ?? {})),
  );
  const rows = await db.blobs
    .where('sha256')
    .anyOf([...new Set(hashes)])
    .toArray();
  const found = new Map<string, { id: string; bytes: number }>();
  for (const row of rows) {
    if (row.id === SAFETY_BACKUP_BLOB_ID || models.has(row.id)) continue;
    if (!found.has(row.sha256)) found.set(row.sha256, { id: row.id, bytes: row.bytes });
  }
  return found;
}

/** Reads the library and says what restoring `manifest` would change. Writes nothing. */
export async function planRestore(db: AtelierDb, manifest: BackupManifest): Promise<RestorePlan> {
  return db.transaction('r', [db.works, db.versions, db.blobs, db.textModels], async () => {
    const works = manifest.works as unknown as Work[];
    const local = await db.works.bulkGet(works.map((w) => w.id));
    const plan: RestorePlan = {
      holds: {
        works: works.length,
        versions: manifest.versions.length,
        texts: works.reduce((sum, w) => sum + textsOf(w), 0),
        albums: manifest.albums?.length ?? 0,
        bytes: 0,
      },
      works: { new: 0, newer: 0, here: 0 },
      versions: { new: 0, here: 0 },
      bytes: { toStore: 0, alreadyHere: 0 },
      onlyInLibrary: 0,
      createdAt: manifest.createdAt,
      details: {
        formatVersion: manifest.formatVersion,
        app: manifest.app,
        files: manifest.blobs.length,
      },
    };
    works.forEach((w, i) => {
      const mine = local[i];
      if (!mine) plan.works.new++;
      else if (mine.deletedAt === undefined && modifiedAt(w) > modifiedAt(mine)) plan.works.newer++;
      else plan.works.here++;
    });
    const versions = await db.versions.bulkGet(manifest.versions.map((v) => v.id));
    plan.versions.new = versions.filter((v) => v === undefined).length;
    plan.versions.here = versions.length - plan.versions.new;
    const images = manifest.blobs.filter((b) => !b.id.startsWith(REGISTERED_PNG_PREFIX));
    const sameId = await db.blobs.bulkGet(images.map((b) => b.id));
    const byHash = await blobsByHash(
      db,
      images.map((b) => b.sha256),
    );
    images.forEach((b, i) => {
      plan.holds.bytes += b.bytes;
      if (sameId[i] || byHash.has(b.sha256)) plan.bytes.alreadyHere += b.bytes;
      else plan.bytes.toStore += b.bytes;
    });
    const inBackup = new Set(works.map((w) => w.id));
    await db.works.each((w) => {
      if (w.deletedAt === undefined && !inBackup.has(w.id)) plan.onlyInLibrary++;
    });
    return plan;
  });
}
