/**
 * The Library's storage API: works, their original and thumbnail blobs, and their versions.
 * This is what every room uses; it is small and stable on purpose. Every function takes the
 * database first (`import { db } from '$lib/db/instance'`; tests pass `openDb('test-…')`).
 *
 *   listWorks(db)                       → Work[] (newest first, deleted ones hidden)
 *   getWork(db, workId)                 → Work                       @throws not-found
 *   getOriginalBlob(db, workId)         → Blob (the file as imported)
 *   getThumbBlob(db, workId)            → Blob (WebP/PNG, longest side ≤ 512)
 *   listVersions(db, workId)            → Version[] (newest first)
 *   getLatestImage(db, workId)          → { blob, width, height, versionId } — the newest
 *                                         version's image, or the original when there is none
 *   getBlob(db, blobId)                 → Blob (e.g. a version's `blobId`)
 *   getBlobs(db, blobIds)               → (Blob | undefined)[] in one read
 *   addVersion(db, { workId, image, width, height, stack, engine, label?, thumb? }) → Version
 *                                         (one transaction; quota → LibraryError quota-exceeded).
 *                                         A thumbnail off the UI thread:
 *                                         `imageClient.call((api) => api.thumbnail(image))`
 *                                         → { thumb, width, height } (src/lib/compute/image-client)
 *   setWorkText(db, workId, key, text)  → texts kept from the Write room
 *   onLibraryEvent(listener)            → from ./library-events: react to committed changes
 *
 * Import goes through the Library room (the image worker sniffs, hashes and thumbnails first);
 * `addWork` here only stores what it prepared. Writes are one Dexie transaction each, so a
 * failure (a full disk included) leaves nothing half-written. No transaction awaits anything but
 * Dexie (hashing happens before it opens; see Dexie's PrematureCommitError).
 */
import { LibraryError, storageError } from '../../shared/errors/library';
import { sha256Hex } from '../../shared/library/hash';
import { checkTags, checkTitle, cleanText, MAX_TEXT_LENGTH } from '../../shared/library/text';
import { emitLibraryEvent } from './library-events';
import type { AtelierDb, BlobRow, Version, Work } from './schema';

/** Meta key: when the Library last changed (ms since epoch), read by the backup reminder. */
export const META_LAST_CHANGE = 'library.lastChangeAt';

export const newId = (): string => crypto.randomUUID();

function notFound(what: string, id: string): LibraryError {
  return new LibraryError('not-found', `${what} ${id} is not in the library (any more).`, {
    details: { id },
  });
}

/**
 * A row damaged by hand or by an old bug must not take the whole gallery down: such rows are
 * skipped (and logged) rather than rendered.
 */
function isWorkRow(row: unknown): row is Work {
  const w = row as Partial<Work> | null;
  const ok =
    typeof w === 'object' &&
    w !== null &&
    typeof w.id === 'string' &&
    typeof w.title === 'string' &&
    Array.isArray(w.tags) &&
    w.tags.every((t) => typeof t === 'string') &&
    typeof w.createdAt === 'number' &&
    typeof w.thumbBlobId === 'string' &&
    typeof w.originalBlobId === 'string';
  if (!ok) console.warn('Skipping a damaged work row', row);
  return ok;
}

/** Works newest first, without the ones waiting in the undo window unless asked. */
export async function listWorks(
  db: AtelierDb,
  { includeDeleted = false }: { includeDeleted?: boolean } = {},
): Promise<Work[]> {
  const all = (await db.works.orderBy('createdAt').reverse().toArray()).filter(isWorkRow);
  return includeDeleted ? all : all.filter((w) => w.deletedAt === undefined);
}

/** The titles of the works with these ids that still exist (for Insights' labels). */
export async function workTitles(db: AtelierDb, ids: string[]): Promise<Map<string, string>> {
  const rows = await db.works.bulkGet(ids);
  return new Map(
    rows.flatMap((w) => (w && w.deletedAt === undefined ? [[w.id, w.title] as const] : [])),
  );
}

/** @throws LibraryError `not-found` */
export async function getWork(db: AtelierDb, workId: string): Promise<Work> {
  const work = await db.works.get(workId);
  if (!work) throw notFound('Work', workId);
  return work;
}

/** @throws LibraryError `not-found` */
export async function getBlob(db: AtelierDb, blobId: string): Promise<Blob> {
  const row = await db.blobs.get(blobId);
  if (!row) throw notFound('Image data', blobId);
  return row.blob;
}

/** Several blobs in one read (thumbnails for the gallery); undefined where missing. */
export async function getBlobs(db: AtelierDb, blobIds: string[]): Promise<(Blob | undefined)[]> {
  return (await db.blobs.bulkGet(blobIds)).map((row) => row?.blob);
}

/** The file exactly as it was imported. @throws LibraryError `not-found` */
export async function getOriginalBlob(db: AtelierDb, workId: string): Promise<Blob> {
  return getBlob(db, (await getWork(db, workId)).originalBlobId);
}

