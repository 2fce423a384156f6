import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type AtelierDb } from './schema';
import { type TrackInput } from './event-types';
import { EventRecorder } from './events';
import { dayKey } from './rollups';
import { getRetentionDays, runRetention, setRetentionDays } from './events';
import {
  addDays,
  computeStreaks,
  deleteAllAnalytics,
  loadInsights,
  scanRawEvents,
  weekOf,
} from './insights';
import {
  exportAnalytics,
  exportToCsv,
  exportToJson,
  parseCsvExport,
  parseCsvRecords,
  parseJsonExport,
} from './insights-export';

let n = 0;
const dbs: AtelierDb[] = [];
function freshDb(): AtelierDb {
  const db = openDb(`insights-test-${Date.now()}-${n++}`);
  dbs.push(db);
  return db;
}
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.delete();
});

const T0 = new Date(2026, 2, 2, 10, 0, 0).getTime(); // Monday 2 March 2026, local
const DAY = 86_400_000;
const quiet = { log: () => {} };

/** A small, varied practice over three weeks. */
function practice(): TrackInput[] {
  const at = (d: number, h = 0) => T0 + d * DAY + h * 3600_000;
  return [
    { type: 'session.started', at: at(0) },
    { type: 'work.imported', at: at(0, 1), workId: 'a', palette: ['#112233', '#aabbcc'] },
    { type: 'effect.added', at: at(0, 2), workId: 'a', effectId: 'curves', automatic: true },
    { type: 'intervention', at: at(0, 2), workId: 'a', after: 'auto-colour', action: 'undo' },
    { type: 'render.finished', at: at(0, 3), megapixels: 2, ms: 400, backend: 'webgpu' },
    { type: 'render.finished', at: at(1, 3), megapixels: 4, ms: 1200, backend: 'wasm' },
    { type: 'session.active', at: at(0, 4), activeMs: 600_000 },
    { type: 'work.imported', at: at(1), workId: 'b', palette: ['#ff0000'] },
    { type: 'effect.added', at: at(1, 1), workId: 'b', effectId: 'grain', automatic: false },
    {
      type: 'effect.changed',
      at: at(1, 1),
      workId: 'b',
      effectId: 'grain',
      automatic: false,
      params: { amount: 0.3 },
    },
    { type: 'effect.added', at: at(2), workId: 'b', effectId: 'curves', automatic: false },
    {
      type: 'text.generated',
      at: at(2),
      workId: 'b',
      model: 'smol',
      generator: 'caption',
      tokens: 40,
      ttftMs: 200,
      tokensPerSecond: 20,
      kept: true,
    },
    {
      type: 'text.generated',
      at: at(2, 1),
      model: 'smol',
      generator: 'alt',
      tokens: 10,
      ttftMs: 100,
      tokensPerSecond: 30,
      kept: false,
    },
    { type: 'intervention', at: at(2, 2), workId: 'b', after: 'generated-text', action: 'edited' },
    {
      type: 'intervention',
      at: at(2, 3),
      workId: 'b',
      after: 'suggested-look',
      action: 'param-changed',
    },
    { type: 'session.active', at: at(2, 4), activeMs: 300_000 },
    { type: 'work.imported', at: at(15), workId: 'c' },
    { type: 'work.exported', at: at(15, 1), workId: 'c', format: 'png' },
    { type: 'registration.signed', at: at(16), workId: 'c' },
    { type: 'session.active', at: at(16), activeMs: 60_000 },
  ];
}

async function seeded(events = practice()) {
  const db = freshDb();
  const rec = new EventRecorder(db, quiet);
  // Two flushes, so rollups are merged incrementally, not written once.
  events.forEach((e, i) => {
    rec.track(e);
    if (i === 7) void rec.flush();
  });
  await rec.flush();
  return { db, rec };
}

describe('days, weeks, streaks', () => {
  it('finds Monday and steps across month and DST changes', () => {
    expect(weekOf('2026-03-04')).toBe('2026-03-02');
    expect(weekOf('2026-03-01')).toBe('2026-02-23');
    expect(addDays('2026-03-28', 3)).toBe('2026-03-31');
    expect(addDays('2026-10-24', 2)).toBe('2026-10-26');
  });

  it('counts current and longest streaks; a streak survives until the next day ends', () => {
    const days = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-10', '2026-01-11'];
    expect(computeStreaks(days, '2026-01-11')).toEqual({
      current: 2,
      longest: 3,
      lastActiveDay: '2026-01-11',
    });
    expect(computeStreaks(days, '2026-01-12').current).toBe(2);
    expect(computeStreaks(days, '2026-01-13').current).toBe(0);
    expect(computeStreaks([], '2026-01-13')).toEqual({
      current: 0,
      longest: 0,
      lastActiveDay: null,
    });
  });
});

