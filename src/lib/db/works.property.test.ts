/**
 * Model-based test: random sequences of add / rename / tag / delete / undo / purge / backup-and-
 * restore run against the real storage layer (Dexie on fake-indexeddb) and a plain Map; after
 * every command both must agree, and no blob may be orphaned or missing.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBackup, zipBackup } from '../../shared/library/backup-format';
import { newWork } from '../../../test/fixtures/library/new-work';
import { checkTitle } from '../../shared/library/text';
import { collectBackup, restoreBackup } from './backup';
import { openDb, type AtelierDb } from './schema';
import {
  addWork,
  deleteWork,
  getOriginalBlob,
  listWorks,
  purgeDeleted,
  renameWork,
  setTags,
  undeleteWork,
} from './works';

interface ModelWork {
  title: string;
  tags: string[];
  deleted: boolean;
  content: string;
}
type Model = { works: Map<string, ModelWork> };
type Real = { db: AtelierDb; opened: AtelierDb[] };
let dbCount = 0;
const open = (real: Real) => {
  const db = openDb(`property-${Date.now()}-${++dbCount}`);
  real.opened.push(db);
  return db;
};

const pick = (model: Model, index: number, deleted?: boolean) => {
  const ids = [...model.works.entries()]
    .filter(([, w]) => deleted === undefined || w.deleted === deleted)
    .map(([id]) => id)
    .sort();
  return ids.length ? ids[index % ids.length] : undefined;
};

async function agree(model: Model, real: Real) {
  const all = await listWorks(real.db, { includeDeleted: true });
  expect(new Set(all.map((w) => w.id))).toEqual(new Set(model.works.keys()));
  for (const w of all) {
    const m = model.works.get(w.id)!;
    expect({ title: w.title, tags: w.tags, deleted: w.deletedAt !== undefined }).toEqual({
      title: m.title,
      tags: m.tags,
      deleted: m.deleted,
    });
    expect(await (await getOriginalBlob(real.db, w.id)).text()).toBe(m.content);
  }
  expect(await real.db.blobs.count()).toBe(all.length * 2);
  const visible = (await listWorks(real.db)).map((w) => w.id).sort();
  expect(visible).toEqual(
    [...model.works]
      .filter(([, w]) => !w.deleted)
      .map(([id]) => id)
      .sort(),
  );
}

class Add implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly title: string,
    readonly content: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const original = new Blob([this.content]);
    const thumb = new Blob([`t:${this.content}`]);
    const check = checkTitle(this.title);
    const attempt = addWork(
      real.db,
      await newWork(original, thumb, { title: this.title, width: 1, height: 1 }),
    );
    if (!check.ok) {
      await expect(attempt).rejects.toMatchObject({ code: 'invalid-text' });
    } else {
      const work = await attempt;
      model.works.set(work.id, {
        title: check.value,
        tags: [],
        deleted: false,
        content: this.content,
      });
    }
    await agree(model, real);
  }
  toString = () => `add(${JSON.stringify(this.title)})`;
}

class Rename implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly index: number,
    readonly title: string,
  ) {}
  check = (m: Readonly<Model>) => m.works.size > 0;
  async run(model: Model, real: Real) {
    const id = pick(model, this.index)!;
    const check = checkTitle(this.title);
    if (check.ok) {
      await renameWork(real.db, id, this.title);
      model.works.get(id)!.title = check.value;
    } else {
      await expect(renameWork(real.db, id, this.title)).rejects.toMatchObject({
        code: 'invalid-text',
      });
    }
    await agree(model, real);
  }
  toString = () => `rename(${this.index}, ${JSON.stringify(this.title)})`;
}

class Tag implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly index: number,
    readonly tags: string[],
  ) {}
  check = (m: Readonly<Model>) => m.works.size > 0;
  async run(model: Model, real: Real) {
    const id = pick(model, this.index)!;
    const work = await setTags(real.db, id, this.tags);
    model.works.get(id)!.tags = work.tags;
    expect(work.tags.length).toBeLessThanOrEqual(this.tags.length);
    await agree(model, real);
  }
  toString = () => `tag(${this.index}, ${JSON.stringify(this.tags)})`;
}

class Delete implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => pick(m as Model, 0, false) !== undefined;
  async run(model: Model, real: Real) {
    const id = pick(model, this.index, false)!;
    await deleteWork(real.db, id);
    model.works.get(id)!.deleted = true;
    await agree(model, real);
  }
  toString = () => `delete(${this.index})`;
}

class Undo implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => pick(m as Model, 0, true) !== undefined;
  async run(model: Model, real: Real) {
    const id = pick(model, this.index, true)!;
    await undeleteWork(real.db, id);
    model.works.get(id)!.deleted = false;
    await agree(model, real);
  }
  toString = () => `undo(${this.index})`;
}

class Purge implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    await purgeDeleted(real.db, Number.MAX_SAFE_INTEGER);
    for (const [id, w] of model.works) if (w.deleted) model.works.delete(id);
    await agree(model, real);
  }
  toString = () => 'purge()';
}

class BackupRestore implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real) {
    const { manifest, files } = await collectBackup(real.db);
    const zip = await zipBackup(
      manifest,
      files.map((f) => ({
        entry: f.entry,
        read: async () => new Uint8Array(await f.blob.arrayBuffer()),
      })),
    );
    const read = await readBackup(new Uint8Array(await zip.arrayBuffer()), 'p.zip');
    const target = open(real);
    await restoreBackup(
      target,
      read.manifest,
      new Map([...read.blobs].map(([id, bytes]) => [id, new Blob([bytes as BlobPart])])),
    );
    real.db = target;
    // Works in the undo window are not backed up.
    for (const [id, w] of model.works) if (w.deleted) model.works.delete(id);
    await agree(model, real);
  }
  toString = () => 'backup-restore()';
}

const title = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(' ', '\u202e', 'a'.repeat(201), '<img src=x onerror=alert(1)>'),
);

describe('storage layer against a model', () => {
  it('agrees after every random sequence of commands', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(
          [
            fc.tuple(title, fc.string({ maxLength: 20 })).map(([t, c]) => new Add(t, c)),
            fc.tuple(fc.nat(), title).map(([i, t]) => new Rename(i, t)),
            fc
              .tuple(fc.nat(), fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }))
              .map(([i, t]) => new Tag(i, t)),
            fc.nat().map((i) => new Delete(i)),
            fc.nat().map((i) => new Undo(i)),
            fc.constant(new Purge()),
            fc.constant(new BackupRestore()),
          ],
          { maxCommands: 15 },
        ),
        async (commands) => {
          const real: Real = { db: undefined as unknown as AtelierDb, opened: [] };
          real.db = open(real);
          try {
            await fc.asyncModelRun(() => ({ model: { works: new Map() }, real }), commands);
          } finally {
            for (const db of real.opened) {
              db.close();
              await db.delete();
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