/** @throws LibraryError `not-found` */
export async function getThumbBlob(db: AtelierDb, workId: string): Promise<Blob> {
  return getBlob(db, (await getWork(db, workId)).thumbBlobId);
}

/** A work's versions, newest first. */
export async function listVersions(db: AtelierDb, workId: string): Promise<Version[]> {
  const versions = await db.versions.where('workId').equals(workId).sortBy('createdAt');
  return versions.reverse();
}

export interface LatestImage {
  blob: Blob;
  width: number;
  height: number;
  /** null when this is the original. */
  versionId: string | null;
}

/** The newest version's image, or the original. @throws LibraryError `not-found` */
export async function getLatestImage(db: AtelierDb, workId: string): Promise<LatestImage> {
  const work = await getWork(db, workId);
  const [latest] = await listVersions(db, workId);
  if (latest) {
    return {
      blob: await getBlob(db, latest.blobId),
      width: latest.width,
      height: latest.height,
      versionId: latest.id,
    };
  }
  return {
    blob: await getBlob(db, work.originalBlobId),
    width: work.width,
    height: work.height,
    versionId: null,
  };
}

/** What the import pipeline prepared for one file. */
export interface NewWork {
  title: string;
  tags?: string[];
  original: Blob;
  thumb: Blob;
  width: number;
  height: number;
  mime: string;
  /** SHA-256 (hex) of `original`. */
  sha256: string;
  thumbSha256: string;
  palette: string[];
  /** Defaults to now. */
  createdAt?: number;
}

function blobRow(blob: Blob, sha256: string, mime = blob.type): BlobRow {
  return { id: newId(), blob, sha256, bytes: blob.size, mime };
}

/**
 * Stores a work, its original and its thumbnail in one transaction.
 * @throws LibraryError `invalid-text`, `quota-exceeded` or `storage-failed` (nothing written).
 */
export async function addWork(db: AtelierDb, input: NewWork): Promise<Work> {
  const title = checkTitle(input.title);
  const tags = checkTags(input.tags ?? []);
  if (!title.ok) throw new LibraryError('invalid-text', title.reason);
  if (!tags.ok) throw new LibraryError('invalid-text', tags.reason);
  const original = blobRow(input.original, input.sha256, input.mime);
  const thumb = blobRow(input.thumb, input.thumbSha256);
  const now = Date.now();
  const work: Work = {
    id: newId(),
    title: title.value,
    tags: tags.value,
    createdAt: input.createdAt ?? now,
    updatedAt: now,
    originalBlobId: original.id,
    thumbBlobId: thumb.id,
    width: input.width,
    height: input.height,
    mime: input.mime,
    bytes: input.original.size,
    sha256: input.sha256,
    palette: input.palette,
  };
  try {
    await db.transaction('rw', db.works, db.blobs, db.meta, async () => {
      await db.blobs.bulkAdd([original, thumb]);
      await db.works.add(work);
      await db.meta.put({ key: META_LAST_CHANGE, value: now });
    });
  } catch (error) {
    throw storageError(error, `"${title.value}"`);
  }
  emitLibraryEvent({
    type: 'work-added',
    workId: work.id,
    bytes: work.bytes,
    width: work.width,
    height: work.height,
    mime: work.mime,
  });
  return work;
}

/** Applies `changes` to a work in one transaction. @throws LibraryError `not-found`, `storage-failed` */
export async function updateWork(
  db: AtelierDb,
  workId: string,
  changes: Partial<Work>,
  what: string,
): Promise<Work> {
  let updated: Work | undefined;
  const now = Date.now();
  try {
    await db.transaction('rw', db.works, db.meta, async () => {
      const work = await db.works.get(workId);
      if (!work) throw notFound('Work', workId);
      updated = { ...work, ...changes, updatedAt: now };
      await db.works.put(updated);
      await db.meta.put({ key: META_LAST_CHANGE, value: now });
    });
  } catch (error) {
    throw storageError(error, what);
  }
  emitLibraryEvent({ type: 'work-updated', workId, fields: Object.keys(changes) });
  return updated!;
}

/** @throws LibraryError `invalid-text`, `not-found`, `quota-exceeded`, `storage-failed` */
export async function renameWork(db: AtelierDb, workId: string, title: string): Promise<Work> {
  const check = checkTitle(title);
  if (!check.ok) throw new LibraryError('invalid-text', check.reason);
  return updateWork(db, workId, { title: check.value }, 'The new title');
}

/** Replaces a work's tags. @throws LibraryError `invalid-text`, `not-found`, … */
export async function setTags(db: AtelierDb, workId: string, tags: string[]): Promise<Work> {
  const check = checkTags(tags);
  if (!check.ok) throw new LibraryError('invalid-text', check.reason);
  return updateWork(db, workId, { tags: check.value }, 'The tags');
}