describe('loadInsights', () => {
  it('gives, from rollups, exactly what a scan of every raw event gives', async () => {
    const { db } = await seeded();
    const today = dayKey(T0 + 16 * DAY);
    const fromRollups = await loadInsights(db, {}, today);
    const fromScan = await scanRawEvents(db, {}, today);
    expect(fromRollups).toEqual(fromScan);

    expect(fromRollups.totals).toEqual({
      events: 20,
      worksImported: 3,
      worksExported: 1,
      activeMs: 960_000,
      renders: 2,
      texts: 2,
      textsKept: 1,
      interventions: 3,
      registrations: 1,
    });
    expect(fromRollups.worksPerWeek).toEqual([
      { week: '2026-03-02', count: 2 },
      { week: '2026-03-09', count: 0 },
      { week: '2026-03-16', count: 1 },
    ]);
    expect(fromRollups.topEffects).toEqual([
      { effectId: 'curves', count: 2, automatic: 1 },
      { effectId: 'grain', count: 1, automatic: 0 },
    ]);
    expect(fromRollups.renderByBackend.map((b) => [b.backend, b.msPerMp])).toEqual([
      ['wasm', 300],
      ['webgpu', 200],
    ]);
    expect(fromRollups.textByModel).toEqual([
      { model: 'smol', runs: 2, tokens: 50, tokensPerSecond: 25, ttftMs: 150, kept: 1 },
    ]);
    expect(fromRollups.palettes.map((p) => [p.workId, p.colors])).toEqual([
      ['a', ['#112233', '#aabbcc']],
      ['b', ['#ff0000']],
      ['c', []],
    ]);
    expect(fromRollups.interventionsByWork).toEqual([
      { workId: 'a', count: 1, day: '2026-03-02' },
      { workId: 'b', count: 2, day: '2026-03-03' },
    ]);
    expect(fromRollups.streaks).toEqual({ current: 2, longest: 3, lastActiveDay: '2026-03-18' });
    expect(fromRollups.activePerDay).toHaveLength(17);
    expect(fromRollups.empty).toBe(false);
  });

  it('filters by a date range (streaks stay whole-history)', async () => {
    const { db } = await seeded();
    const today = dayKey(T0 + 16 * DAY);
    const week1 = await loadInsights(db, { from: '2026-03-02', to: '2026-03-08' }, today);
    expect(week1.totals.worksImported).toBe(2);
    expect(week1.totals.registrations).toBe(0);
    expect(week1.activePerDay).toHaveLength(7);
    expect(week1.streaks.longest).toBe(3);
    expect(week1).toEqual(await scanRawEvents(db, { from: '2026-03-02', to: '2026-03-08' }, today));
    const none = await loadInsights(db, { from: '2027-01-01', to: '2027-01-31' }, today);
    expect(none.empty).toBe(true);
    expect(none.worksPerWeek.every((w) => w.count === 0)).toBe(true);
  });

  it('is empty, not broken, for a new artist', async () => {
    const db = freshDb();
    const data = await loadInsights(db, {}, '2026-03-02');
    expect(data.empty).toBe(true);
    expect(data.from).toBe('2026-03-02');
    expect(data.topEffects).toEqual([]);
    expect(data.streaks.current).toBe(0);
    // Opening the studio (session events) is not yet "work".
    const { db: db2 } = await seeded([
      { type: 'session.started', at: T0 },
      { type: 'session.active', at: T0, activeMs: 5000 },
    ]);
    const sessionsOnly = await loadInsights(db2, {}, dayKey(T0));
    expect(sessionsOnly.empty).toBe(true);
    expect(sessionsOnly.totals.activeMs).toBe(5000);
  });

  it('skips and counts corrupt rollup rows and unknown or corrupt raw events', async () => {
    const { db } = await seeded();
    const today = dayKey(T0 + 16 * DAY);
    const good = await loadInsights(db, {}, today);
    await db.rollups.bulkPut([
      { key: '2026-03-03|day', day: '2026-03-03', metric: 'day', count: NaN, sum: 0, extra: {} },
      { key: 'x|y', day: 'yesterday', metric: 'y', count: 1, sum: 1 },
    ]);
    await db.events.bulkAdd([
      { type: 'hologram.projected', at: T0, data: { x: 1 } },
      { type: 'render.finished', at: T0, data: { ms: 'fast' } },
    ]);
    const read = await loadInsights(db, {}, today);
    expect(read.skipped).toBe(2);
    // The corrupt row replaced day 2's: its events are no longer counted.
    expect(read.totals.events).toBe(good.totals.events - 4);
    const scan = await scanRawEvents(db, {}, today);
    expect(scan.skipped).toBe(2);
    expect(scan.totals.events).toBe(20);
  });
});

