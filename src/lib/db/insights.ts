/**
 * Insights queries: what the Insights room shows, read from the daily rollups (a few rows per
 * day, whatever the history), never from raw events. Also: export of all analytics as JSON and
 * CSV (and parsing them back), delete-all, and the retention setting.
 *
 * `scanRawEvents` computes the same summary the slow way (every raw event); it exists as the
 * reference the tests and the benchmark compare the rollups with, not for the room.
 */
import { InsightsError } from '../../shared/errors/insights';
import { CREATIVE_TYPES, parseEventRow, type StoredEvent } from './event-types';
import { type EventRecorder } from './events';
import {
  dayKey,
  foldEvents,
  isRollupRow,
  NO_WORK,
  DAY_METRIC,
  PALETTES_METRIC,
  type InsightRollup,
} from './rollups';
import type { AtelierDb } from './schema';

/** Inclusive local-day bounds (YYYY-MM-DD); a missing bound is open. */
export interface DayRange {
  from?: string;
  to?: string;
}

export interface EffectUse {
  effectId: string;
  count: number;
  /** Of which added by an automatic step. */
  automatic: number;
}
export interface BackendRenders {
  backend: string;
  renders: number;
  /** Over the whole range: Σ ms / Σ megapixels. */
  msPerMp: number;
  points: { day: string; msPerMp: number; renders: number; ms: number; mp: number }[];
}
export interface ModelText {
  model: string;
  runs: number;
  tokens: number;
  /** Mean over runs. */
  tokensPerSecond: number;
  ttftMs: number;
  kept: number;
}
export interface PaletteEntry {
  workId: string;
  day: string;
  at: number;
  colors: string[];
}
export interface Streaks {
  current: number;
  longest: number;
  lastActiveDay: string | null;
}

export interface InsightsData {
  /** The range shown, with open ends resolved (from = first day with data). */
  from: string;
  to: string;
  worksPerWeek: { week: string; count: number }[];
  /** Works imported each day of the range (every day, zero included). */
  worksPerDay: { day: string; count: number }[];
  activePerDay: { day: string; ms: number }[];
  topEffects: EffectUse[];
  renderByBackend: BackendRenders[];
  textByModel: ModelText[];
  palettes: PaletteEntry[];
  /** Interventions on each work, works in order of creation (those with none left out). */
  interventionsByWork: { workId: string; count: number; day: string | null }[];
  /** Streaks are over the whole history, not the range. */
  streaks: Streaks;
  totals: {
    events: number;
    worksImported: number;
    worksExported: number;
    activeMs: number;
    renders: number;
    /** Texts written (generated), and of them kept. */
    texts: number;
    textsKept: number;
    interventions: number;
    registrations: number;
  };
  /** Rows skipped because they were corrupt (or of an unknown type, for the raw scan). */
  skipped: number;
  /** Nothing creative in the range (session time alone does not count). */
  empty: boolean;
}

// ---------------------------------------------------------------------------------------------
// Days and weeks (computed on calendar days in UTC arithmetic, so DST never shifts a day)

function dayToUtc(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}
function utcToDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
/** The day `n` days after `day`. */
export function addDays(day: string, n: number): string {
  return utcToDay(dayToUtc(day) + n * 86_400_000);
}
/** Monday of the week holding `day`. */
export function weekOf(day: string): string {
  const ms = dayToUtc(day);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday = 0
  return utcToDay(ms - weekday * 86_400_000);
}
/** Local midnight of a day, in seconds (uPlot's time axis). */
export function dayToSeconds(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).getTime() / 1000;
}

/** Current and longest runs of consecutive days in `days` (a streak survives until tomorrow). */
export function computeStreaks(days: Iterable<string>, today: string): Streaks {
  const sorted = [...new Set(days)].sort();
  let longest = 0;
  let run = 0;
  let prev: string | null = null;
  for (const day of sorted) {
    run = prev !== null && addDays(prev, 1) === day ? run + 1 : 1;
    longest = Math.max(longest, run);
    prev = day;
  }
  const last = sorted.at(-1) ?? null;
  const current = last !== null && (last === today || addDays(last, 1) === today) ? run : 0;
  return { current, longest, lastActiveDay: last };
}

// ---------------------------------------------------------------------------------------------
// Summary from rollup rows (pure)

function add(into: Map<string, number>, key: string, value: number): void {
  into.set(key, (into.get(key) ?? 0) + value);
}

/**
 * Turns rollup rows into what the room charts. `rows` are the range's rows; `activeDays` are
 * all days with creative activity (for streaks).
 */
