/**
 * The device's storage as the Library sees it: how much is used and available
 * (`navigator.storage.estimate()`), whether it is persistent (exempt from eviction), asking for
 * persistence at the first save, the backup reminder, and what happens when another tab opens a
 * newer database. Browser storage is a cache, not a safe: this is how Atelier says so in time.
 */
import { LibraryError } from '../../shared/errors/library';
import type { AtelierDb } from './schema';
import { META_LAST_CHANGE } from './works';

export const META_LAST_BACKUP = 'library.lastBackupAt';
export const META_PERSIST_ASKED = 'library.persistAskedAt';
/** The reminder shows when the last backup is older than this and there is newer work. */
export const BACKUP_REMINDER_DAYS = 14;
const DAY_MS = 86_400_000;

export async function getMeta<T>(db: AtelierDb, key: string): Promise<T | undefined> {
  return (await db.meta.get(key))?.value as T | undefined;
}

export async function setMeta(db: AtelierDb, key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value });
}

export interface StorageInfo {
  /** Bytes used by this origin, when the browser says. */
  usage: number | null;
  /** Bytes this origin may use, when the browser says. */
  quota: number | null;
  /** true: exempt from eviction; false: may be evicted; null: the browser cannot say. */
  persisted: boolean | null;
}

type StorageLike = Pick<StorageManager, 'estimate' | 'persisted' | 'persist'>;
const storageManager = (): StorageLike | undefined => globalThis.navigator?.storage;

/** Usage, quota and persistence; nulls where the browser has no answer. */
export async function storageInfo(storage = storageManager()): Promise<StorageInfo> {
  if (!storage) return { usage: null, quota: null, persisted: null };
  const [estimate, persisted] = await Promise.all([
    storage.estimate?.().catch(() => undefined),
    storage.persisted?.().catch(() => null),
  ]);
  return {
    usage: estimate?.usage ?? null,
    quota: estimate?.quota ?? null,
    persisted: persisted ?? null,
  };
}

/**
 * Asks for persistent storage now, synchronously inside the person's gesture (Firefox prompts
 * and wants the gesture), and records that it was asked. The caller decides "once" (it knows
 * from `getMeta(db, META_PERSIST_ASKED)`). Returns the answer, or null without the API.
 */
export function requestPersistence(
  db: AtelierDb,
  storage = storageManager(),
): Promise<boolean | null> {
  if (!storage?.persist) return Promise.resolve(null);
  const answer = storage.persist().catch(() => false);
  void setMeta(db, META_PERSIST_ASKED, Date.now()).catch(() => undefined);
  return answer;
}

export interface ReminderFacts {
  lastBackupAt: number | undefined;
  lastChangeAt: number | undefined;
  /** When the oldest work still kept was added. */
  oldestWorkAt: number | undefined;
  now: number;
}

/**
 * True when there is work newer than the last backup and that backup (or, never backed up, the
 * oldest work) is more than BACKUP_REMINDER_DAYS old.
 */
export function backupReminderDue(f: ReminderFacts): boolean {
  if (f.lastChangeAt === undefined || f.oldestWorkAt === undefined) return false;
  if (f.lastBackupAt !== undefined && f.lastChangeAt <= f.lastBackupAt) return false;
  const since = f.lastBackupAt ?? f.oldestWorkAt;
  return f.now - since > BACKUP_REMINDER_DAYS * DAY_MS;
}

export async function reminderFacts(db: AtelierDb, now = Date.now()): Promise<ReminderFacts> {
  const [lastBackupAt, lastChangeAt, oldest] = await Promise.all([
    getMeta<number>(db, META_LAST_BACKUP),
    getMeta<number>(db, META_LAST_CHANGE),
    db.works.orderBy('createdAt').first(),
  ]);
  return { lastBackupAt, lastChangeAt, oldestWorkAt: oldest?.createdAt, now };
}

export interface DatabaseWatch {
  /** Another tab opened a newer version: this one closed its connection and must reload. */
  onOutdated: (error: LibraryError) => void;
  /** This tab wants to upgrade but an older tab holds the database open. */
  onBlocked?: () => void;
}

/**
 * Reacts to schema changes across tabs: the older tab closes its connection for good (no stale
 * writes after an upgrade, see tldraw #10514) and is told to reload.
 */
export function watchDatabase(db: AtelierDb, watch: DatabaseWatch): void {
  db.on('versionchange', () => {
    db.close({ disableAutoOpen: true });
    watch.onOutdated(
      new LibraryError(
        'db-outdated',
        'Atelier was updated in another tab. Reload this tab to keep working; nothing was lost.',
      ),
    );
    return false;
  });
  db.on('blocked', () => watch.onBlocked?.());
}
