/**
 * Insights export: every raw event and rollup as JSON or CSV, and both parsed back (the tests
 * round-trip them). Rows this version cannot read are left out and counted.
 */
import { InsightsError } from '../../shared/errors/insights';
import { parseEventRow, validateEvent, type StoredEvent } from './event-types';
import { DEFAULT_RETENTION_DAYS, getRetentionDays } from './events';
import { isRollupRow, type InsightRollup } from './rollups';
import type { AtelierDb } from './schema';

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
