import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../shared/library/hash';
import { onLibraryEvent, type LibraryEvent } from './library-events';
import { openDb, type AtelierDb } from './schema';
import {
  addVersion,
  addWork,
  deleteWork,
  getLatestImage,
  getOriginalBlob,
  getThumbBlob,
  getWork,
  listVersions,
  listWorks,
  purgeDeleted,
  renameWork,
  setTags,
  setWorkText,
  undeleteWork,
  type NewWork,
} from './works';

let db: AtelierDb;
let n = 0;
beforeEach(() => {
  db = openDb(`works-test-${++n}-${Date.now()}`);
});
afterEach(async () => {
  db.close();
  await db.delete();
});

async function newWork(title: string, bytes = `pixels of ${title}`): Promise<NewWork> {
  const original = new Blob([bytes], { type: 'image/png' });
  const thumb = new Blob([`thumb ${bytes}`], { type: 'image/webp' });
  return {
    title,
    original,
    thumb,
    width: 40,
    height: 30,
    mime: 'image/png',
    sha256: await sha256Hex(original),
    thumbSha256: await sha256Hex(thumb),
    palette: ['#102030'],
  };
}

function quotaOnCreate(table: AtelierDb['works'] | AtelierDb['blobs'] | AtelierDb['versions']) {
  table.hook('creating', () => {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  });
}

describe('works', () => {
  it('stores a work with its original and thumbnail, and lists newest first', async () => {
    const a = await addWork(db, { ...(await newWork('Dawn')), createdAt: 1000 });
    const b = await addWork(db, { ...(await newWork('Dusk')), createdAt: 2000 });
    expect((await listWorks(db)).map((w) => w.title)).toEqual(['Dusk', 'Dawn']);
    expect(await (await getOriginalBlob(db, a.id)).text()).toBe('pixels of Dawn');
    expect(await (await getThumbBlob(db, b.id)).text()).toBe('thumb pixels of Dusk');
    expect(a).toMatchObject({ width: 40, height: 30, mime: 'image/png', bytes: 14, tags: [] });
    expect(await db.blobs.count()).toBe(4);
  });

  it('renames, tags and keeps texts, refusing bad input with a reason', async () => {
    const w = await addWork(db, await newWork('Sea'));
    await renameWork(db, w.id, '  Sea\u202e at night ');
    await setTags(db, w.id, ['ink', 'Ink', 'blue']);
    await setWorkText(db, w.id, 'statement', 'About the sea.');
    expect(await getWork(db, w.id)).toMatchObject({
      title: 'Sea at night',
      tags: ['ink', 'blue'],
      texts: { statement: 'About the sea.' },
    });
    await expect(renameWork(db, w.id, ' ')).rejects.toMatchObject({
      code: 'invalid-text',
      message: 'A title cannot be empty.',
    });
    await expect(renameWork(db, 'nope', 'x')).rejects.toMatchObject({
      code: 'not-found',
      message: 'Work nope is not in the library (any more).',
    });
  });

  it('deletes with undo, then purges the work with its blobs, versions and draft', async () => {
    const keep = await addWork(db, await newWork('Keep'));
    const gone = await addWork(db, await newWork('Gone'));
    await addVersion(db, {
      workId: gone.id,
      image: new Blob(['v1']),
      width: 4,
      height: 3,
      stack: [],
      engine: {},
    });
    await db.drafts.put({ workId: gone.id, stack: [], updatedAt: 1 });
    await deleteWork(db, gone.id, 5000);
    expect((await listWorks(db)).map((w) => w.id)).toEqual([keep.id]);
    await undeleteWork(db, gone.id);
    expect((await listWorks(db)).length).toBe(2);
    await deleteWork(db, gone.id, 5000);
    expect(await purgeDeleted(db, 4000)).toEqual([]); // still in its undo window
    expect(await purgeDeleted(db, 6000)).toEqual([gone.id]);
    expect(await db.works.count()).toBe(1);
    expect(await db.blobs.count()).toBe(2); // only Keep's original + thumbnail
    expect(await db.versions.count()).toBe(0);
    expect(await db.drafts.count()).toBe(0);
  });

  it('adds versions; the latest image is the newest version, or the original', async () => {
    const w = await addWork(db, await newWork('Portrait'));
    expect(await getLatestImage(db, w.id)).toMatchObject({ versionId: null, width: 40 });
    const v1 = await addVersion(db, {
      workId: w.id,
      image: new Blob(['render 1'], { type: 'image/png' }),
      width: 80,
      height: 60,
      stack: [{ effect: 'grain', amount: 0.2 }],
      engine: { backend: 'webgpu' },
      label: 'Grainy',
    });
    await new Promise((r) => setTimeout(r, 2));
    const v2 = await addVersion(db, {
      workId: w.id,
      image: new Blob(['render 2']),
      thumb: new Blob(['small']),
      width: 8,
      height: 6,
      stack: [],
      engine: { backend: 'wasm' },
    });
    expect((await listVersions(db, w.id)).map((v) => v.id)).toEqual([v2.id, v1.id]);
    const latest = await getLatestImage(db, w.id);
    expect(await latest.blob.text()).toBe('render 2');
    expect(latest).toMatchObject({ versionId: v2.id, width: 8, height: 6 });
    expect(v1).toMatchObject({ label: 'Grainy', stack: [{ effect: 'grain', amount: 0.2 }] });
    expect(v1.thumbBlobId).toBe(v1.blobId);
    expect((await db.blobs.get(v2.blobId))?.sha256).toBe(await sha256Hex(new Blob(['render 2'])));
  });

  it('skips damaged rows instead of failing the whole list', async () => {
    const good = await addWork(db, await newWork('Good'));
    await db.works.put({ id: 'bad', title: 42, tags: 'x', createdAt: 5 } as never);
    expect((await listWorks(db)).map((w) => w.id)).toEqual([good.id]);
  });

  it('a full disk rolls the whole work back and leaves earlier works intact', async () => {
    const first = await addWork(db, await newWork('First'));
    quotaOnCreate(db.works); // the blobs are written first, then the work row fails
    await expect(addWork(db, await newWork('Second'))).rejects.toMatchObject({
      code: 'quota-exceeded',
      message:
        'Storage is full: "Second" was not saved. Nothing was half-written; free some space ' +
        '(delete works or back up and clear) and try again.',
    });
    expect((await listWorks(db)).map((w) => w.id)).toEqual([first.id]);
    expect(await db.blobs.count()).toBe(2);
    expect(await (await getOriginalBlob(db, first.id)).text()).toBe('pixels of First');
  });

  it('a full disk during a version writes nothing', async () => {
    const w = await addWork(db, await newWork('W'));
    quotaOnCreate(db.versions);
    await expect(
      addVersion(db, {
        workId: w.id,
        image: new Blob(['x']),
        width: 1,
        height: 1,
        stack: 0,
        engine: {},
      }),
    ).rejects.toMatchObject({ code: 'quota-exceeded' });
    expect(await db.blobs.count()).toBe(2);
    expect(await db.versions.count()).toBe(0);
  });

  it('tells listeners after each committed change, and never before', async () => {
    const seen: LibraryEvent['type'][] = [];
    const off = onLibraryEvent((e) => seen.push(e.type));
    const w = await addWork(db, await newWork('E'));
    await renameWork(db, w.id, 'F');
    quotaOnCreate(db.works);
    await addWork(db, await newWork('G')).catch(() => undefined);
    off();
    await renameWork(db, w.id, 'H');
    expect(seen).toEqual(['work-added', 'work-updated']);
  });
});
