import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDb, type AtelierDb } from './schema';
import { parseEventRow, validateEvent, type TrackInput } from './event-types';
import { applyRetention, EventRecorder } from './events';
import { dayKey, type InsightRollup } from './rollups';

let n = 0;
const dbs: AtelierDb[] = [];
function freshDb(): AtelierDb {
  const db = openDb(`events-test-${Date.now()}-${n++}`);
  dbs.push(db);
  return db;
}
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.delete();
});

const T0 = new Date(2026, 2, 10, 12, 0, 0).getTime(); // 10 March 2026, local noon
const DAY = 86_400_000;
const quiet = { log: () => {} };

describe('validateEvent', () => {
  it('accepts each type with its fields and drops nothing it knows', () => {
    const finished = {
      type: 'render.finished',
      at: T0,
      megapixels: 2,
      ms: 500,
      backend: 'webgpu',
      adapter: 'software (google swiftshader)',
    };
    expect(validateEvent({ ...finished })).toEqual(finished);
  });

  it('refuses unknown types, missing or mistyped fields, extra fields and bad times', () => {
    expect(validateEvent({ type: 'future.thing', at: T0 })).toBe('unknown-type');
    expect(validateEvent({ type: 'render.finished', at: T0, ms: 1, backend: 'wasm' })).toBe(
      'corrupt',
    );
    expect(
      validateEvent({ type: 'render.finished', at: T0, megapixels: '2', ms: 1, backend: 'x' }),
    ).toBe('corrupt');
    expect(validateEvent({ type: 'work.deleted', at: T0, workId: 'w', colour: 'red' })).toBe(
      'corrupt',
    );
    expect(validateEvent({ type: 'work.deleted', at: Number.NaN, workId: 'w' })).toBe('corrupt');
    expect(
      validateEvent({ type: 'intervention', at: T0, after: 'auto-colour', action: 'shouted' }),
    ).toBe('corrupt');
    expect(validateEvent({ type: 'work.imported', at: T0, workId: 'w', palette: ['#12345'] })).toBe(
      'corrupt',
    );
    expect(validateEvent(null)).toBe('corrupt');
    expect(validateEvent('work.deleted')).toBe('corrupt');
  });

  it('reads rows back, skipping corrupt ones', () => {
    expect(parseEventRow({ id: 3, type: 'work.deleted', at: T0, workId: 'w' })).toEqual({
      id: 3,
      type: 'work.deleted',
      at: T0,
      workId: 'w',
    });
    expect(parseEventRow({ id: 4, type: 'work.deleted', at: T0, workId: 'w', data: 5 })).toBe(
      'corrupt',
    );
    expect(parseEventRow({ id: 5, type: 'v9.sparkle', at: T0, data: { x: 1 } })).toBe(
      'unknown-type',
    );
  });
});

