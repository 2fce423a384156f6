/**
 * The database side of backups. `collectBackup` takes a consistent snapshot (one read
 * transaction) of every kept work with its versions, blobs, presets, drafts and registrations;
 * the image worker zips it (shared/library/backup-format). `restoreBackup` writes a backup that
 * `readBackup` has already checked in full, in one transaction: all of it, or nothing.
 * A restore is a merge: it adds what the library lacks and never deletes or overwrites.
 */
import { isAbortError } from '../../shared/errors/base';
import { storageError } from '../../shared/errors/library';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  blobPath,
  type BackupBlobEntry,
  type BackupManifest,
} from '../../shared/library/backup-format';
import { emitLibraryEvent } from './library-events';
import type { Album, AtelierDb, Draft, Preset, Registration, Version, Work } from './schema';
import { META_LAST_BACKUP } from './storage';
import { META_LAST_CHANGE } from './works';

export interface BackupSnapshot {
  manifest: BackupManifest;
  /** The blobs to zip, in manifest order. */
  files: { entry: BackupBlobEntry; blob: Blob }[];
}

/** Reads everything a backup holds, in one read transaction. */
export async function collectBackup(
  db: AtelierDb,
  { app = 'atelier', now = Date.now() }: { app?: string; now?: number } = {},
): Promise<BackupSnapshot> {
  return db
    .transaction(
      'r',
      [db.works, db.versions, db.blobs, db.presets, db.drafts, db.registrations, db.albums],
      async () => {
        const works = (await db.works.orderBy('createdAt').toArray()).filter(
          (w) => w.deletedAt === undefined,
        );
        const workIds = new Set(works.map((w) => w.id));
        const versions = (await db.versions.toArray()).filter((v) => workIds.has(v.workId));
        const blobIds = new Set<string>();
        for (const w of works) blobIds.add(w.originalBlobId).add(w.thumbBlobId);
        for (const v of versions) blobIds.add(v.blobId).add(v.thumbBlobId);
        const rows = await db.blobs.bulkGet([...blobIds]);
        const files = rows.flatMap((row) =>
          row
            ? [
                {
                  entry: {
                    id: row.id,
                    path: blobPath(row.id, row.mime),
                    bytes: row.blob.size,
                    sha256: row.sha256,
                    mime: row.mime,
                  },
                  blob: row.blob,
                },
              ]
            : [],
        );
        // Rows are plain data; the manifest schema keeps their unknown fields (looseObject).
        type Rows<K extends keyof BackupManifest> = BackupManifest[K];
        const manifest: BackupManifest = {
          format: BACKUP_FORMAT,
          formatVersion: BACKUP_FORMAT_VERSION,
          createdAt: now,
          app,
          works: works as unknown as Rows<'works'>,
          versions: versions as unknown as Rows<'versions'>,
          blobs: files.map((f) => f.entry),
          presets: (await db.presets.toArray()) as unknown as Rows<'presets'>,
          drafts: (await db.drafts.toArray()).filter((d) =>
            workIds.has(d.workId),
          ) as unknown as Rows<'drafts'>,
          // Every registration, including those of files dropped on the Register room.
          registrations: (await db.registrations.toArray()) as unknown as Rows<'registrations'>,
          albums: (await db.albums.toArray()) as unknown as NonNullable<Rows<'albums'>>,
        };
        return { manifest, files };
      },
    )
    .then(packRegisteredPngs);
}

const REGISTERED_PNG_PREFIX = 'reg-png-';

/**
 * A registration keeps the exact PNG that was signed (its content hash is of those bytes), so
 * the backup carries it as a blob file (`pngBlobId`) rather than a Blob inside the JSON manifest.
 * Hashing happens after the read transaction: awaiting WebCrypto inside it would end it.
 */
async function packRegisteredPngs(snapshot: BackupSnapshot): Promise<BackupSnapshot> {
  const registrations = [];
  for (const row of snapshot.manifest.registrations as unknown as Record<string, unknown>[]) {
    const { png, ...rest } = row;
    if (!(png instanceof Blob)) {
      registrations.push(rest);
      continue;
    }
    const id = `${REGISTERED_PNG_PREFIX}${String(row.id)}`;
    const digest = await crypto.subtle.digest('SHA-256', await png.arrayBuffer());
    const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    snapshot.files.push({
      entry: { id, path: blobPath(id, 'image/png'), bytes: png.size, sha256, mime: 'image/png' },
      blob: png,
    });
    snapshot.manifest.blobs.push(snapshot.files.at(-1)!.entry);
    registrations.push({ ...rest, pngBlobId: id });
  }
  snapshot.manifest.registrations = registrations as unknown as BackupManifest['registrations'];
  return snapshot;
}

/** Puts registered PNGs back on their rows; they do not go into the blobs table. */
function unpackRegisteredPngs(manifest: BackupManifest, blobs: Map<string, Blob>): Registration[] {
  return (manifest.registrations as unknown as Record<string, unknown>[]).map((row) => {
    const { pngBlobId, ...rest } = row;
    const png = typeof pngBlobId === 'string' ? blobs.get(pngBlobId) : undefined;
    return (png ? { ...rest, png } : rest) as unknown as Registration;
  });
}

/** Notes that a backup was saved (the reminder counts from here). */
export async function markBackedUp(db: AtelierDb, works: number, bytes: number, at = Date.now()) {
  await db.meta.put({ key: META_LAST_BACKUP, value: at });
  emitLibraryEvent({ type: 'backup-created', works, bytes });
}