export function summarize(
  rows: InsightRollup[],
  range: DayRange,
  today: string,
  activeDays: Iterable<string>,
  skipped = 0,
): InsightsData {
  let first: string | null = null;
  const types = new Map<string, number>();
  const activeByDay = new Map<string, number>();
  const worksByWeek = new Map<string, number>();
  const worksByDay = new Map<string, number>();
  const effects = new Map<string, number>();
  const effectsAuto = new Map<string, number>();
  const interventions = new Map<string, number>();
  const renders = new Map<string, Map<string, { n: number; ms: number; mp: number }>>();
  const texts = new Map<string, Record<string, number>>();
  const palettes: PaletteEntry[] = [];
  let events = 0;
  for (const row of rows) {
    if (range.from && row.day < range.from) continue;
    if (range.to && row.day > range.to) continue;
    if (first === null || row.day < first) first = row.day;
    if (row.metric === PALETTES_METRIC) {
      for (const w of row.works ?? []) palettes.push({ ...w, day: row.day });
      continue;
    }
    events += row.count;
    if (row.sum) activeByDay.set(row.day, (activeByDay.get(row.day) ?? 0) + row.sum);
    const extra = row.extra ?? {};
    for (const key in extra) {
      const v = extra[key]!;
      const colon = key.indexOf(':');
      const kind = key.slice(0, colon);
      const rest = key.slice(colon + 1);
      if (kind === 't') {
        add(types, rest, v);
        if (rest === 'work.imported') {
          add(worksByWeek, weekOf(row.day), v);
          add(worksByDay, row.day, v);
        }
      } else if (kind === 'e') add(effects, rest, v);
      else if (kind === 'ea') add(effectsAuto, rest, v);
      else if (kind === 'i') add(interventions, rest, v);
      else if (kind === 'r' || kind === 'x') {
        const last = rest.lastIndexOf(':');
        const name = rest.slice(0, last);
        const field = rest.slice(last + 1);
        if (kind === 'x') {
          const t = texts.get(name) ?? {};
          t[field] = (t[field] ?? 0) + v;
          texts.set(name, t);
          continue;
        }
        let byDay = renders.get(name);
        if (!byDay) renders.set(name, (byDay = new Map()));
        const p = byDay.get(row.day) ?? { n: 0, ms: 0, mp: 0 };
        if (field === 'n' || field === 'ms' || field === 'mp') p[field] += v;
        byDay.set(row.day, p);
      }
    }
  }
  const from = range.from ?? first ?? today;
  const to = range.to ?? (today > from ? today : from);

  const worksPerWeek: InsightsData['worksPerWeek'] = [];
  for (let w = weekOf(from); w <= to; w = addDays(w, 7))
    worksPerWeek.push({ week: w, count: worksByWeek.get(w) ?? 0 });
  const activePerDay: InsightsData['activePerDay'] = [];
  const worksPerDay: InsightsData['worksPerDay'] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    activePerDay.push({ day: d, ms: activeByDay.get(d) ?? 0 });
    worksPerDay.push({ day: d, count: worksByDay.get(d) ?? 0 });
  }

  const topEffects = [...effects]
    .map(([effectId, count]) => ({ effectId, count, automatic: effectsAuto.get(effectId) ?? 0 }))
    .sort((a, b) => b.count - a.count || a.effectId.localeCompare(b.effectId))
    .slice(0, 12);

  const renderByBackend = [...renders]
    .map(([backend, byDay]) => {
      let n = 0;
      let ms = 0;
      let mp = 0;
      const points = [...byDay]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([day, p]) => {
          n += p.n;
          ms += p.ms;
          mp += p.mp;
          return { day, renders: p.n, msPerMp: p.mp > 0 ? p.ms / p.mp : 0, ms: p.ms, mp: p.mp };
        });
      return { backend, renders: n, msPerMp: mp > 0 ? ms / mp : 0, points };
    })
    .sort((a, b) => a.backend.localeCompare(b.backend));

  const textByModel = [...texts]
    .map(([model, t]) => {
      const n = t.n ?? 0;
      return {
        model,
        runs: n,
        tokens: t.tok ?? 0,
        tokensPerSecond: n ? (t.tps ?? 0) / n : 0,
        ttftMs: n ? (t.ttft ?? 0) / n : 0,
        kept: t.kept ?? 0,
      };
    })
    .sort((a, b) => a.model.localeCompare(b.model));

  palettes.sort((a, b) => a.at - b.at || a.workId.localeCompare(b.workId));
  const created = new Map(palettes.map((p, i) => [p.workId, i] as const));
  const interventionsByWork = [...interventions]
    .filter(([workId]) => workId !== NO_WORK)
    .map(([workId, count]) => {
      const i = created.get(workId);
      return {
        workId,
        count,
        day: i === undefined ? null : palettes[i]!.day,
        order: i ?? Infinity,
      };
    })
    .sort((a, b) => a.order - b.order || a.workId.localeCompare(b.workId))
    .map(({ workId, count, day }) => ({ workId, count, day }));

  const totals = {
    events,
    worksImported: types.get('work.imported') ?? 0,
    worksExported: types.get('work.exported') ?? 0,
    activeMs: [...activeByDay.values()].reduce((a, b) => a + b, 0),
    renders: types.get('render.finished') ?? 0,
    // Texts written: a model's (text.generated) and the room's own drafts (text.drafted).
    texts: (types.get('text.generated') ?? 0) + (types.get('text.drafted') ?? 0),
    textsKept:
      (types.get('text.kept') ?? 0) + [...texts.values()].reduce((a, t) => a + (t.oldKept ?? 0), 0),
    interventions: types.get('intervention') ?? 0,
    registrations: types.get('registration.signed') ?? 0,
  };
  return {
    from,
    to,
    worksPerWeek,
    worksPerDay,
    activePerDay,
    topEffects,
    renderByBackend,
    textByModel,
    palettes,
    interventionsByWork,
    streaks: computeStreaks(activeDays, today),
    totals,
    skipped,
    empty: [...types].every(([t, n]) => n === 0 || !CREATIVE_TYPES.has(t)),
  };
}

