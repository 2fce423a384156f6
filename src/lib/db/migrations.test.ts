/**
 * One migration test per schema version: the old database is built by hand with the raw
 * IndexedDB API (as a browser that ran that release would have it), then opened with today's
 * `openDb`, and its rows must read back intact. Add a `describe` per new version.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDb, STORES_V1 } from './schema';
import { listVersions, listWorks, getOriginalBlob } from './works';

/** v1 as published (frozen here: schema.ts must never change it). Dexie stores version n as n×10. */
const V1_LAYOUT: Record<string, { key: string; auto?: boolean; indexes: string[] }> = {
  works: {
    key: 'id',
    indexes: ['createdAt', 'updatedAt', 'title', '*tags', 'sha256', 'deletedAt'],
  },
  blobs: { key: 'id', indexes: ['sha256'] },
  versions: { key: 'id', indexes: ['workId', 'createdAt'] },
  presets: { key: 'id', indexes: ['name', 'updatedAt'] },
  drafts: { key: 'workId', indexes: ['updatedAt'] },
  events: { key: 'id', auto: true, indexes: ['type', 'at', 'workId', '[type+at]'] },
  rollups: { key: 'key', indexes: ['day', 'metric'] },
  registrations: {
    key: 'id',
    indexes: ['workId', 'contentHash', 'perceptualHash', 'author', 'createdAt'],
  },
  textModels: { key: 'id', indexes: ['source'] },
  meta: { key: 'key', indexes: [] },
};

function buildV1ByHand(name: string, rows: Record<string, unknown[]>): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 10);
    request.onupgradeneeded = () => {
      const idb = request.result;
      for (const [store, layout] of Object.entries(V1_LAYOUT)) {
        const os = idb.createObjectStore(store, {
          keyPath: layout.key,
          autoIncrement: layout.auto ?? false,
        });
        for (const index of layout.indexes) {
          const multi = index.startsWith('*');
          const compound = index.startsWith('[');
          const name = index.replace(/^\*/, '');
          const keyPath = compound ? name.slice(1, -1).split('+') : name;
          os.createIndex(name, keyPath, { multiEntry: multi });
        }
      }
    };
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const idb = request.result;
      const tx = idb.transaction(Object.keys(rows), 'readwrite');
      for (const [store, list] of Object.entries(rows)) {
        for (const row of list) tx.objectStore(store).put(row);
      }
      tx.oncomplete = () => {
        idb.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

describe('schema v1', () => {
  it('is frozen as published', () => {
    const published = Object.fromEntries(
      Object.entries(V1_LAYOUT).map(([store, l]) => [
        store,
        [l.auto ? `++${l.key}` : l.key, ...l.indexes].join(', '),
      ]),
    );
    expect(STORES_V1).toEqual(published);
  });

  it('opens a v1 database built by hand and reads its works, blobs and versions', async () => {
    const name = `migration-v1-${Date.now()}`;
    const work = {
      id: 'w1',
      title: 'Old work',
      tags: ['ink'],
      createdAt: 1,
      updatedAt: 1,
      originalBlobId: 'b1',
      thumbBlobId: 'b2',
      width: 2,
      height: 2,
      mime: 'image/png',
      bytes: 3,
      sha256: 'ab',
      palette: [],
    };
    await buildV1ByHand(name, {
      works: [work],
      blobs: [
        { id: 'b1', blob: new Blob(['old']), sha256: 'ab', bytes: 3, mime: 'image/png' },
        { id: 'b2', blob: new Blob(['t']), sha256: 'cd', bytes: 1, mime: 'image/webp' },
      ],
      versions: [
        {
          id: 'v1',
          workId: 'w1',
          createdAt: 2,
          label: 'V',
          stack: [],
          engine: {},
          blobId: 'b1',
          thumbBlobId: 'b2',
          width: 2,
          height: 2,
        },
      ],
      meta: [{ key: 'library.lastBackupAt', value: 5 }],
    });
    const db = openDb(name);
    try {
      expect(await listWorks(db)).toEqual([work]);
      expect(await (await getOriginalBlob(db, 'w1')).text()).toBe('old');
      expect((await listVersions(db, 'w1')).map((v) => v.id)).toEqual(['v1']);
      expect(await db.works.where('tags').equals('ink').count()).toBe(1);
      expect(db.verno).toBe(1);
    } finally {
      db.close();
      await db.delete();
    }
  });
});
