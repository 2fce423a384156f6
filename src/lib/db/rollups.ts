/**
 * Insights rollups: events folded into a few rows per local day, kept up to date by every flush
 * so the Insights room never scans raw events.
 */
import { fieldOk, type StoredEvent } from './event-types';
import type { Rollup } from './schema';
// ---------------------------------------------------------------------------------------------
// Rollups: two rows per local day, whatever happened that day, so a year is ~730 small rows.
//
//   `${day}|day`       count = events that day; sum = active ms (idle excluded); extra holds
//                      flat counters: t:<type>, e:<effectId> (added), ea:<effectId> (added
//                      automatically), i:<workId> (interventions; i:(none) without a work),
//                      r:<backend>:n|ms|mp (renders), x:<model>:n|tps|tok|ttft|kept (texts)
//   `${day}|palettes`  count = works imported that day; works = [{ workId, at, colors }]

export interface PaletteWork {
  workId: string;
  at: number;
  colors: string[];
}

/** A rollup row; the `palettes` rows also carry `works` (a non-indexed field). */
export interface InsightRollup extends Rollup {
  works?: PaletteWork[];
}

export const DAY_METRIC = 'day';
export const PALETTES_METRIC = 'palettes';
export const NO_WORK = '(none)';

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The artist's local calendar day of a time, as YYYY-MM-DD. */
export function dayKey(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Deltas to apply to rollups, by key. */
export type RollupDeltas = Map<string, InsightRollup>;

function rowFor(deltas: RollupDeltas, day: string, metric: string): InsightRollup {
  const key = `${day}|${metric}`;
  let row = deltas.get(key);
  if (!row) {
    row =
      metric === PALETTES_METRIC
        ? { key, day, metric, count: 0, sum: 0, works: [] }
        : { key, day, metric, count: 0, sum: 0, extra: {} };
    deltas.set(key, row);
  }
  return row;
}

function inc(extra: Record<string, number>, key: string, by: number): void {
  extra[key] = (extra[key] ?? 0) + by;
}

/** Adds or replaces a work's palette (the latest import of a work wins). */
function putWork(works: PaletteWork[], work: PaletteWork): void {
  const i = works.findIndex((w) => w.workId === work.workId);
  if (i >= 0) works[i] = work;
  else works.push(work);
}

/** Folds events into rollup deltas (pure; the writer and the raw-scan reference share it). */
export function foldEvents(events: Iterable<StoredEvent>, deltas: RollupDeltas = new Map()) {
  let day = '';
  let dayStart = NaN;
  let dayEnd = NaN;
  for (const e of events) {
    // Events come mostly in time order: keep the day while inside its local midnights.
    if (!(e.at >= dayStart && e.at < dayEnd)) {
      const d = new Date(e.at);
      dayStart = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
      dayEnd = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
      day = dayKey(e.at);
    }
    const row = rowFor(deltas, day, DAY_METRIC);
    const x = row.extra!;
    row.count++;
    inc(x, `t:${e.type}`, 1);
    switch (e.type) {
      case 'session.active':
        row.sum += e.activeMs;
        break;
      case 'effect.added':
        inc(x, `e:${e.effectId}`, 1);
        if (e.automatic) inc(x, `ea:${e.effectId}`, 1);
        break;
      case 'intervention':
        inc(x, `i:${e.workId ?? NO_WORK}`, 1);
        break;
      case 'render.finished':
        inc(x, `r:${e.backend}:n`, 1);
        inc(x, `r:${e.backend}:ms`, e.ms);
        inc(x, `r:${e.backend}:mp`, e.megapixels);
        break;
      case 'text.generated':
        inc(x, `x:${e.model}:n`, 1);
        inc(x, `x:${e.model}:tps`, e.tokensPerSecond);
        inc(x, `x:${e.model}:tok`, e.tokens);
        inc(x, `x:${e.model}:ttft`, e.ttftMs);
        if (e.kept) {
          // Older rows recorded keeping on the text itself (now its own text.kept event).
          inc(x, `x:${e.model}:kept`, 1);
          inc(x, `x:${e.model}:oldKept`, 1);
        }
        break;
      case 'text.kept':
        if (e.model) inc(x, `x:${e.model}:kept`, 1);
        break;
      case 'work.imported': {
        const palettes = rowFor(deltas, day, PALETTES_METRIC);
        putWork(palettes.works!, { workId: e.workId, at: e.at, colors: e.palette ?? [] });
        palettes.count = palettes.works!.length;
        break;
      }
      default:
        break;
    }
  }
  return deltas;
}

/** Applies deltas to the stored rows (`existing[i]` belongs to the i-th delta). */
export function mergeRollups(
  deltas: InsightRollup[],
  existing: (InsightRollup | undefined)[],
): InsightRollup[] {
  return deltas.map((delta, i) => {
    const old = existing[i];
    if (!old || !isRollupRow(old) || old.metric !== delta.metric) return delta;
    if (delta.metric === PALETTES_METRIC) {
      const works = [...(old.works ?? [])];
      for (const w of delta.works ?? []) putWork(works, w);
      return { ...old, works, count: works.length };
    }
    const extra = { ...(old.extra ?? {}) };
    for (const [k, v] of Object.entries(delta.extra ?? {})) extra[k] = (extra[k] ?? 0) + v;
    return { ...old, count: old.count + delta.count, sum: old.sum + delta.sum, extra };
  });
}

function isWork(w: unknown): w is PaletteWork {
  if (typeof w !== 'object' || w === null) return false;
  const { workId, at, colors } = w as Partial<PaletteWork>;
  return (
    typeof workId === 'string' &&
    typeof at === 'number' &&
    Number.isFinite(at) &&
    fieldOk('colors?', colors) &&
    colors !== undefined
  );
}

/** True when a row read from `rollups` has the shape the readers rely on. */
export function isRollupRow(row: unknown): row is InsightRollup {
  if (typeof row !== 'object' || row === null) return false;
  const r = row as Partial<InsightRollup>;
  if (typeof r.key !== 'string' || typeof r.day !== 'string' || typeof r.metric !== 'string')
    return false;
  if (!/^\d{4}-\d\d-\d\d$/.test(r.day) || r.key !== `${r.day}|${r.metric}`) return false;
  if (typeof r.count !== 'number' || !Number.isFinite(r.count)) return false;
  if (typeof r.sum !== 'number' || !Number.isFinite(r.sum)) return false;
  if (r.metric === DAY_METRIC) {
    if (typeof r.extra !== 'object' || r.extra === null) return false;
    for (const k in r.extra) {
      const v = r.extra[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) return false;
    }
    return true;
  }
  if (r.metric === PALETTES_METRIC) return Array.isArray(r.works) && r.works.every(isWork);
  return false;
}
