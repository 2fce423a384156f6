/**
 * The database side of backups. `collectBackup` takes a consistent snapshot (one read
 * transaction) of every kept work with its versions, blobs, presets, drafts and registrations;
 * the image worker zips it (shared/library/backup-format). `restoreBackup` writes a backup that
 * `readBackup` has already checked in full, in one transaction: all of it, or nothing.
 * A restore is a merge (adds what the library lacks, takes only newer edits, never deletes) or,
 * when the artist picks it, a replace that keeps a backup of the library as it was first.
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
import {
  blobsByHash,
  modifiedAt,
  REGISTERED_PNG_PREFIX,
  SAFETY_BACKUP_BLOB_ID,
} from './restore-plan';

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
  /** Works of the library that took the backup's newer edit (Merge). */
  updated: number;
  /** Works and versions of the backup that the library already had (same or newer there). */
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

/**
 * Rows of `rows` the table lacks (added) and rows whose copy in the backup is newer than the
 * library's by `updatedAt` (put, through `merge`). A row the library holds with the same or a
 * later time is kept as it is.
 */
async function newerOrMissing<T>(
  table: { bulkGet(keys: string[]): Promise<(unknown | undefined)[]> },
  rows: readonly T[],
  key: (row: T) => string,
  merge: (mine: T, theirs: T) => T | null = (_mine, theirs) => theirs,
): Promise<{ missing: T[]; newer: T[] }> {
  const found = (await table.bulkGet(rows.map(key))) as (T | undefined)[];
  const missing: T[] = [];
  const newer: T[] = [];
  rows.forEach((row, i) => {
    const mine = found[i];
    if (mine === undefined) missing.push(row);
    else if (modifiedAt(row) > modifiedAt(mine)) {
      const merged = merge(mine, row);
      if (merged) newer.push(merged);
    }
  });
  return { missing, newer };
}

/** The fields of a work an artist edits; the rest (its image, size, hash) never changes. */
const EDITABLE: readonly (keyof Work)[] = [
  'title',
  'tags',
  'texts',
  'rating',
  'flag',
  'albumIds',
  'training',
];

/** The library's work with the backup's newer edits; null for a work in its undo window. */
function newerWork(mine: Work, theirs: Work): Work | null {
  if (mine.deletedAt !== undefined) return null;
  const next: Work = { ...mine, updatedAt: theirs.updatedAt };
  for (const key of EDITABLE) {
    if (theirs[key] === undefined) delete next[key];
    else (next as unknown as Record<string, unknown>)[key] = theirs[key];
  }
  return next;
}

/** How far a restore has got: rows written of the rows to write (in the one transaction). */
export interface RestoreProgress {
  done: number;
  total: number;
}

export interface RestoreOptions {
  /**
   * 'merge' (the default) adds what is missing and takes the backup's newer edits, never
   * overwriting a newer edit of the library's and never deleting. 'replace' makes the library
   * the backup's, after keeping `safetyBackup` (the library as it was) in the database.
   */
  mode?: 'merge' | 'replace';
  /** A backup zip of the library as it is now; required by 'replace', stored before anything goes. */
  safetyBackup?: { zip: Blob; works: number; at: number };
  /** Aborting rolls the whole transaction back: nothing is written, and it rejects AbortError. */
  signal?: AbortSignal;
  onProgress?: (progress: RestoreProgress) => void;
}

/** Meta key of the safety backup a Replace keeps ({ at, works, bytes }). */
export const META_SAFETY_BACKUP = 'library.safetyBackup';

export interface SafetyBackup {
  at: number;
  works: number;
  zip: Blob;
}

/** The backup a Replace kept of the library as it was, if any. */
export async function getSafetyBackup(db: AtelierDb): Promise<SafetyBackup | undefined> {
  const meta = (await db.meta.get(META_SAFETY_BACKUP))?.value as
    { at: number; works: number } | undefined;
  const row = await db.blobs.get(SAFETY_BACKUP_BLOB_ID);
  return meta && row ? { at: meta.at, works: meta.works, zip: row.blob } : undefined;
}

/** Deletes the kept safety backup (the artist saved it elsewhere, or wants the space back). */
export async function deleteSafetyBackup(db: AtelierDb): Promise<void> {
  await db.transaction('rw', db.blobs, db.meta, async () => {
    await db.blobs.delete(SAFETY_BACKUP_BLOB_ID);
    await db.meta.delete(META_SAFETY_BACKUP);
  });
}

/** Rows per bulkAdd: small enough that progress moves and a cancel is seen between chunks. */
const RESTORE_CHUNK = 500;

type Bulk = { bulkAdd(rows: readonly unknown[]): Promise<unknown> };

/**
 * Writes a checked backup in one transaction, as a merge (issue #20, defect 3; issue #19) or a
 * replace. Merge adds what the library lacks and takes the backup's edit of a row only where it
 * is newer (`updatedAt`); it never deletes. A work's soft-delete mark is never restored
 * (collectBackup leaves deleted works out, so a backup carrying one is not ours to trust), its
 * image fields are never changed, and a registration the library already holds for the same
 * file and author is not added twice. Replace first stores `safetyBackup`, then removes the
 * library's works, versions, drafts, presets, albums and registrations and writes the backup's.
 * Either way an image the library already holds (same SHA-256) is not stored again: the rows
 * point at the one held, and images no row refers to any more are removed.
 * Progress is reported as rows are written, chunk by chunk; an abort (checked before and between
 * chunks) throws inside the transaction, so Dexie rolls back everything written so far.
 * @param blobs blob id → Blob (from the worker's checked unpacking).
 * @throws LibraryError `quota-exceeded` or `storage-failed`: nothing was written; AbortError
 *   when `options.signal` aborts: nothing was written. Error when 'replace' has no safetyBackup.
 */
