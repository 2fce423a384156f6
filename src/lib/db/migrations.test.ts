/**
 * One migration test per schema version: the old database is built by hand with the raw
 * IndexedDB API (as a browser that ran that release would have it), then opened with today's
 * `openDb`, and its rows must read back intact. Add a `describe` per new version.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { loadInsights } from './insights';
import { applyRetention } from './events';
import { openDb, STORES_V1, STORES_V2, STORES_V3 } from './schema';
import { createAlbum, deleteAlbum, setFlag, setInAlbum, setRating } from './organise';
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

/** v2 as published: v1 with the events' indexes reduced to `at`. */
const V2_LAYOUT = { ...V1_LAYOUT, events: { key: 'id', auto: true, indexes: ['at'] } };

function buildV1ByHand(
  name: string,
  rows: Record<string, unknown[]>,
  { layouts = V1_LAYOUT, version = 10 } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onupgradeneeded = () => {
      const idb = request.result;
      for (const [store, layout] of Object.entries(layouts)) {
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
      expect(db.verno).toBe(3);
    } finally {
      db.close();
      await db.delete();
    }
  });
});

/** Reads the index names of every store of the database `name` with the raw API. */
/** The works store's indexes as today's code lays them out (v3 added the organising ones). */
const TODAY_WORK_INDEXES = [
  'albumIds',
  'createdAt',
  'deletedAt',
  'flag',
  'rating',
  'sha256',
  'tags',
  'title',
  'updatedAt',
];

function indexesOf(name: string): Promise<Record<string, string[]>> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const idb = request.result;
      const tx = idb.transaction([...idb.objectStoreNames], 'readonly');
      const out: Record<string, string[]> = {};
      for (const store of idb.objectStoreNames) {
        out[store] = [...tx.objectStore(store).indexNames].sort();
      }
      idb.close();
      resolve(out);
    };
  });
}

describe('schema v2 (events keep only the `at` index)', () => {
  it('changes nothing but the events indexes', () => {
    const { events, ...rest } = STORES_V2;
    const { events: oldEvents, ...oldRest } = STORES_V1;
    expect(rest).toEqual(oldRest);
    expect(oldEvents).not.toBe(events);
    expect(events).toBe('++id, at');
  });

  it('upgrades a v1 database: events and rollups intact, insights and retention still work', async () => {
    const name = `migration-v2-${Date.now()}`;
    const DAY = 86_400_000;
    const now = Date.UTC(2026, 10, 27, 12);
    const old = now - 400 * DAY;
    const events = [
      { id: 1, type: 'work.imported', at: old, workId: 'w1', data: { colors: ['#112233'] } },
      { id: 2, type: 'effect.added', at: now - DAY, workId: 'w1', data: { effectId: 'blur' } },
      { id: 3, type: 'effect.added', at: now, workId: 'w1', data: { effectId: 'grain' } },
    ];
    await buildV1ByHand(name, { events });
    const db = openDb(name);
    try {
      expect(await db.events.orderBy(':id').toArray()).toEqual(events);
      expect(db.verno).toBe(3);
      // The new rows take the next ids after the old ones.
      expect(await db.events.add({ type: 'effect.added', at: now, workId: 'w2' })).toBe(4);
      expect(
        await db.events
          .where('at')
          .above(now - 2 * DAY)
          .count(),
      ).toBe(3);
      expect(await applyRetention(db, 365, now)).toBe(1);
      expect((await db.events.toArray()).map((e) => e.id)).toEqual([2, 3, 4]);
      await expect(loadInsights(db)).resolves.toBeTruthy();
    } finally {
      db.close();
    }
    const indexes = await indexesOf(name);
    expect(indexes.events).toEqual(['at']);
    // Opened with today's code, so v3's organising indexes are there too (see below).
    expect(indexes.works).toEqual(TODAY_WORK_INDEXES);
    await openDb(name).delete();
  });
});

describe('schema v3 (ratings, flags and albums)', () => {
  it('adds the organising indexes to works and an albums table, nothing else', () => {
    const { works, albums, ...rest } = STORES_V3;
    const { works: oldWorks, ...oldRest } = STORES_V2;
    expect(rest).toEqual(oldRest);
    expect(works).toBe(`${oldWorks}, rating, flag, *albumIds`);
    expect(albums).toBe('id, name, createdAt');
  });

  it('upgrades a v2 database: works intact and unrated, then rated, flagged and in albums', async () => {
    const name = `migration-v3-${Date.now()}`;
    const work = {
      id: 'w1',
      title: 'Harbour',
      tags: [],
      createdAt: 1,
      updatedAt: 1,
      originalBlobId: 'b1',
      thumbBlobId: 'b1',
      width: 2,
      height: 2,
      mime: 'image/png',
      bytes: 3,
      sha256: 'ab',
      palette: [],
    };
    await buildV1ByHand(name, { works: [work] }, { layouts: V2_LAYOUT, version: 20 });
    const db = openDb(name);
    try {
      expect(await listWorks(db)).toEqual([work]);
      expect(db.verno).toBe(3);
      expect(await db.albums.count()).toBe(0);
      await setRating(db, 'w1', 4);
      await setFlag(db, 'w1', 'pick');
      const sea = await createAlbum(db, 'Sea');
      const best = await createAlbum(db, 'Best of 2026');
      await setInAlbum(db, { workId: 'w1', albumId: sea.id, inAlbum: true });
      await setInAlbum(db, { workId: 'w1', albumId: best.id, inAlbum: true });
      expect(await db.works.where('rating').aboveOrEqual(3).count()).toBe(1);
      expect(await db.works.where('flag').equals('pick').count()).toBe(1);
      expect(await db.works.where('albumIds').equals(best.id).count()).toBe(1);
      await expect(setRating(db, 'w1', 6)).rejects.toMatchObject({ code: 'invalid-text' });
      await deleteAlbum(db, sea.id);
      expect((await db.works.get('w1'))?.albumIds).toEqual([best.id]);
      await setRating(db, 'w1', 0);
      await setFlag(db, 'w1', null);
      expect(await db.works.where('rating').aboveOrEqual(1).count()).toBe(0);
      expect(await db.works.where('flag').equals('pick').count()).toBe(0);
    } finally {
      db.close();
    }
    const indexes = await indexesOf(name);
    expect(indexes.works).toEqual(TODAY_WORK_INDEXES);
    expect(indexes.albums).toEqual(['createdAt', 'name']);
    await openDb(name).delete();
  });
});
