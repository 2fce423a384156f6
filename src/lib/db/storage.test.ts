import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { openDb } from './schema';
import {
  backupReminderDue,
  getMeta,
  META_PERSIST_ASKED,
  requestPersistence,
  BACKUP_REMINDER_DAYS,
  storageInfo,
  watchDatabase,
} from './storage';

const DAY = 86_400_000;

describe('storage', () => {
  it('reads usage, quota and persistence, with nulls where the browser is silent', async () => {
    const storage = {
      estimate: async () => ({ usage: 10, quota: 100 }),
      persisted: async () => false,
      persist: async () => true,
    };
    expect(await storageInfo(storage)).toEqual({ usage: 10, quota: 100, persisted: false });
    expect(await storageInfo(undefined)).toEqual({ usage: null, quota: null, persisted: null });
    const failing = { ...storage, estimate: () => Promise.reject(new Error('no')) };
    expect(await storageInfo(failing)).toEqual({ usage: null, quota: null, persisted: false });
  });

  it('asks for persistence at once (inside the gesture) and records that it asked', async () => {
    const db = openDb(`storage-${Date.now()}`);
    const persist = vi.fn(async () => false);
    const storage = { estimate: async () => ({}), persisted: async () => false, persist };
    const answer = requestPersistence(db, storage);
    expect(persist).toHaveBeenCalledTimes(1); // synchronously, before any await
    expect(await answer).toBe(false);
    await vi.waitFor(async () =>
      expect(await getMeta(db, META_PERSIST_ASKED)).toBeTypeOf('number'),
    );
    expect(await requestPersistence(db, undefined)).toBe(null);
    await db.delete();
  });

  it('reminds after 14 days only when there is work newer than the last backup', () => {
    const now = 100 * DAY;
    expect(BACKUP_REMINDER_DAYS).toBe(14);
    const base = { now, oldestWorkAt: 10 * DAY, lastChangeAt: 99 * DAY };
    expect(backupReminderDue({ ...base, lastBackupAt: undefined })).toBe(true);
    expect(backupReminderDue({ ...base, lastBackupAt: now - 15 * DAY })).toBe(true);
    expect(backupReminderDue({ ...base, lastBackupAt: now - 13 * DAY })).toBe(false);
    // Nothing new since the backup, however old it is.
    expect(backupReminderDue({ ...base, lastBackupAt: 99.5 * DAY, now: 200 * DAY })).toBe(false);
    // A fresh library (first work 3 days ago) is not nagged yet.
    expect(
      backupReminderDue({
        now,
        oldestWorkAt: 97 * DAY,
        lastChangeAt: 99 * DAY,
        lastBackupAt: undefined,
      }),
    ).toBe(false);
    expect(
      backupReminderDue({
        now,
        oldestWorkAt: undefined,
        lastChangeAt: undefined,
        lastBackupAt: undefined,
      }),
    ).toBe(false);
  });

  it('a tab holding the old version is told to reload and does not block the upgrade', async () => {
    const name = `versionchange-${Date.now()}`;
    const old = openDb(name);
    await old.open();
    const outdated = vi.fn();
    watchDatabase(old, { onOutdated: outdated });
    // A newer build in another tab opens the next version (Dexie stores version n as n×10).
    const next = (old.verno + 1) * 10;
    const upgraded = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name, next);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('blocked by the old tab'));
    });
    expect(upgraded.version).toBe(next);
    expect(outdated).toHaveBeenCalledTimes(1);
    expect(outdated.mock.calls[0]![0]).toMatchObject({
      code: 'db-outdated',
      message:
        'Atelier was updated in another tab. Reload this tab to keep working; nothing was lost.',
    });
    // The old tab writes nothing more.
    await expect(old.meta.put({ key: 'x', value: 1 })).rejects.toMatchObject({
      name: 'DatabaseClosedError',
    });
    upgraded.close();
  });
});