describe('export', () => {
  it('round-trips through JSON and CSV, skipping and counting bad rows', async () => {
    const { db } = await seeded();
    await setRetentionDays(db, 90, T0 + 20 * DAY);
    await db.events.bulkAdd([
      { type: 'v2.newthing', at: T0, data: { a: 1 } },
      { type: 'work.deleted', at: T0, workId: 5 as unknown as string },
    ]);
    const data = await exportAnalytics(db, 1234);
    expect(data.events).toHaveLength(20);
    expect(data.skipped).toEqual({ unknownType: 1, corrupt: 1 });
    expect(data.retentionDays).toBe(90);
    expect(data.rollups.length).toBe(await db.rollups.count());

    expect(parseJsonExport(exportToJson(data))).toEqual(data);
    const csv = exportToCsv(data);
    expect(csv.split('\r\n')[0]).toBe('record,id,type,at,workId,day,metric,count,sum,data');
    expect(parseCsvExport(csv)).toEqual(data);
  });

  it('quotes commas, quotes and newlines in CSV cells', () => {
    expect(parseCsvRecords('a,"b,c","d ""e""\nf"\r\n1,,3\n')).toEqual([
      ['a', 'b,c', 'd "e"\nf'],
      ['1', '', '3'],
    ]);
  });

  it('refuses files that are not an export, with its code', () => {
    expect(() => parseJsonExport('{"format":"other","events":[],"rollups":[]}')).toThrowError(
      'This file is not an Atelier analytics export.',
    );
    expect(() => parseJsonExport('nope')).toThrowError('This file is not valid JSON.');
    expect(() => parseCsvExport('a,b\n')).toThrowError(
      'This CSV file is not an Atelier analytics export.',
    );
    try {
      parseCsvExport('record,id,type,at,workId,day,metric,count,sum,data\n"oops');
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('insights-bad-export');
    }
  });

  it('skips and counts a corrupt CSV row', async () => {
    const { db } = await seeded();
    const data = await exportAnalytics(db, 1);
    const csv = exportToCsv(data) + 'event,99,work.deleted,notatime,w,,,,,\r\nrollup,,,,,d,m,1\r\n';
    const back = parseCsvExport(csv);
    expect(back.events).toEqual(data.events);
    expect(back.skipped.corrupt).toBe(2);
  });
});

describe('delete-all and retention', () => {
  it('deletes every event and rollup, and what is still queued', async () => {
    const { db, rec } = await seeded();
    rec.track({ type: 'session.started' });
    await deleteAllAnalytics(db, rec);
    await rec.flush();
    expect(await db.events.count()).toBe(0);
    expect(await db.rollups.count()).toBe(0);
    expect((await loadInsights(db)).empty).toBe(true);
  });

  it('keeps the setting, refuses bad values, and keeps the charts after raw events go', async () => {
    const { db } = await seeded();
    expect(await getRetentionDays(db)).toBe(365);
    await expect(setRetentionDays(db, 3)).rejects.toMatchObject({
      code: 'insights-bad-retention',
      message: 'Keep raw events for a whole number of days from 7 to 3650.',
    });
    await expect(setRetentionDays(db, 10.5)).rejects.toMatchObject({
      code: 'insights-bad-retention',
    });
    const today = dayKey(T0 + 16 * DAY);
    const before = await loadInsights(db, {}, today);
    // 10 days after day 16: day 15 and 16 events (4) are within 14 days; the rest go.
    const deleted = await setRetentionDays(db, 14, T0 + 26 * DAY);
    expect(deleted).toBe(16);
    expect(await db.events.count()).toBe(4);
    expect(await getRetentionDays(db)).toBe(14);
    expect(await runRetention(db, T0 + 26 * DAY)).toBe(0);
    expect(await loadInsights(db, {}, today)).toEqual(before);
  });
});
