/**
 * Organising the library: ratings (1–5 stars, 0 clears), flags (pick / reject), a work's own AI
 * training choice (absent: the artist's default) and albums (a named collection; a work can be
 * in several, listed on the work as `albumIds`). Every write is one transaction; removing an
 * album takes it off its works too.
 */
import { LibraryError, storageError } from '../../shared/errors/library';
import { checkTitle } from '../../shared/library/text';
import { isTrainingChoice, type TrainingChoice } from '../../shared/provenance/manifest';
import { emitLibraryEvent } from './library-events';
import type { Album, AtelierDb, Work, WorkFlag } from './schema';
import { META_LAST_CHANGE, newId, updateWork } from './works';

export const MAX_RATING = 5;

/** Rates a work; 0 clears the rating. @throws LibraryError `invalid-text` for a bad rating */
export async function setRating(db: AtelierDb, workId: string, rating: number): Promise<Work> {
  if (!Number.isInteger(rating) || rating < 0 || rating > MAX_RATING) {
    throw new LibraryError('invalid-text', `A rating is a whole number of stars from 0 to 5.`, {
      details: { rating },
    });
  }
  return updateWork(db, workId, { rating: rating || undefined }, 'The rating');
}

/** Picks or rejects a work; null clears the flag. */
export async function setFlag(db: AtelierDb, workId: string, flag: WorkFlag | null): Promise<Work> {
  if (flag !== null && flag !== 'pick' && flag !== 'reject') {
    throw new LibraryError('invalid-text', 'A flag is “pick” or “reject”.', { details: { flag } });
  }
  return updateWork(db, workId, { flag: flag ?? undefined }, 'The flag');
}

/**
 * The work's own AI training choice; null clears it (the work follows the artist's default).
 * @throws LibraryError `invalid-text` for a choice that is not one of TRAINING_CHOICES
 */
export async function setWorkTraining(
  db: AtelierDb,
  workId: string,
  training: TrainingChoice | null,
): Promise<Work> {
  if (training !== null && !isTrainingChoice(training)) {
    throw new LibraryError(
      'invalid-text',
      'An AI training choice is “not allowed”, “allowed with conditions” or “allowed”.',
      { details: { training } },
    );
  }
  return updateWork(db, workId, { training: training ?? undefined }, 'The AI training choice');
}

/** Albums by name. */
export async function listAlbums(db: AtelierDb): Promise<Album[]> {
  const albums = await db.albums.toArray();
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  return albums.sort((a, b) => collator.compare(a.name, b.name));
}

/** Creates an album. @throws LibraryError `invalid-text` for an empty or too long name */
export async function createAlbum(db: AtelierDb, name: string, now = Date.now()): Promise<Album> {
  const check = checkTitle(name);
  if (!check.ok) throw new LibraryError('invalid-text', check.reason.replace('title', 'name'));
  const album: Album = { id: newId(), name: check.value, createdAt: now, updatedAt: now };
  try {
    await db.transaction('rw', db.albums, db.meta, async () => {
      await db.albums.add(album);
      await db.meta.put({ key: META_LAST_CHANGE, value: now });
    });
  } catch (error) {
    throw storageError(error, 'The album');
  }
  emitLibraryEvent({ type: 'work-updated', workId: '', fields: ['albums'] });
  return album;
}

/** Puts a work in an album, or takes it out. @throws LibraryError `not-found` */
export async function setInAlbum(
  db: AtelierDb,
  { workId, albumId, inAlbum }: { workId: string; albumId: string; inAlbum: boolean },
): Promise<Work> {
  if (!(await db.albums.get(albumId))) {
    throw new LibraryError('not-found', 'That album is not in the library (any more).', {
      details: { id: albumId },
    });
  }
  const work = await db.works.get(workId);
  const ids = new Set(work?.albumIds ?? []);
  if (inAlbum) ids.add(albumId);
  else ids.delete(albumId);
  return updateWork(db, workId, { albumIds: ids.size ? [...ids] : undefined }, 'The album');
}

/** Deletes an album (its works stay, out of it). */
export async function deleteAlbum(db: AtelierDb, albumId: string, now = Date.now()): Promise<void> {
  try {
    await db.transaction('rw', db.albums, db.works, db.meta, async () => {
      await db.albums.delete(albumId);
      const works = await db.works.where('albumIds').equals(albumId).toArray();
      for (const w of works) {
        const rest = (w.albumIds ?? []).filter((id) => id !== albumId);
        const { albumIds: _old, ...without } = w;
        await db.works.put(
          rest.length ? { ...w, albumIds: rest, updatedAt: now } : { ...without, updatedAt: now },
        );
      }
      await db.meta.put({ key: META_LAST_CHANGE, value: now });
    });
  } catch (error) {
    throw storageError(error, 'Deleting the album');
  }
  emitLibraryEvent({ type: 'work-updated', workId: '', fields: ['albums'] });
}