describe('EventRecorder', () => {
  it('never throws into the caller: bad events are counted and logged', () => {
    const db = freshDb();
    const log = vi.fn();
    const rec = new EventRecorder(db, { log });
    expect(() => rec.track(null as unknown as TrackInput)).not.toThrow();
    expect(rec.track({ type: 'nope' } as unknown as TrackInput)).toBe(false);
    expect(rec.track({ type: 'work.deleted' } as unknown as TrackInput)).toBe(false);
    expect(rec.track({ type: 'work.deleted', workId: 'w1' })).toBe(true);
    expect(rec.stats).toMatchObject({ tracked: 1, rejected: 3 });
    expect(log).toHaveBeenCalledTimes(3);
    expect(log.mock.calls[1]![0]).toBe('event refused (unknown-type)');
  });

  it('writes a burst in one transaction per batch, not one per event', async () => {
    const db = freshDb();
    const rec = new EventRecorder(db, { flushAt: 100_000, ...quiet });
    const spy = vi.spyOn(db, 'transaction');
    for (let i = 0; i < 1200; i++) rec.track({ type: 'session.started', at: T0 + i });
    expect(rec.pending).toBe(1200);
    await rec.flush();
    expect(rec.pending).toBe(0);
    expect(await db.events.count()).toBe(1200);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(rec.stats).toMatchObject({ written: 1200, flushes: 1, failed: 0 });
  });

  it('flushes by itself after its delay, and at once when the queue is long', async () => {
    const db = freshDb();
    const rec = new EventRecorder(db, { flushDelayMs: 20, flushAt: 50, ...quiet });
    rec.track({ type: 'session.started' });
    await vi.waitFor(async () => expect(await db.events.count()).toBe(1));
    const slow = new EventRecorder(db, { flushDelayMs: 60_000, flushAt: 50, ...quiet });
    for (let i = 0; i < 50; i++) slow.track({ type: 'session.started' });
    await vi.waitFor(async () => expect(await db.events.count()).toBe(51));
  });

  it('flushes on pagehide and when the tab is hidden', async () => {
    const db = freshDb();
    const rec = new EventRecorder(db, { flushDelayMs: 60_000, ...quiet });
    const win = new EventTarget() as EventTarget & {
      document: EventTarget & { visibilityState: string };
    };
    win.document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const detach = rec.attachLifecycle(win as unknown as Window);
    rec.track({ type: 'session.started' });
    win.document.dispatchEvent(new Event('visibilitychange'));
    await new Promise((r) => setTimeout(r, 20));
    expect(rec.pending).toBe(1); // still visible: nothing flushed
    win.document.visibilityState = 'hidden';
    win.document.dispatchEvent(new Event('visibilitychange'));
    await vi.waitFor(async () => expect(await db.events.count()).toBe(1));
    rec.track({ type: 'session.ended', activeMs: 10 });
    win.dispatchEvent(new Event('pagehide'));
    await vi.waitFor(async () => expect(await db.events.count()).toBe(2));
    detach();
  });

  it('keeps rollups equal to a direct count across many flushes', async () => {
    const db = freshDb();
    const rec = new EventRecorder(db, { flushAt: 1e9, ...quiet });
    const events: TrackInput[] = [];
    const effects = ['exposure', 'curves', 'grain', 'vignette'];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 900; i++) {
      const at = T0 + Math.floor(rand() * 20) * DAY + Math.floor(rand() * 3600_000);
      const k = i % 6;
      if (k === 0)
        events.push({ type: 'work.imported', at, workId: `w${i}`, palette: ['#aabbcc'] });
      if (k === 1)
        events.push({
          type: 'effect.added',
          at,
          effectId: effects[i % 4]!,
          automatic: i % 5 === 0,
        });
      if (k === 2)
        events.push({
          type: 'render.finished',
          at,
          megapixels: 1 + (i % 3),
          ms: 100 + i,
          backend: i % 2 ? 'webgpu' : 'wasm',
        });
      if (k === 3) events.push({ type: 'session.active', at, activeMs: 1000 + i });
      if (k === 4)
        events.push({
          type: 'intervention',
          at,
          workId: `w${i - 4}`,
          after: 'auto-colour',
          action: 'undo',
        });
      if (k === 5)
        events.push({
          type: 'text.generated',
          at,
          model: 'tiny',
          generator: 'caption',
          tokens: 20,
          ttftMs: 30,
          tokensPerSecond: 10 + (i % 7),
          kept: i % 2 === 0,
        });
    }
    for (let i = 0; i < events.length; i++) {
      rec.track(events[i]!);
      if (i % 97 === 0) await rec.flush(); // many small flushes, merging into the same days
    }
    await rec.flush();
    const rollups = (await db.rollups.toArray()) as InsightRollup[];
    const days = rollups.filter((r) => r.metric === 'day');
    const total = (key: string) => days.reduce((a, r) => a + (r.extra?.[key] ?? 0), 0);

    // Direct counts from the inputs.
    const of = (t: string) => events.filter((e) => e.type === t);
    expect(days.reduce((a, r) => a + r.count, 0)).toBe(events.length);
    expect(total('t:work.imported')).toBe(of('work.imported').length);
    expect(days.reduce((a, r) => a + r.sum, 0)).toBe(
      of('session.active').reduce((a, e) => a + (e as { activeMs: number }).activeMs, 0),
    );
    for (const id of effects) {
      expect(total(`e:${id}`)).toBe(
        events.filter((e) => e.type === 'effect.added' && e.effectId === id).length,
      );
      expect(total(`ea:${id}`)).toBe(
        events.filter((e) => e.type === 'effect.added' && e.effectId === id && e.automatic).length,
      );
    }
    const renders = of('render.finished') as { ms: number; megapixels: number; backend: string }[];
    const webgpu = renders.filter((r) => r.backend === 'webgpu');
    expect(total('r:webgpu:n')).toBe(webgpu.length);
    expect(total('r:webgpu:ms')).toBe(webgpu.reduce((a, r) => a + r.ms, 0));
    expect(total('r:webgpu:mp')).toBe(webgpu.reduce((a, r) => a + r.megapixels, 0));
    expect(total('x:tiny:kept')).toBe(
      of('text.generated').filter((e) => 'kept' in e && e.kept).length,
    );
    const interventions = days
      .flatMap((r) => Object.entries(r.extra ?? {}))
      .filter(([k]) => k.startsWith('i:'))
      .reduce((a, [, v]) => a + v, 0);
    expect(interventions).toBe(of('intervention').length);
    const works = rollups.filter((r) => r.metric === 'palettes').flatMap((r) => r.works ?? []);
    expect(works.map((w) => w.workId).sort()).toEqual(
      of('work.imported')
        .map((e) => (e as { workId: string }).workId)
        .sort(),
    );
    // Each day's row matches a count of that day's events, and there are at most two rows a day.
    for (const row of days) {
      expect(row.count).toBe(events.filter((e) => dayKey(e.at!) === row.day).length);
    }
    expect(rollups.length).toBeLessThanOrEqual(2 * days.length);
  });

  it('drops the queue on clear (delete-all) without writing it', async () => {
    const db = freshDb();
    const rec = new EventRecorder(db, { flushDelayMs: 60_000, ...quiet });
    rec.track({ type: 'session.started' });
    await rec.clear();
    await rec.flush();
    expect(await db.events.count()).toBe(0);
  });

  it('counts a failed write and keeps working', async () => {
    const db = freshDb();
    const log = vi.fn();
    const rec = new EventRecorder(db, { log });
    const spy = vi.spyOn(db, 'transaction').mockRejectedValue(new Error('QuotaExceededError'));
    rec.track({ type: 'session.started' });
    await expect(rec.flush()).resolves.toBeUndefined();
    expect(rec.stats).toMatchObject({ failed: 1, written: 0 });
    expect(log).toHaveBeenCalledWith('could not store 1 events', expect.any(Error));
    spy.mockRestore();
    rec.track({ type: 'session.started' });
    await rec.flush();
    expect(rec.stats).toMatchObject({ failed: 1, written: 1 });
  });
});

describe('applyRetention', () => {
  it('deletes raw events older than N days and keeps their rollups', async () => {
    const db = freshDb();
    const rec = new EventRecorder(db, quiet);
    const now = T0 + 400 * DAY;
    for (let d = 0; d < 400; d += 10)
      rec.track({ type: 'work.deleted', workId: `w${d}`, at: T0 + d * DAY });
    await rec.flush();
    const before = await db.rollups.toArray();
    const deleted = await applyRetention(db, 100, now);
    const cutoff = now - 100 * DAY;
    const expectedKept = Array.from({ length: 40 }, (_, i) => T0 + i * 10 * DAY).filter(
      (at) => at >= cutoff,
    ).length;
    expect(deleted).toBe(40 - expectedKept);
    expect(await db.events.count()).toBe(expectedKept);
    expect((await db.events.toArray()).every((e) => e.at >= cutoff)).toBe(true);
    expect(await db.rollups.toArray()).toEqual(before);
  });
});
