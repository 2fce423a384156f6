import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { clearDraft, latestDraft, loadDraft, saveDraft } from './drafts';
import { deletePreset, getPreset, listPresets, renamePreset, savePreset } from './presets';
import { openDb, type AtelierDb } from './schema';
import type { EffectStack } from '../../shared/effects/types';

let n = 0;
let db: AtelierDb | undefined;
const fresh = () => (db = openDb(`test-render-store-${++n}-${Date.now()}`));
afterEach(async () => {
  if (db) await db.delete();
  db = undefined;
});

const STACK: EffectStack = {
  effects: [
    { id: 'a', effectId: 'exposure', enabled: true, params: { ev: 0.5 } },
    { id: 'b', effectId: 'curve', enabled: false, params: { points: [0, 0, 0.5, 0.6, 1, 1] } },
  ],
};

describe('presets', () => {
  it('saves, lists by name, renames and deletes', async () => {
    const db = fresh();
    const warm = await savePreset(db, { name: '  Warm   film ', stack: STACK });
    await savePreset(db, { name: 'Cool', stack: { effects: [] } });
    expect(warm.name).toBe('Warm film');
    expect((await listPresets(db)).map((p) => p.name)).toEqual(['Cool', 'Warm film']);
    expect((await getPreset(db, warm.id)).stack).toEqual(STACK);
    const renamed = await renamePreset(db, warm.id, 'Amber');
    expect(renamed.name).toBe('Amber');
    expect(renamed.stack).toEqual(STACK);
    expect((await listPresets(db)).map((p) => p.name)).toEqual(['Amber', 'Cool']);
    await deletePreset(db, warm.id);
    expect((await listPresets(db)).map((p) => p.name)).toEqual(['Cool']);
  });

  it('keeps its own copy of the stack', async () => {
    const db = fresh();
    const stack = structuredClone(STACK);
    const saved = await savePreset(db, { name: 'Copy', stack });
    stack.effects[0]!.params.ev = 3;
    expect((await getPreset(db, saved.id)).stack.effects[0]!.params.ev).toBe(0.5);
  });

  it('refuses empty and over-long names, and missing presets, with clear messages', async () => {
    const db = fresh();
    await expect(
      savePreset(db, { name: '   ', stack: STACK }),
    ).rejects.toThrowErrorMatchingInlineSnapshot(`[RenderRoomError: A preset needs a name.]`);
    await expect(savePreset(db, { name: 'x'.repeat(81), stack: STACK })).rejects.toMatchObject({
      code: 'invalid-preset-name',
    });
    await expect(renamePreset(db, 'nope', 'A')).rejects.toThrowErrorMatchingInlineSnapshot(
      `[RenderRoomError: That preset no longer exists.]`,
    );
    await expect(getPreset(db, 'nope')).rejects.toMatchObject({ code: 'preset-not-found' });
  });

  it('skips a damaged row in the list and names it when opened', async () => {
    const db = fresh();
    await db.presets.add({
      id: 'bad',
      name: 'Broken',
      stack: 'nonsense',
      createdAt: 1,
      updatedAt: 1,
    });
    expect(await listPresets(db)).toEqual([]);
    await expect(getPreset(db, 'bad')).rejects.toThrowErrorMatchingInlineSnapshot(
      `[RenderRoomError: The preset “Broken” is damaged.]`,
    );
  });
});

describe('drafts', () => {
  it('saves as it changes (last write wins), loads, finds the latest, clears', async () => {
    const db = fresh();
    expect(await loadDraft(db, 'w1')).toBeNull();
    await saveDraft(db, { workId: 'w1', stack: { effects: [] }, now: 10 });
    await saveDraft(db, { workId: 'w1', stack: STACK, versionId: 'v1', now: 20 });
    await saveDraft(db, { workId: 'w2', stack: { effects: [] }, now: 15 });
    expect(await loadDraft(db, 'w1')).toEqual({
      workId: 'w1',
      stack: STACK,
      versionId: 'v1',
      updatedAt: 20,
    });
    expect((await latestDraft(db))?.workId).toBe('w1');
    await clearDraft(db, 'w1');
    expect(await loadDraft(db, 'w1')).toBeNull();
    expect((await latestDraft(db))?.workId).toBe('w2');
  });

  it('treats an unreadable draft as none', async () => {
    const db = fresh();
    await db.drafts.put({ workId: 'w', stack: 42, updatedAt: 1 });
    expect(await loadDraft(db, 'w')).toBeNull();
  });
});
