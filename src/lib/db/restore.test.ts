/** Restore beyond the round trip: progress and cancel, and a restore that asks first (plan, merge, replace). */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { makePng } from '../../../test/fixtures/library/images';
import { newWork } from '../../../test/fixtures/library/new-work';
import { readBackup, zipBackup } from '../../shared/library/backup-format';
import { sha256Hex } from '../../shared/library/hash';
import { collectBackup, deleteSafetyBackup, getSafetyBackup, restoreBackup } from './backup';
import { planRestore, SAFETY_BACKUP_BLOB_ID } from './restore-plan';
import type { AtelierDb } from './schema';
import { addWork, deleteWork, listWorks, purgeDeleted, renameWork, setWorkText } from './works';
import {
  backupBytes,
  blobsOf,
  dropDbs,
  freshDb,
  seed,
  snapshot,
  toBytes,
} from '../../../test/fixtures/library/backup-library';

afterEach(dropDbs);

describe('restore progress and cancel (issue #20, defect 10)', () => {
  /** A backup of `count` works (tiny blobs) made in memory, as the worker hands it over. */
  async function bigBackup(count: number) {
    const source = freshDb();
    const thumb = new Blob([makePng(1, 1)], { type: 'image/webp' });
    for (let i = 0; i < count; i++) {
      const original = new Blob([makePng(1, 1, { noiseSeed: i + 1 })], { type: 'image/png' });
      await addWork(
        source,
        await newWork(original, thumb, { title: `Work ${i}`, width: 1, height: 1, createdAt: i }),
      );
    }
    return readBackup(await backupBytes(source), 'big.zip');
  }

  it('reports progress, chunk by chunk, up to every row written', async () => {
    const read = await bigBackup(300);
    const target = freshDb();
    const seen: { done: number; total: number }[] = [];
    const counts = await restoreBackup(target, read.manifest, blobsOf(read), {
      onProgress: (p) => seen.push(p),
    });
    expect(counts.works).toBe(300);
    const total = seen[0]!.total;
    // 300 works, 300 originals, the thumbnails (one per work id) and no versions.
    expect(total).toBe(300 + read.manifest.blobs.length);
    expect(seen[0]!.done).toBe(0);
    expect(seen.at(-1)).toEqual({ done: total, total });
    expect(seen.length).toBeGreaterThan(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThan(seen[i - 1]!.done);
  });

  it('a cancel part-way writes nothing and rejects as an abort, not a storage error', async () => {
    const read = await bigBackup(300);
    const target = freshDb();
    const [kept] = await seed(target);
    const before = await snapshot(target);
    const controller = new AbortController();
    const restoring = restoreBackup(target, read.manifest, blobsOf(read), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done > 0) controller.abort();
      },
    });
    await expect(restoring).rejects.toMatchObject({ name: 'AbortError' });
    expect(await snapshot(target)).toEqual(before);
    expect((await listWorks(target)).map((w) => w.id)).toContain(kept!.id);
  });

  it('an abort before it starts writes nothing', async () => {
    const read = await bigBackup(3);
    const target = freshDb();
    const controller = new AbortController();
    controller.abort();
    await expect(
      restoreBackup(target, read.manifest, blobsOf(read), { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(await target.works.count()).toBe(0);
    expect(await target.blobs.count()).toBe(0);
  });
});

describe('restore that asks (issue #19, item 4)', () => {
  async function readOf(db: AtelierDb) {
    const read = await readBackup(await backupBytes(db), 'b.zip');
    return { manifest: read.manifest, blobs: blobsOf(read) };
  }

  it('plans before writing: what the backup holds, what is new, newer and already here', async () => {
    const source = freshDb();
    const works = await seed(source);
    await setWorkText(source, works[0]!.id, 'title', 'Rain at noon');
    await setWorkText(source, works[0]!.id, 'caption', 'Wet streets');
    const target = freshDb();
    const first = await readOf(source);
    await restoreBackup(target, first.manifest, first.blobs);
    const before = await snapshot(target);
    // The source edits one work later than the target's copy, and gains a new one.
    await retitle(source, works[1]!.id, 'Été, reworked');
    const { manifest } = await readOf(source);
    manifest.works.push({ ...manifest.works[0]!, id: 'brand-new', title: 'New one', texts: {} });
    const plan = await planRestore(target, manifest);
    expect(plan).toMatchObject({
      holds: { works: 4, versions: 1, texts: 2 },
      works: { new: 1, newer: 1, here: 2 },
      versions: { new: 0, here: 1 },
      onlyInLibrary: 0,
    });
    expect(plan.bytes.toStore).toBe(0);
    expect(plan.bytes.alreadyHere).toBe(plan.holds.bytes);
    // Planning wrote nothing.
    expect(await snapshot(target)).toEqual(before);
  });

  it('merge never overwrites a newer title and never deletes; takes the backup’s newer edits', async () => {
    const source = freshDb();
    const [rain, ete, ink] = await seed(source);
    const target = freshDb();
    const first = await readOf(source);
    await restoreBackup(target, first.manifest, first.blobs);
    // The backup is made now; then the library edits Rain (newer here) and the source edits Ink.
    await new Promise((r) => setTimeout(r, 5));
    await retitle(source, ink!.id, 'Ink study, final');
    const { manifest, blobs } = await readOf(source);
    await new Promise((r) => setTimeout(r, 5));
    await retitle(target, rain!.id, 'Rain, my newer title');
    // A work only the library has, and one taken out of the backup: neither is deleted.
    await addWork(target, await newWorkInput('Only here', 77));
    manifest.works = manifest.works.filter((w) => w.id !== ete!.id);
    manifest.versions = [];
    const counts = await restoreBackup(target, manifest, blobs);
    expect(counts).toMatchObject({ works: 0, versions: 0, updated: 1, alreadyThere: 1 });
    const titles = (await listWorks(target)).map((w) => w.title).sort();
    expect(titles).toEqual(['Ink study, final', 'Only here', 'Rain, my newer title', 'Été 🌧']);
    expect(await target.versions.count()).toBe(1);
    // The newer edit changed only what an artist edits: the image stays the library's.
    const inkHere = await target.works.get(ink!.id);
    expect(inkHere!.originalBlobId).toBe(ink!.originalBlobId);
  });

  it('identical images are not stored twice: same content under other ids reuses the row', async () => {
    const source = freshDb();
    await seed(source);
    const target = freshDb();
    await seed(target); // the same images, imported on their own (other ids)
    const held = await target.blobs.count();
    expect(held).toBe(7);
    const { manifest, blobs } = await readOf(source);
    const plan = await planRestore(target, manifest);
    expect(plan.works.new).toBe(3);
    expect(plan.bytes.toStore).toBe(0);
    const counts = await restoreBackup(target, manifest, blobs);
    expect(counts.works).toBe(3);
    expect(await target.works.count()).toBe(6);
    expect(await target.blobs.count()).toBe(held);
    // Every work's images are there and are the backup's bytes.
    for (const w of manifest.works) {
      const row = await target.works.get(w.id);
      const original = await target.blobs.get(row!.originalBlobId);
      expect(await sha256Hex(original!.blob)).toBe(w.sha256);
    }
    // Deleting a work that shares its images with another keeps the other's images.
    const shared = manifest.works[0]!;
    await deleteWork(target, shared.id);
    await purgeDeleted(target, Date.now() + 1);
    for (const w of await listWorks(target)) {
      expect(await target.blobs.get(w.originalBlobId)).toBeDefined();
      expect(await target.blobs.get(w.thumbBlobId)).toBeDefined();
    }
  });

  it('replace keeps a backup of the library first, then makes the library the backup’s', async () => {
    const source = freshDb();
    const [rain] = await seed(source);
    const target = freshDb();
    const first = await readOf(source);
    await restoreBackup(target, first.manifest, first.blobs);
    await retitle(target, rain!.id, 'Rain, my newer title');
    await addWork(target, await newWorkInput('Only here', 77));
    const asItWas = await snapshot(target);
    const { manifest, blobs } = await readOf(source);
    expect((await planRestore(target, manifest)).onlyInLibrary).toBe(1);

    await expect(restoreBackup(target, manifest, blobs, { mode: 'replace' })).rejects.toThrow(
      'A Replace needs a backup of the library as it is, taken first.',
    );
    expect(await snapshot(target)).toEqual(asItWas);

    const { manifest: mine, files } = await collectBackup(target, { now: 7 });
    const zip = await zipBackup(
      mine,
      files.map((f) => ({ entry: f.entry, read: () => toBytes(f.blob) })),
    );
    await restoreBackup(target, manifest, blobs, {
      mode: 'replace',
      safetyBackup: { zip, works: mine.works.length, at: 7 },
    });
    expect((await listWorks(target)).map((w) => w.title).sort()).toEqual([
      'Ink study',
      'Rain',
      'Été 🌧',
    ]);
    // No image is left over: the library's blobs are the backup's (plus the kept backup).
    const ids = (await target.blobs.toArray()).map((b) => b.id).sort();
    expect(ids).toEqual([...manifest.blobs.map((b) => b.id), SAFETY_BACKUP_BLOB_ID].sort());
    // The kept backup restores the library as it was.
    const kept = await getSafetyBackup(target);
    expect(kept).toMatchObject({ works: 4, at: 7 });
    const again = await readBackup(await toBytes(kept!.zip), 'kept.zip');
    const back = freshDb();
    await restoreBackup(back, again.manifest, blobsOf(again));
    expect((await listWorks(back)).map((w) => w.title).sort()).toEqual([
      'Ink study',
      'Only here',
      'Rain, my newer title',
      'Été 🌧',
    ]);
    await deleteSafetyBackup(target);
    expect(await getSafetyBackup(target)).toBeUndefined();
    expect(await target.blobs.count()).toBe(manifest.blobs.length);
  });
});

async function retitle(db: AtelierDb, id: string, title: string) {
  await renameWork(db, id, title);
}

async function newWorkInput(title: string, seedNo: number) {
  const original = new Blob([makePng(5, 5, { noiseSeed: seedNo })], { type: 'image/png' });
  const thumb = new Blob([makePng(3, 3, { noiseSeed: seedNo })], { type: 'image/webp' });
  return newWork(original, thumb, { title, width: 5, height: 5 });
}
