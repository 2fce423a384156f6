import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePng } from '../../../test/fixtures/library/images';
import { newWork } from '../../../test/fixtures/library/new-work';
import { readBackup, zipBackup, type ReadBackup } from '../../shared/library/backup-format';
import { sha256Hex } from '../../shared/library/hash';
import { devAccount } from '../../../test/chain/dev-account';
import { toCertificate } from '../../shared/registration/certificate';
import { buildRegistration } from '../../shared/registration/typed-data';
import { collectBackup, deleteSafetyBackup, getSafetyBackup, restoreBackup } from './backup';
import { planRestore, SAFETY_BACKUP_BLOB_ID } from './restore-plan';
import { findSimilar, listRegistrations } from './registrations';
import { openDb, type AtelierDb } from './schema';
import {
  addVersion,
  addWork,
  deleteWork,
  listVersions,
  listWorks,
  purgeDeleted,
  renameWork,
  setWorkText,
} from './works';
import { createAlbum, setFlag, setInAlbum, setRating, setWorkTraining } from './organise';

const dbs: AtelierDb[] = [];
let n = 0;
function freshDb(): AtelierDb {
  const db = openDb(`backup-test-${++n}-${Date.now()}`);
  dbs.push(db);
  return db;
}
afterEach(async () => {
  for (const db of dbs.splice(0)) {
    db.close();
    await db.delete();
  }
});

async function seed(db: AtelierDb) {
  const works = [];
  for (const [i, title] of ['Rain', 'Été 🌧', 'Ink study'].entries()) {
    const original = new Blob([makePng(8 + i, 5, { noiseSeed: i + 1 })], { type: 'image/png' });
    const thumb = new Blob([makePng(2, 2)], { type: 'image/webp' });
    works.push(
      await addWork(
        db,
        await newWork(original, thumb, {
          title,
          tags: i ? ['tag', `t${i}`] : [],
          width: 8 + i,
          height: 5,
          palette: ['#aabbcc'],
          createdAt: 1000 + i,
        }),
      ),
    );
  }
  await addVersion(db, {
    workId: works[1]!.id,
    image: new Blob([makePng(4, 4)], { type: 'image/png' }),
    width: 4,
    height: 4,
    stack: [{ effect: 'ink', params: { amount: 0.5, nested: [1, 'two', null] } }],
    engine: { backend: 'wasm', engine: '1' },
    label: 'Inked',
  });
  await db.presets.put({ id: 'p1', name: 'Warm', stack: [], createdAt: 1, updatedAt: 1 });
  await db.drafts.put({ workId: works[0]!.id, stack: [{ effect: 'grain' }], updatedAt: 5 });
  return works;
}

/** A registration row as saveRegistration writes it, signed with anvil's first dev key. */
async function signedRow({ id, title, seed = 1 }: { id: string; title: string; seed?: number }) {
  const account = devAccount();
  const typed = buildRegistration({
    chainId: 31337,
    verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    contentHash: `0x${seed.toString(16).padStart(64, '0')}`,
    perceptualHash: '0x0102030405060708',
    title,
    author: account.address,
    createdAt: 1_767_225_600,
    licenseId: 'CC-BY-4.0',
    nonce: BigInt(seed),
  });
  const signature = await account.signTypedData({ ...typed, message: typed.message });
  const certificate = toCertificate(typed, signature);
  const m = certificate.message;
  return {
    id,
    workId: '',
    contentHash: m.contentHash,
    perceptualHash: m.perceptualHash,
    author: m.author,
    chainId: 31337,
    createdAt: 1,
    certificate,
    title: m.title,
    licenseId: m.licenseId,
  };
}