export interface RestoreCounts {
  /** Rows added (rows already in the library are kept as they are and not counted). */
  works: number;
  versions: number;
  registrations: number;
  /** Works and versions of the backup that the library already had. */
  alreadyThere: number;
}

/** Rows of `rows` whose key the table does not hold yet. */
async function missingFrom<T>(
  table: { bulkGet(keys: string[]): Promise<(unknown | undefined)[]> },
  rows: readonly T[],
  key: (row: T) => string,
): Promise<T[]> {
  const found = await table.bulkGet(rows.map(key));
  return rows.filter((_, i) => found[i] === undefined);
}

/** How far a restore has got: rows written of the rows to write (in the one transaction). */
export interface RestoreProgress {
  done: number;
  total: number;
}

export interface RestoreOptions {
  /** Aborting rolls the whole transaction back: nothing is written, and it rejects AbortError. */
  signal?: AbortSignal;
  onProgress?: (progress: RestoreProgress) => void;
}

/** Rows per bulkAdd: small enough that progress moves and a cancel is seen between chunks. */
const RESTORE_CHUNK = 500;

/**
 * Writes a checked backup in one transaction, as a merge (issue #20, defect 3): it adds what the
 * library lacks and never deletes or overwrites. A row whose id the library already holds is
 * kept as the library has it; a work's soft-delete mark is never restored (collectBackup leaves
 * deleted works out, so a backup carrying one is not ours to trust); a registration the library
 * already holds for the same file and author is not added twice.
 * Progress is reported as rows are written, chunk by chunk; an abort (checked before and between
 * chunks) throws inside the transaction, so Dexie rolls back everything written so far.
 * @param blobs blob id → Blob (from the worker's checked unpacking).
 * @throws LibraryError `quota-exceeded` or `storage-failed`: nothing was written; AbortError
 *   when `options.signal` aborts: nothing was written.
 */
export async function restoreBackup(
  db: AtelierDb,
  manifest: BackupManifest,
  blobs: Map<string, Blob>,
  options: RestoreOptions = {},
): Promise<RestoreCounts> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const registrations = unpackRegisteredPngs(manifest, blobs);
  const blobRows = manifest.blobs
    .filter((entry) => !entry.id.startsWith(REGISTERED_PNG_PREFIX))
    .map((entry) => ({
      id: entry.id,
      blob: blobs.get(entry.id)!,
      sha256: entry.sha256,
      bytes: entry.bytes,
      mime: entry.mime,
    }));
  const works = (manifest.works as unknown as Work[]).map((w) => {
    const { deletedAt: _never, ...alive } = w;
    return alive as Work;
  });
  const now = Date.now();
  let counts: RestoreCounts;
  try {
    counts = await db.transaction(
      'rw',
      [
        db.works,
        db.versions,
        db.blobs,
        db.presets,
        db.drafts,
        db.registrations,
        db.albums,
        db.meta,
      ],
      async () => {
        const newWorks = await missingFrom(db.works, works, (w) => w.id);
        const newVersions = await missingFrom(
          db.versions,
          manifest.versions as unknown as Version[],
          (v) => v.id,
        );
        const byHash = await db.registrations
          .where('contentHash')
          .anyOf([...new Set(registrations.map((r) => r.contentHash))])
          .toArray();
        const held = new Set(byHash.map((r) => `${r.contentHash}|${r.author}`));
        const newRegistrations = (
          await missingFrom(db.registrations, registrations, (r) => r.id)
        ).filter((r) => !held.has(`${r.contentHash}|${r.author}`));
        const writes: [{ bulkAdd(rows: readonly unknown[]): Promise<unknown> }, unknown[]][] = [
          [db.blobs, await missingFrom(db.blobs, blobRows, (b) => b.id)],
          [db.works, newWorks],
          [db.versions, newVersions],
          [
            db.presets,
            await missingFrom(db.presets, manifest.presets as unknown as Preset[], (p) => p.id),
          ],
          [
            db.drafts,
            await missingFrom(db.drafts, manifest.drafts as unknown as Draft[], (d) => d.workId),
          ],
          [db.registrations, newRegistrations],
          [
            db.albums,
            manifest.albums
              ? await missingFrom(db.albums, manifest.albums as unknown as Album[], (a) => a.id)
              : [],
          ],
        ];
        const total = writes.reduce((sum, [, rows]) => sum + rows.length, 0);
        let done = 0;
        onProgress?.({ done, total });
        for (const [table, rows] of writes) {
          for (let i = 0; i < rows.length; i += RESTORE_CHUNK) {
            signal?.throwIfAborted();
            const chunk = rows.slice(i, i + RESTORE_CHUNK);
            await table.bulkAdd(chunk);
            done += chunk.length;
            onProgress?.({ done, total });
          }
        }
        signal?.throwIfAborted();
        await db.meta.put({ key: META_LAST_CHANGE, value: now });
        return {
          works: newWorks.length,
          versions: newVersions.length,
          registrations: newRegistrations.length,
          alreadyThere:
            works.length - newWorks.length + manifest.versions.length - newVersions.length,
        };
      },
    );
  } catch (error) {
    if (signal?.aborted && isAbortError(error)) throw error;
    throw storageError(error, 'The restored library');
  }
  emitLibraryEvent({ type: 'backup-restored', works: counts.works, versions: counts.versions });
  return counts;
}
