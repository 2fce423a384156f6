/**
 * Insights queries: what the Insights room shows, read from the daily rollups (a few rows per
 * day, whatever the history), never from raw events. Also: export of all analytics as JSON and
 * CSV (and parsing them back), delete-all, and the retention setting.
 *
 * `scanRawEvents` computes the same summary the slow way (every raw event); it exists as the
 * reference the tests and the benchmark compare the rollups with, not for the room.
 */
import { InsightsError } from '../../shared/errors/insights';
import {
  applyRetention,
  CREATIVE_TYPES,
  DEFAULT_RETENTION_DAYS,
  dayKey,
  foldEvents,
  isRollupRow,
  NO_WORK,
  DAY_METRIC,
  PALETTES_METRIC,
  parseEventRow,
  RETENTION_KEY,
  validateEvent,
  type EventRecorder,
  type InsightRollup,
  type StoredEvent,
} from './events';
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
  points: { day: string; msPerMp: number; renders: number }[];
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
    texts: number;
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
        if (rest === 'work.imported') add(worksByWeek, weekOf(row.day), v);
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
  for (let d = from; d <= to; d = addDays(d, 1))
    activePerDay.push({ day: d, ms: activeByDay.get(d) ?? 0 });

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
          return { day, renders: p.n, msPerMp: p.mp > 0 ? p.ms / p.mp : 0 };
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
    texts: types.get('text.generated') ?? 0,
    interventions: types.get('intervention') ?? 0,
    registrations: types.get('registration.signed') ?? 0,
  };
  return {
    from,
    to,
    worksPerWeek,
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
// Export (JSON and CSV) and parsing back

export const EXPORT_FORMAT = 'atelier-insights';
export const EXPORT_VERSION = 1;

export interface InsightsExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: number;
  retentionDays: number;
  events: StoredEvent[];
  rollups: InsightRollup[];
  /** Rows left out because they were corrupt or of a type this version does not know. */
  skipped: { unknownType: number; corrupt: number };
}

/** Reads all analytics (raw events in id order, in chunks, and every rollup). */
export async function exportAnalytics(db: AtelierDb, now = Date.now()): Promise<InsightsExport> {
  const skipped = { unknownType: 0, corrupt: 0 };
  const events: StoredEvent[] = [];
  let last = -Infinity;
  for (;;) {
    const chunk = await db.events.where(':id').above(last).limit(20_000).toArray();
    if (!chunk.length) break;
    for (const row of chunk) {
      const e = parseEventRow(row);
      if (e === 'unknown-type') skipped.unknownType++;
      else if (e === 'corrupt') skipped.corrupt++;
      else events.push(e);
    }
    last = chunk.at(-1)!.id!;
  }
  const rollups: InsightRollup[] = [];
  for (const row of await db.rollups.toArray()) {
    if (isRollupRow(row)) rollups.push(row);
    else skipped.corrupt++;
  }
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now,
    retentionDays: await getRetentionDays(db),
    events,
    rollups,
    skipped,
  };
}

export function exportToJson(data: InsightsExport): string {
  return JSON.stringify(data, null, 1);
}

function badExport(message: string, cause?: unknown): InsightsError {
  return new InsightsError('insights-bad-export', message, { cause });
}

function checkRows(events: unknown[], rollups: unknown[], skipped: InsightsExport['skipped']) {
  const goodEvents: StoredEvent[] = [];
  for (const e of events) {
    const v = validateEvent(e);
    if (v === 'unknown-type') skipped.unknownType++;
    else if (v === 'corrupt') skipped.corrupt++;
    else goodEvents.push(v);
  }
  const goodRollups: InsightRollup[] = [];
  for (const r of rollups) {
    if (isRollupRow(r)) goodRollups.push(r);
    else skipped.corrupt++;
  }
  return { events: goodEvents, rollups: goodRollups };
}

/**
 * Parses a JSON export; bad rows are skipped and counted in `skipped`.
 * @throws InsightsError 'insights-bad-export' when it is not an Atelier analytics export.
 */
export function parseJsonExport(text: string): InsightsExport {
  let data: Partial<InsightsExport>;
  try {
    data = JSON.parse(text) as Partial<InsightsExport>;
  } catch (cause) {
    throw badExport('This file is not valid JSON.', cause);
  }
  if (
    typeof data !== 'object' ||
    data === null ||
    data.format !== EXPORT_FORMAT ||
    !Array.isArray(data.events) ||
    !Array.isArray(data.rollups)
  )
    throw badExport('This file is not an Atelier analytics export.');
  if (data.version !== EXPORT_VERSION)
    throw badExport(`This export is version ${String(data.version)}; this studio reads 1.`);
  const skipped = {
    unknownType: Number(data.skipped?.unknownType) || 0,
    corrupt: Number(data.skipped?.corrupt) || 0,
  };
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: Number(data.exportedAt) || 0,
    retentionDays: Number(data.retentionDays) || DEFAULT_RETENTION_DAYS,
    ...checkRows(data.events, data.rollups, skipped),
    skipped,
  };
}

export const CSV_HEADER = [
  'record',
  'id',
  'type',
  'at',
  'workId',
  'day',
  'metric',
  'count',
  'sum',
  'data',
];

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One CSV for everything: a `meta` row, then one row per raw event (`data` holds its other fields
 * as JSON), then one per rollup (`data` holds `extra` or `works` as JSON).
 */