function creativeDays(dayRows: InsightRollup[]): string[] {
  return dayRows
    .filter((r) => {
      if (r.metric !== DAY_METRIC) return false;
      for (const key in r.extra) {
        if (key.startsWith('t:') && r.extra[key]! > 0 && CREATIVE_TYPES.has(key.slice(2)))
          return true;
      }
      return false;
    })
    .map((r) => r.day);
}

/**
 * What the room shows for a range, from rollups only: the range's rows (by the `day` index)
 * plus one `types` row per day for the streaks. Corrupt rows are skipped and counted.
 * @throws InsightsError 'insights-storage-failed' when IndexedDB refuses the read.
 */
export async function loadInsights(
  db: AtelierDb,
  range: DayRange = {},
  today = dayKey(Date.now()),
): Promise<InsightsData> {
  try {
    const open = !range.from && !range.to;
    const [rangeRows, dayRows] = await db.transaction('r', db.rollups, () =>
      Promise.all([
        open
          ? db.rollups.toArray()
          : db.rollups
              .where('day')
              .between(range.from ?? '', range.to ?? '\uffff', true, true)
              .toArray(),
        // Streaks look at every day; with an open range those rows are already read.
        open ? null : db.rollups.where('metric').equals(DAY_METRIC).toArray(),
      ]),
    );
    let skipped = 0;
    const rows = rangeRows.filter((r): r is InsightRollup => isRollupRow(r) || (skipped++, false));
    const types = dayRows ? dayRows.filter(isRollupRow) : rows;
    return summarize(rows, range, today, creativeDays(types), skipped);
  } catch (cause) {
    throw new InsightsError('insights-storage-failed', 'Could not read your insights.', { cause });
  }
}

/**
 * The slow reference: reads every raw event, folds them and summarises. Unknown-type and corrupt
 * rows are skipped and counted. Only tests and the benchmark use it.
 */
export async function scanRawEvents(
  db: AtelierDb,
  range: DayRange = {},
  today = dayKey(Date.now()),
): Promise<InsightsData> {
  const raw = await db.events.toArray();
  let skipped = 0;
  const events: StoredEvent[] = [];
  for (const row of raw) {
    const e = parseEventRow(row);
    if (typeof e === 'string') skipped++;
    else events.push(e);
  }
  const rows = [...foldEvents(events).values()];
  const types = rows;
  return summarize(rows, range, today, creativeDays(types), skipped);
}

// ---------------------------------------------------------------------------------------------
// Delete-all (the retention setting lives with the recorder, in events.ts)

/**
 * Deletes every event and rollup (and drops what the recorder still holds in memory). The
 * retention setting is a preference and stays.
 * @throws InsightsError 'insights-storage-failed' when IndexedDB refuses.
 */
export async function deleteAllAnalytics(db: AtelierDb, recorder?: EventRecorder): Promise<void> {
  await recorder?.clear();
  try {
    await db.transaction('rw', db.events, db.rollups, async () => {
      await Promise.all([db.events.clear(), db.rollups.clear()]);
    });
  } catch (cause) {
    throw new InsightsError('insights-storage-failed', 'Could not delete your insights.', {
      cause,
    });
  }
}