/** Keeps a text from the Write room under `key` (e.g. 'title', 'statement'). */
export async function setWorkText(
  db: AtelierDb,
  workId: string,
  key: string,
  text: string,
): Promise<Work> {
  const clean = cleanText(text);
  if (clean.length > MAX_TEXT_LENGTH) {
    throw new LibraryError('invalid-text', `A text has at most ${MAX_TEXT_LENGTH} characters.`);
  }
  const work = await getWork(db, workId);
  return updateWork(db, workId, { texts: { ...work.texts, [key]: clean } }, 'The text');
}

/** Soft delete: hidden now, purged after the undo window (`purgeDeleted`). */
export async function deleteWork(db: AtelierDb, workId: string, now = Date.now()): Promise<void> {
  await updateWork(db, workId, { deletedAt: now }, 'The deletion');
  emitLibraryEvent({ type: 'work-deleted', workId });
}

/** Undoes `deleteWork` while the work has not been purged. @throws LibraryError `not-found` */
export async function undeleteWork(db: AtelierDb, workId: string): Promise<void> {
  const work = await getWork(db, workId);
  const { deletedAt: _gone, ...rest } = work;
  try {
    await db.works.put({ ...rest, updatedAt: Date.now() });
  } catch (error) {
    throw storageError(error, 'The undo');
  }
  emitLibraryEvent({ type: 'work-restored', workId });
}

/**
 * Removes for good the works deleted before `before` (ms), with their blobs, versions and drafts,
 * in one transaction (blobs another work or version still uses stay). Returns the ids purged.
 */
export async function purgeDeleted(db: AtelierDb, before: number): Promise<string[]> {
  const purged: string[] = [];
  const doomed = new Set<string>();
  await db.transaction('rw', [db.works, db.blobs, db.versions, db.drafts], async () => {
    const works = await db.works.where('deletedAt').below(before).toArray();
    for (const work of works) {
      const versions = await db.versions.where('workId').equals(work.id).toArray();
      const blobIds = new Set([work.originalBlobId, work.thumbBlobId]);
      for (const v of versions) {
        blobIds.add(v.blobId);
        blobIds.add(v.thumbBlobId);
      }
      await db.versions.bulkDelete(versions.map((v) => v.id));
      await db.drafts.delete(work.id);
      await db.works.delete(work.id);
      for (const id of blobIds) doomed.add(id);
      purged.push(work.id);
    }
    if (!doomed.size) return;
    // A restore stores an image once (by content), so another work may share it: keep those.
    await db.works.each((w) => {
      doomed.delete(w.originalBlobId);
      doomed.delete(w.thumbBlobId);
    });
    await db.versions.each((v) => {
      doomed.delete(v.blobId);
      doomed.delete(v.thumbBlobId);
    });
    await db.blobs.bulkDelete([...doomed]);
  });
  if (purged.length) emitLibraryEvent({ type: 'works-purged', workIds: purged });
  return purged;
}

export interface NewVersion {
  workId: string;
  /** The rendered image (PNG/WebP/JPEG). */
  image: Blob;
  width: number;
  height: number;
  /** The effect stack that produced it (plain, structured-cloneable data). */
  stack: unknown;
  /** Engine, backend and model versions used, e.g. { backend: 'webgpu', engine: '1' }. */
  engine: Record<string, string>;
  label?: string;
  /** A small preview (longest side ≤ 512); the image itself is used when omitted. */
  thumb?: Blob;
}

/**
 * Adds a version to a work: its image (and thumbnail) and the stack that made it, in one
 * transaction.
 * @throws LibraryError `not-found`, `quota-exceeded`, `storage-failed` (nothing written).
 */
export async function addVersion(db: AtelierDb, input: NewVersion): Promise<Version> {
  const work = await getWork(db, input.workId);
  if (work.deletedAt !== undefined) throw notFound('Work', input.workId);
  // Hash before the transaction opens: awaiting WebCrypto inside it would commit it early.
  const image = blobRow(input.image, await sha256Hex(input.image));
  const thumb = input.thumb ? blobRow(input.thumb, await sha256Hex(input.thumb)) : image;
  const now = Date.now();
  const version: Version = {
    id: newId(),
    workId: input.workId,
    createdAt: now,
    label: (input.label ? cleanText(input.label).slice(0, 200) : '') || 'Version',
    stack: input.stack,
    engine: input.engine,
    blobId: image.id,
    thumbBlobId: thumb.id,
    width: input.width,
    height: input.height,
  };
  try {
    await db.transaction('rw', [db.works, db.blobs, db.versions, db.meta], async () => {
      if (!(await db.works.get(input.workId))) throw notFound('Work', input.workId);
      await db.blobs.bulkAdd(thumb === image ? [image] : [image, thumb]);
      await db.versions.add(version);
      await db.works.update(input.workId, { updatedAt: now });
      await db.meta.put({ key: META_LAST_CHANGE, value: now });
    });
  } catch (error) {
    throw storageError(error, `The new version of "${work.title}"`);
  }
  emitLibraryEvent({ type: 'version-added', workId: input.workId, versionId: version.id });
  return version;
}