export function exportToCsv(data: InsightsExport): string {
  const lines = [CSV_HEADER.join(',')];
  const meta = {
    format: data.format,
    version: data.version,
    exportedAt: data.exportedAt,
    retentionDays: data.retentionDays,
    skipped: data.skipped,
  };
  lines.push(['meta', '', '', '', '', '', '', '', '', JSON.stringify(meta)].map(csvCell).join(','));
  for (const e of data.events) {
    const { id, type, at, ...rest } = e as StoredEvent & Record<string, unknown>;
    const { workId, ...fields } = rest as { workId?: string } & Record<string, unknown>;
    const json = Object.keys(fields).length ? JSON.stringify(fields) : '';
    lines.push(['event', id, type, at, workId, '', '', '', '', json].map(csvCell).join(','));
  }
  for (const r of data.rollups) {
    const extra: Record<string, unknown> = {};
    if (r.extra) extra.extra = r.extra;
    if (r.works) extra.works = r.works;
    const json = Object.keys(extra).length ? JSON.stringify(extra) : '';
    lines.push(
      ['rollup', '', '', '', '', r.day, r.metric, r.count, r.sum, json].map(csvCell).join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** RFC 4180 records. @throws InsightsError 'insights-bad-export' on an unclosed quote. */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else cell += c;
      i++;
      continue;
    }
    if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      record.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
    } else cell += c;
    i++;
  }
  if (quoted) throw badExport('This CSV file ends inside a quoted cell.');
  if (cell !== '' || record.length) {
    record.push(cell);
    records.push(record);
  }
  return records;
}

/**
 * Parses a CSV export back (the inverse of `exportToCsv`); bad rows are skipped and counted.
 * @throws InsightsError 'insights-bad-export' when the header or meta row is not ours.
 */
export function parseCsvExport(text: string): InsightsExport {
  const [header, metaRow, ...rows] = parseCsvRecords(text.replace(/^\uFEFF/, ''));
  if (!header || header.join(',') !== CSV_HEADER.join(','))
    throw badExport('This CSV file is not an Atelier analytics export.');
  if (!metaRow || metaRow[0] !== 'meta') throw badExport('This CSV file lacks its meta row.');
  let meta: Partial<InsightsExport>;
  try {
    meta = JSON.parse(metaRow[9] ?? '') as Partial<InsightsExport>;
  } catch (cause) {
    throw badExport('This CSV file has a broken meta row.', cause);
  }
  const json = (s: string | undefined): Record<string, unknown> | null => {
    if (!s) return {};
    try {
      const v: unknown = JSON.parse(s);
      return typeof v === 'object' && v !== null && !Array.isArray(v)
        ? (v as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  };
  const num = (s: string | undefined) => (s === undefined || s === '' ? NaN : Number(s));
  const events: unknown[] = [];
  const rollups: unknown[] = [];
  let corrupt = 0;
  for (const r of rows) {
    if (r.length === 1 && r[0] === '') continue;
    const [record, id, type, at, workId, day, metric, count, sum, data] = r;
    const fields = json(data);
    if (r.length !== CSV_HEADER.length || fields === null) {
      corrupt++;
      continue;
    }
    if (record === 'event') {
      const e: Record<string, unknown> = { ...fields, type, at: num(at) };
      if (workId) e.workId = workId;
      if (id) e.id = num(id);
      events.push(e);
    } else if (record === 'rollup') {
      const row: Record<string, unknown> = {
        key: `${day}|${metric}`,
        day,
        metric,
        count: num(count),
        sum: num(sum),
      };
      if (fields.extra !== undefined) row.extra = fields.extra;
      if (fields.works !== undefined) row.works = fields.works;
      rollups.push(row);
    } else corrupt++;
  }
  const skipped = {
    unknownType: Number(meta.skipped?.unknownType) || 0,
    corrupt: (Number(meta.skipped?.corrupt) || 0) + corrupt,
  };
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: Number(meta.exportedAt) || 0,
    retentionDays: Number(meta.retentionDays) || DEFAULT_RETENTION_DAYS,
    ...checkRows(events, rollups, skipped),
    skipped,
  };
}

// ---------------------------------------------------------------------------------------------
// Delete-all and retention

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

export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 3650;

/** The retention setting (days of raw events kept), default 365. */
export async function getRetentionDays(db: AtelierDb): Promise<number> {
  const row = await db.meta.get(RETENTION_KEY);
  const v = row?.value;
  return typeof v === 'number' &&
    Number.isInteger(v) &&
    v >= MIN_RETENTION_DAYS &&
    v <= MAX_RETENTION_DAYS
    ? v
    : DEFAULT_RETENTION_DAYS;
}

/**
 * Saves the retention setting and applies it at once. Returns how many raw events were deleted.
 * @throws InsightsError 'insights-bad-retention' unless a whole number of days in 7…3650.
 */
export async function setRetentionDays(db: AtelierDb, days: number, now = Date.now()) {
  if (!Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS)
    throw new InsightsError(
      'insights-bad-retention',
      `Keep raw events for a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}.`,
      { details: { days } },
    );
  await db.meta.put({ key: RETENTION_KEY, value: days });
  return applyRetention(db, days, now);
}

/** Applies the saved retention setting (the studio runs it once per start). */
export async function runRetention(db: AtelierDb, now = Date.now()): Promise<number> {
  return applyRetention(db, await getRetentionDays(db), now);
}