export async function restoreBackup(
  db: AtelierDb,
  manifest: BackupManifest,
  blobs: Map<string, Blob>,
  options: RestoreOptions = {},
): Promise<RestoreCounts> {
  const { signal, onProgress, mode = 'merge', safetyBackup } = options;
  if (mode === 'replace' && !safetyBackup) {
    throw new Error('A Replace needs a backup of the library as it is, taken first.');
  }
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
        db.textModels,
      ],
      async () => {
        // The images the library's works and versions point at now (Replace frees the unused).
        const before = new Set<string>();
        if (mode === 'replace') {
          await db.works.each((w) => before.add(w.originalBlobId).add(w.thumbBlobId));
          await db.versions.each((v) => before.add(v.blobId).add(v.thumbBlobId));
          await db.blobs.put({
            id: SAFETY_BACKUP_BLOB_ID,
            blob: safetyBackup!.zip,
            sha256: '',
            bytes: safetyBackup!.zip.size,
            mime: 'application/zip',
          });
          await db.meta.put({
            key: META_SAFETY_BACKUP,
            value: { at: safetyBackup!.at, works: safetyBackup!.works },
          });
          for (const table of [
            db.works,
            db.versions,
            db.drafts,
            db.presets,
            db.albums,
            db.registrations,
          ]) {
            signal?.throwIfAborted();
            await table.clear();
          }
        }
        // Images already here (same id, or same content under another id) are not stored again.
        const heldIds = new Set(
          (await db.blobs.bulkGet(blobRows.map((b) => b.id))).flatMap((b) => (b ? [b.id] : [])),
        );
        const byHash = await blobsByHash(
          db,
          blobRows.filter((b) => !heldIds.has(b.id)).map((b) => b.sha256),
        );
        const alias = new Map<string, string>();
        const newBlobs = blobRows.filter((b) => {
          if (heldIds.has(b.id)) return false;
          const held = byHash.get(b.sha256);
          if (held) alias.set(b.id, held.id);
          return !held;
        });
        const to = (id: string) => alias.get(id) ?? id;
        const works = (manifest.works as unknown as Work[]).map((w) => {
          const { deletedAt: _never, ...alive } = w;
          return {
            ...alive,
            originalBlobId: to(w.originalBlobId),
            thumbBlobId: to(w.thumbBlobId),
          } as Work;
        });
        const versions = (manifest.versions as unknown as Version[]).map((v) => ({
          ...v,
          blobId: to(v.blobId),
          thumbBlobId: to(v.thumbBlobId),
        }));
        const work = await newerOrMissing(db.works, works, (w) => w.id, newerWork);
        const newVersions = await missingFrom(db.versions, versions, (v) => v.id);
        const byHashReg = await db.registrations
          .where('contentHash')
          .anyOf([...new Set(registrations.map((r) => r.contentHash))])
          .toArray();
        const held = new Set(byHashReg.map((r) => `${r.contentHash}|${r.author}`));
        const newRegistrations = (
          await missingFrom(db.registrations, registrations, (r) => r.id)
        ).filter((r) => !held.has(`${r.contentHash}|${r.author}`));
        const presets = await newerOrMissing(
          db.presets,
          manifest.presets as unknown as Preset[],
          (p) => p.id,
        );
        const drafts = await newerOrMissing(
          db.drafts,
          manifest.drafts as unknown as Draft[],
          (d) => d.workId,
        );
        const albums = await newerOrMissing(
          db.albums,
          (manifest.albums ?? []) as unknown as Album[],
          (a) => a.id,
        );
        const put = (table: { bulkPut(rows: readonly unknown[]): Promise<unknown> }): Bulk => ({
          bulkAdd: (rows) => table.bulkPut(rows),
        });
        const writes: [Bulk, unknown[]][] = [
          [db.blobs, newBlobs],
          [db.works, work.missing],
          [put(db.works), work.newer],
          [db.versions, newVersions],
          [db.presets, presets.missing],
          [put(db.presets), presets.newer],
          [db.drafts, drafts.missing],
          [put(db.drafts), drafts.newer],
          [db.registrations, newRegistrations],
          [db.albums, albums.missing],
          [put(db.albums), albums.newer],
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
        if (mode === 'replace') {
          const used = new Set<string>();
          await db.works.each((w) => used.add(w.originalBlobId).add(w.thumbBlobId));
          await db.versions.each((v) => used.add(v.blobId).add(v.thumbBlobId));
          await db.blobs.bulkDelete([...before].filter((id) => !used.has(id)));
        }
        signal?.throwIfAborted();
        await db.meta.put({ key: META_LAST_CHANGE, value: now });
        return {
          works: work.missing.length,
          versions: newVersions.length,
          registrations: newRegistrations.length,
          updated: work.newer.length,
          alreadyThere:
            works.length -
            work.missing.length -
            work.newer.length +
            versions.length -
            newVersions.length,
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