/** Where a local file header's name starts in a zip (the first occurrence). */
function indexOfName(zip: Uint8Array, name: string): number {
  const needle = strToU8(name);
  outer: for (let i = 0; i + needle.length <= zip.length; i++) {
    for (let j = 0; j < needle.length; j++) if (zip[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error(`${name} not in the zip`);
}

async function toBytes(blob: Blob) {
  return new Uint8Array(await blob.arrayBuffer());
}

async function backupBytes(db: AtelierDb): Promise<Uint8Array> {
  const { manifest, files } = await collectBackup(db, { now: 42 });
  const zip = await zipBackup(
    manifest,
    files.map((f) => ({ entry: f.entry, read: () => toBytes(f.blob) })),
  );
  return toBytes(zip);
}

function blobsOf(read: ReadBackup): Map<string, Blob> {
  const mimes = new Map(read.manifest.blobs.map((b) => [b.id, b.mime]));
  return new Map(
    [...read.blobs].map(([id, bytes]) => [
      id,
      new Blob([bytes as BlobPart], { type: mimes.get(id) }),
    ]),
  );
}

/** Everything a person would call "the library", blobs as SHA-256. */
async function snapshot(db: AtelierDb) {
  const blobs = await db.blobs.toArray();
  return {
    works: await db.works.orderBy('id').toArray(),
    versions: await db.versions.orderBy('id').toArray(),
    presets: await db.presets.toArray(),
    drafts: await db.drafts.toArray(),
    blobs: await Promise.all(
      blobs
        .sort((a, b) => a.id.localeCompare(b.id))
        .map(async (b) => ({
          id: b.id,
          mime: b.mime,
          sha: await sha256Hex(b.blob),
          stored: b.sha256,
        })),
    ),
  };
}

describe('backup and restore', () => {
  let source: AtelierDb;
  beforeEach(() => {
    source = freshDb();
  });

  it('round-trips losslessly: every row equal, every blob hash equal', async () => {
    await seed(source);
    const bytes = await backupBytes(source);
    const read = await readBackup(bytes, 'atelier-backup.zip');
    expect(read.manifest).toMatchObject({
      format: 'atelier-backup',
      formatVersion: 1,
      createdAt: 42,
    });
    const target = freshDb();
    expect(await restoreBackup(target, read.manifest, blobsOf(read))).toEqual({
      works: 3,
      versions: 1,
      registrations: 0,
      updated: 0,
      alreadyThere: 0,
    });
    const before = await snapshot(source);
    const after = await snapshot(target);
    expect(after).toEqual(before);
    for (const b of after.blobs) expect(b.sha).toBe(b.stored);
    expect(after.blobs.length).toBe(7);
  });

  it('keeps ratings, flags, albums (a work in several) and AI training choices; older backups without albums restore', async () => {
    const [rain, ete, ink] = await seed(source);
    await setWorkTraining(source, ete!.id, 'allowed');
    await setWorkTraining(source, ink!.id, 'constrained');
    await setWorkTraining(source, ink!.id, null); // back to the artist's default
    await expect(setWorkTraining(source, rain!.id, 'maybe' as never)).rejects.toMatchObject({
      code: 'invalid-text',
    });
    await setRating(source, rain!.id, 5);
    await setRating(source, ete!.id, 2);
    await setFlag(source, rain!.id, 'pick');
    await setFlag(source, ink!.id, 'reject');
    const sea = await createAlbum(source, 'Sea', 7);
    const show = await createAlbum(source, 'Show', 8);
    await setInAlbum(source, { workId: rain!.id, albumId: sea.id, inAlbum: true });
    await setInAlbum(source, { workId: rain!.id, albumId: show.id, inAlbum: true });
    await setInAlbum(source, { workId: ete!.id, albumId: show.id, inAlbum: true });
    const read = await readBackup(await backupBytes(source), 'atelier-backup.zip');
    const target = freshDb();
    await restoreBackup(target, read.manifest, blobsOf(read));
    expect(await snapshot(target)).toEqual(await snapshot(source));
    expect(await target.albums.orderBy('createdAt').toArray()).toEqual([sea, show]);
    const organised = (await target.works.orderBy('createdAt').toArray()).map((w) => [
      w.title,
      w.rating,
      w.flag,
      w.albumIds,
      w.training,
    ]);
    expect(organised).toEqual([
      ['Rain', 5, 'pick', [sea.id, show.id], undefined],
      ['Été 🌧', 2, undefined, [show.id], 'allowed'],
      ['Ink study', undefined, 'reject', undefined, undefined],
    ]);
    expect(await target.works.where('albumIds').equals(show.id).count()).toBe(2);
    // A backup made before albums existed has no `albums`: it still restores.
    const { albums: _albums, ...older } = read.manifest;
    const fresh = freshDb();
    await expect(restoreBackup(fresh, older, blobsOf(read))).resolves.toEqual({
      works: 3,
      versions: 1,
      registrations: 0,
      updated: 0,
      alreadyThere: 0,
    });
    expect(await fresh.albums.count()).toBe(0);
  });

  it('keeps registrations with the exact PNG that was signed, dropped files included', async () => {
    const works = await seed(source);
    const signed = new Blob([makePng(6, 6, { noiseSeed: 9 })], { type: 'image/png' });
    await source.registrations.bulkPut([
      { ...(await signedRow({ id: 'r1', title: 'One' })), workId: works[0]!.id, png: signed },
      await signedRow({ id: 'r2', title: 'Two' }),
    ] as never);
    const read = await readBackup(await backupBytes(source), 'r.zip');
    const target = freshDb();
    await restoreBackup(target, read.manifest, blobsOf(read));
    const rows = (await target.registrations.orderBy('id').toArray()) as unknown as {
      id: string;
      png?: Blob;
      pngBlobId?: string;
    }[];
    expect(rows.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(rows[0]!.png).toBeInstanceOf(Blob);
    expect(await sha256Hex(rows[0]!.png!)).toBe(await sha256Hex(signed));
    expect(rows[0]!.pngBlobId).toBeUndefined();
    expect(rows[1]!.png).toBeUndefined();
    // The signed PNG travels as a checked file, not as a row of the blobs table.
    expect(await target.blobs.count()).toBe(await source.blobs.count());
  });

  it('leaves works in the undo window out', async () => {
    const works = await seed(source);
    await deleteWork(source, works[0]!.id);
    const read = await readBackup(await backupBytes(source), 'b.zip');
    expect(read.manifest.works.map((w) => w.title).sort()).toEqual(['Ink study', 'Été 🌧']);
    expect(read.manifest.drafts).toEqual([]);
    expect(read.manifest.blobs.length).toBe(5);
  });

  async function refusal(bytes: Uint8Array) {
    try {
      await readBackup(bytes, 'my-backup.zip');
    } catch (error) {
      const e = error as { code: string; message: string };
      return { code: e.code, message: e.message };
    }
    throw new Error('expected a refusal');
  }

  function rezip(bytes: Uint8Array, edit: (files: Record<string, Uint8Array>) => void) {
    const files: Record<string, Uint8Array> = {};
    const entries = Object.entries(unzipSync(bytes));
    for (const [k, v] of entries) files[k] = v;
    edit(files);
    return zipSync(files);
  }

  it('refuses damaged, foreign and newer backups with a reason, writing nothing', async () => {
    await seed(source);
    const good = await backupBytes(source);
    const target = freshDb();
    await seed(target);
    const before = await snapshot(target);
    const manifestOf = (f: Record<string, Uint8Array>) =>
      JSON.parse(new TextDecoder().decode(f['manifest.json']));
    const put = (f: Record<string, Uint8Array>, m: unknown) => {
      f['manifest.json'] = strToU8(JSON.stringify(m));
    };
    const tail = ' Nothing was restored; your library is unchanged.';

    expect(await refusal(strToU8('just text'))).toEqual({
      code: 'backup-foreign',
      message: `"my-backup.zip" is not an Atelier backup (it is not a zip file).${tail}`,
    });
    expect(await refusal(zipSync({ 'photo.jpg': strToU8('x') }))).toEqual({
      code: 'backup-foreign',
      message: `"my-backup.zip" is not an Atelier backup (it has no manifest.json).${tail}`,
    });
    expect(
      await refusal(zipSync({ 'manifest.json': strToU8('{"format":"other"}') })),
    ).toMatchObject({
      code: 'backup-foreign',
    });
    const newer = rezip(good, (f) => put(f, { ...manifestOf(f), formatVersion: 2 }));
    expect(await refusal(newer)).toEqual({
      code: 'backup-newer',
      message:
        '"my-backup.zip" was made by a newer Atelier (backup format 2; this one reads up to 1). ' +
        `Update Atelier, then restore it.${tail}`,
    });
    const truncated = good.subarray(0, good.length - 30);
    expect((await refusal(truncated)).code).toBe('backup-damaged');
    expect((await refusal(truncated)).message).toMatch(
      /^"my-backup.zip" is damaged: it is not a readable zip/,
    );

    const path = (manifestOf(unzipSync(good)) as { blobs: { path: string }[] }).blobs[0]!.path;
    const flipped = rezip(good, (f) => {
      const copy = f[path]!.slice();
      copy[copy.length - 5] ^= 0xff;
      f[path] = copy;
    });
    expect(await refusal(flipped)).toEqual({
      code: 'backup-damaged',
      message: `"my-backup.zip" is damaged: ${path} does not match its SHA-256.${tail}`,
    });
    const missing = rezip(good, (f) => delete f[path]);
    expect(await refusal(missing)).toEqual({
      code: 'backup-damaged',
      message: `"my-backup.zip" is damaged: ${path} is missing.${tail}`,
    });
    const shorter = rezip(good, (f) => (f[path] = f[path]!.subarray(1)));
    expect((await refusal(shorter)).message).toMatch(/has \d+ bytes, the manifest says \d+\./);
    const badTitle = rezip(good, (f) => {
      const m = manifestOf(f);
      m.works[0].title = 'x'.repeat(201);
      put(f, m);
    });
    expect(await refusal(badTitle)).toEqual({
      code: 'backup-damaged',
      message: `"my-backup.zip" is damaged: its manifest is invalid at works.0.title: Invalid length: Expected <=200 but received 201.${tail}`,
    });
    const dangling = rezip(good, (f) => {
      const m = manifestOf(f);
      m.versions[0].workId = 'nobody';
      put(f, m);
    });
    expect((await refusal(dangling)).message).toContain('belongs to no work in it');
    const polluted = rezip(good, (f) => {
      const text = new TextDecoder()
        .decode(f['manifest.json'])
        .replace('{', '{"__proto__":{"x":1},');
      f['manifest.json'] = strToU8(text);
    });
    expect((await refusal(polluted)).message).toContain('forbidden key "__proto__"');

    expect(await snapshot(target)).toEqual(before);
  });

  it('never accepts a mutated backup whose blobs do not match (fuzz)', async () => {
    await seed(source);
    const good = await backupBytes(source);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (flips) => {
          const bytes = good.slice();
          for (const [at, xor] of flips) bytes[at]! ^= xor;
          try {
            const read = await readBackup(bytes, 'f.zip');
            // Accepted: the flips hit bytes no check depends on (timestamps, CRC of a stored
            // entry fflate ignores…); the contents must still be exactly the original ones.
            for (const entry of read.manifest.blobs) {
              expect(await sha256Hex(read.blobs.get(entry.id)! as Uint8Array<ArrayBuffer>)).toBe(
                entry.sha256,
              );
            }
          } catch (error) {
            expect((error as { code?: string }).code).toMatch(/^backup-(damaged|foreign|newer)$/);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  /** A backup of `source` with its manifest edited as an attacker would. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- hostile manifests are untyped on purpose
  async function hostile(edit: (m: Record<string, any>) => void): Promise<Uint8Array> {
    return rezip(await backupBytes(source), (f) => {
      const m = JSON.parse(new TextDecoder().decode(f['manifest.json']));
      edit(m);
      f['manifest.json'] = strToU8(JSON.stringify(m));
    });
  }

  it('defect 2: a forged certificate is left out, never listed; row fields come from the verified certificate', async () => {
    await seed(source);
    const honest = await signedRow({ id: 'honest', title: 'Honest', seed: 2 });
    const forged = await signedRow({ id: 'forged', title: 'Original', seed: 3 });
    forged.certificate.message.title = 'Forged claim';
    forged.title = 'Forged claim';
    await source.registrations.bulkPut([
      // The row lies about its file and claims an anchor; its certificate is genuine.
      {
        ...honest,
        contentHash: `0x${'ab'.repeat(32)}`,
        anchor: { status: 'confirmed', txHash: '0x1' },
      },
      { ...forged, anchor: { status: 'confirmed', txHash: `0x${'cd'.repeat(32)}` } },
    ] as never);
    const read = await readBackup(await backupBytes(source), 'b.zip');
    expect(read.leftOut).toEqual([
      {
        id: 'forged',
        reason:
          'its certificate does not verify: The signature was not made by the author over these fields: the record was changed.',
      },
    ]);
    const target = freshDb();
    const counts = await restoreBackup(target, read.manifest, blobsOf(read));
    expect(counts.registrations).toBe(1);
    const rows = await listRegistrations(target);
    expect(rows.map((r) => r.title)).toEqual(['Honest']);
    expect(rows[0]!.contentHash).toBe(honest.certificate.message.contentHash);
    expect(rows[0]!.anchor).toBeUndefined();
  });

  it('defect 2: malformed registration rows are left out, and Verify still works for every file', async () => {
    await seed(source);
    const bytes = await hostile((m) => {
      m.registrations = [
        { id: 'r1', workId: '' },
        {
          id: 'r2',
          workId: '',
          contentHash: `0x${'00'.repeat(32)}`,
          perceptualHash: 'not-hex',
          author: '0x' + '11'.repeat(20),
          chainId: 1,
          createdAt: 1,
          certificate: {},
        },
        {
          id: 'r3',
          workId: '',
          contentHash: `0x${'00'.repeat(32)}`,
          perceptualHash: '0x0102030405060708',
          author: 5,
          chainId: 1,
          createdAt: 1,
          certificate: {},
        },
      ];
    });
    const read = await readBackup(bytes, 'b.zip');
    expect(read.leftOut.map((l) => l.id)).toEqual(['r1', 'r2', 'r3']);
    expect(read.leftOut[0]!.reason).toMatch(/^it is malformed/);
    const target = freshDb();
    await restoreBackup(target, read.manifest, blobsOf(read));
    expect(await target.registrations.count()).toBe(0);
    await expect(findSimilar(target, '0x0102030405060708')).resolves.toEqual([]);
  });

  it('defect 3: restore never deletes or overwrites, refuses duplicate ids and counts what it added', async () => {
    const works = await seed(source);
    const target = freshDb();
    const good = await readBackup(await backupBytes(source), 'b.zip');
    await restoreBackup(target, good.manifest, blobsOf(good));
    const victim = works[1]!;
    const [version] = await listVersions(target, victim.id);

    // deletedAt on an existing work's id, and a changed copy of an existing version.
    const bytes = await hostile((m) => {
      m.works.find((w: { id: string }) => w.id === victim.id).deletedAt = 1;
      m.works.find((w: { id: string }) => w.id === victim.id).title = 'Overwritten';
      m.versions[0].label = 'Overwritten';
    });
    const read = await readBackup(bytes, 'b.zip');
    const counts = await restoreBackup(target, read.manifest, blobsOf(read));
    expect(counts).toEqual({
      works: 0,
      versions: 0,
      registrations: 0,
      updated: 0,
      alreadyThere: 4,
    });
    await purgeDeleted(target, Date.now() + 1);
    expect((await listWorks(target)).map((w) => w.title).sort()).toEqual([
      'Ink study',
      'Rain',
      'Été 🌧',
    ]);
    expect((await listVersions(target, victim.id)).map((v) => v.label)).toEqual([version!.label]);

    // Into an empty library, a work's delete mark is not restored either.
    const fresh = freshDb();
    await restoreBackup(fresh, read.manifest, blobsOf(read));
    await purgeDeleted(fresh, Date.now() + 1);
    expect((await listWorks(fresh)).length).toBe(3);

    // The same version id twice in one backup is refused before anything is written.
    const twice = await hostile((m) => m.versions.push({ ...m.versions[0], label: 'Twin' }));
    await expect(readBackup(twice, 'b.zip')).rejects.toMatchObject({
      code: 'backup-damaged',
      message:
        '"b.zip" is damaged: a version is listed twice. Nothing was restored; your library is unchanged.',
    });
  });

  it('defect 10: zip entries the manifest does not list are never inflated', async () => {
    await seed(source);
    const good = await backupBytes(source);
    // An entry under blobs/ that the manifest does not name, whose deflate data is invalid
    // (block type 3): inflating it at all would throw, so the backup reading fine proves that
    // nothing unlisted is inflated (a bomb there cost 74 s and several GB before).
    const name = 'blobs/unlisted.png';
    const zip = zipSync({ ...unzipSync(good), [name]: [new Uint8Array(4096), { level: 9 }] });
    const at = indexOfName(zip, name) + name.length;
    zip.fill(0xff, at, at + 8);
    const read = await readBackup(zip, 'b.zip');
    expect(read.blobs.size).toBe(read.manifest.blobs.length);
    expect(read.blobs.has('unlisted')).toBe(false);
  });

  it('a backup of an empty library restores to an empty library', async () => {
    const read = await readBackup(await backupBytes(source), 'e.zip');
    const target = freshDb();
    await restoreBackup(target, read.manifest, blobsOf(read));
    expect(await listWorks(target)).toEqual([]);
  });
});

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
