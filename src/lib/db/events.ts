/**
 * Insights events: the typed, fire-and-forget API every room calls to record what the artist did.
 *
 *   track({ type: 'render.finished', megapixels: 2.1, ms: 840, backend: 'webgpu', adapter: '…' });
 *
 * `track` never throws and never awaits: the event is checked against its type's fields, queued in
 * memory and written later with one `bulkAdd` per flush (never one transaction per event). The
 * same transaction updates the daily rollups (`rollups` table), so the Insights room reads a few
 * rows per day and never scans raw events. The queue flushes shortly after the first event, at
 * once when it grows large, and when the tab is hidden or closed (`visibilitychange`/`pagehide`).
 *
 * Bad input (an unknown type, a missing or wrongly typed field) is dropped, counted in `stats` and
 * logged; so is a failed write. Rows read back that are corrupt or of an unknown (newer) type are
 * skipped and counted by the readers (`parseEventRow`).
 *
 * Everything stays in this device's IndexedDB; nothing here touches the network.
 */
import { db as appDb } from './instance';
import type { AnalyticsEvent, AtelierDb, Rollup } from './schema';

// ---------------------------------------------------------------------------------------------
// Event types

/** What an automatic step was when a person stepped in afterwards. */
export type InterventionSource = 'auto-colour' | 'suggested-look' | 'generated-text' | 'auto-step';
/** How the person stepped in. */
export type InterventionAction = 'param-changed' | 'undo' | 'edited' | 'removed';

export interface WorkImported {
  type: 'work.imported';
  workId: string;
  /** Dominant colours (#rrggbb), most common first: the palette timeline shows them. */
  palette?: string[];
  bytes?: number;
  mime?: string;
}
export interface WorkExported {
  type: 'work.exported';
  workId: string;
  format?: string;
}
export interface WorkDeleted {
  type: 'work.deleted';
  workId: string;
}
interface EffectFields {
  workId?: string;
  effectId: string;
  /** Whether an automatic step (auto colour, a suggested look) did it rather than the person. */
  automatic: boolean;
}
export interface EffectAdded extends EffectFields {
  type: 'effect.added';
  params?: Record<string, unknown>;
}
export interface EffectChanged extends EffectFields {
  type: 'effect.changed';
  params?: Record<string, unknown>;
}
export interface EffectRemoved extends EffectFields {
  type: 'effect.removed';
}
export interface RenderFinished {
  type: 'render.finished';
  workId?: string;
  megapixels: number;
  ms: number;
  backend: string;
  adapter?: string;
}
export interface TextGenerated {
  type: 'text.generated';
  workId?: string;
  model: string;
  /** Which generator: caption, alt text, artist statement, … */
  generator: string;
  tokens: number;
  /** Time to first token. */
  ttftMs: number;
  tokensPerSecond: number;
  /** Kept (saved) or discarded by the person. */
  kept: boolean;
}
export interface RegistrationSigned {
  type: 'registration.signed';
  /** Absent when an outside file (not a work) was registered. */
  workId?: string;
  registrationId?: string;
}
export interface RegistrationAnchored {
  type: 'registration.anchored';
  workId?: string;
  registrationId?: string;
  chainId?: number;
}
export interface SessionStarted {
  type: 'session.started';
}
/** A slice of active time (idle excluded) since the previous slice; these are summed. */
export interface SessionActive {
  type: 'session.active';
  activeMs: number;
}
/** The end of a session, with its whole active time (informational: slices carry the sum). */
export interface SessionEnded {
  type: 'session.ended';
  activeMs: number;
}
/** The paper's manual intervention: the person corrected what an automatic step did. */
export interface Intervention {
  type: 'intervention';
  workId?: string;
  after: InterventionSource;
  action: InterventionAction;
  effectId?: string;
}

export type InsightEvent =
  | WorkImported
  | WorkExported
  | WorkDeleted
  | EffectAdded
  | EffectChanged
  | EffectRemoved
  | RenderFinished
  | TextGenerated
  | RegistrationSigned
  | RegistrationAnchored
  | SessionStarted
  | SessionActive
  | SessionEnded
  | Intervention;

export type EventType = InsightEvent['type'];
/** What `track` takes: an event, optionally with its time (ms since epoch; default now). */
export type TrackInput = InsightEvent & { at?: number };
/** An event as read back: always with its time (and its row id when stored). */
export type StoredEvent = InsightEvent & { at: number; id?: number };

// ---------------------------------------------------------------------------------------------
// Runtime field specs (the compiler checks they list exactly each type's fields)

type FieldSpec =
  | 'string'
  | 'string?'
  | 'number'
  | 'number?'
  | 'boolean'
  | 'object?'
  | 'colors?'
  | readonly string[];

type Fields<E> = { [K in Exclude<keyof E, 'type'>]-?: FieldSpec };
type Specs = { [T in EventType]: Fields<Extract<InsightEvent, { type: T }>> };

const EFFECT = { workId: 'string?', effectId: 'string', automatic: 'boolean' } as const;

export const EVENT_SPECS: Specs = {
  'work.imported': { workId: 'string', palette: 'colors?', bytes: 'number?', mime: 'string?' },
  'work.exported': { workId: 'string', format: 'string?' },
  'work.deleted': { workId: 'string' },
  'effect.added': { ...EFFECT, params: 'object?' },
  'effect.changed': { ...EFFECT, params: 'object?' },
  'effect.removed': EFFECT,
  'render.finished': {
    workId: 'string?',
    megapixels: 'number',
    ms: 'number',
    backend: 'string',
    adapter: 'string?',
  },
  'text.generated': {
    workId: 'string?',
    model: 'string',
    generator: 'string',
    tokens: 'number',
    ttftMs: 'number',
    tokensPerSecond: 'number',
    kept: 'boolean',
  },
  'registration.signed': { workId: 'string?', registrationId: 'string?' },
  'registration.anchored': { workId: 'string?', registrationId: 'string?', chainId: 'number?' },
  'session.started': {},
  'session.active': { activeMs: 'number' },
  'session.ended': { activeMs: 'number' },
  intervention: {
    workId: 'string?',
    after: ['auto-colour', 'suggested-look', 'generated-text', 'auto-step'],
    action: ['param-changed', 'undo', 'edited', 'removed'],
    effectId: 'string?',
  },
};

export const EVENT_TYPES = Object.keys(EVENT_SPECS) as EventType[];
/** Event types that count as creative activity (for streaks); sessions alone do not. */
export const CREATIVE_TYPES: ReadonlySet<string> = new Set(
  EVENT_TYPES.filter((t) => !t.startsWith('session.')),
);

const COLOR = /^#[0-9a-f]{6}$/i;

function fieldOk(spec: FieldSpec, value: unknown): boolean {
  if (typeof spec !== 'string') return typeof value === 'string' && spec.includes(value);
  const optional = spec.endsWith('?');
  if (value === undefined) return optional;
  switch (spec.replace('?', '')) {
    case 'string':
      return typeof value === 'string' && value.length <= 512;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0;
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'colors':
      return (
        Array.isArray(value) &&
        value.length <= 32 &&
        value.every((c) => typeof c === 'string' && COLOR.test(c))
      );
    default:
      return false;
  }
}

/** Why an event or row was refused. */
export type RejectReason = 'unknown-type' | 'corrupt';

/**
 * Checks a plain object against its type's spec (unknown extra fields are refused, so a typo is
 * caught). Returns the event with only the known fields, or the reason it was refused.
 */
export function validateEvent(input: unknown): StoredEvent | RejectReason {
  if (typeof input !== 'object' || input === null) return 'corrupt';
  const record = input as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string') return 'corrupt';
  if (!Object.hasOwn(EVENT_SPECS, type)) return 'unknown-type';
  const at = record.at;
  if (typeof at !== 'number' || !Number.isFinite(at) || at <= 0) return 'corrupt';
  const spec = EVENT_SPECS[type as EventType] as Record<string, FieldSpec>;
  const out: Record<string, unknown> = { type, at };
  for (const name of Object.keys(record)) {
    if (name === 'type' || name === 'at' || name === 'id') continue;
    if (!Object.hasOwn(spec, name)) return 'corrupt';
  }
  for (const [name, fieldSpec] of Object.entries(spec)) {
    const value = record[name];
    if (!fieldOk(fieldSpec, value)) return 'corrupt';
    if (value !== undefined) out[name] = value;
  }
  if (typeof record.id === 'number') out.id = record.id;
  return out as unknown as StoredEvent;
}

/** Event → table row: `workId` is an indexed column, the other fields live in `data`. */
export function toRow(event: StoredEvent): AnalyticsEvent {
  const { type, at, id: _id, ...rest } = event as StoredEvent & Record<string, unknown>;
  const { workId, ...data } = rest as { workId?: string } & Record<string, unknown>;
  const row: AnalyticsEvent = { type, at };
  if (typeof workId === 'string') row.workId = workId;
  if (Object.keys(data).length) row.data = data;
  return row;
}

/** Table row → event, or why it was skipped (corrupt, or a newer version's type). */
export function parseEventRow(row: unknown): StoredEvent | RejectReason {
  if (typeof row !== 'object' || row === null) return 'corrupt';
  const r = row as Partial<AnalyticsEvent>;
  const data = r.data;
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data)))
    return 'corrupt';
  const flat: Record<string, unknown> = { ...(data ?? {}), type: r.type, at: r.at };
  if (r.workId !== undefined) flat.workId = r.workId;
  if (r.id !== undefined) flat.id = r.id;
  return validateEvent(flat);
}

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
        if (e.kept) inc(x, `x:${e.model}:kept`, 1);
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

// ---------------------------------------------------------------------------------------------
// The recorder: queue, flush, lifecycle

export interface RecorderStats {
  /** Events accepted into the queue. */
  tracked: number;
  /** Events refused by `track` (unknown type or bad fields). */
  rejected: number;
  /** Events written to IndexedDB. */
  written: number;
  /** Events lost because a write failed twice. */
  failed: number;
  /** Flush transactions committed. */
  flushes: number;
}

export interface RecorderOptions {
  /** Delay between the first queued event and the flush (ms). */
  flushDelayMs?: number;
  /** Queue length that flushes at once. */
  flushAt?: number;
  /** Most events written in one transaction. */
  maxBatch?: number;
  /** Clock (tests). */
  now?: () => number;
  /** Where problems are logged (default console.warn). */
  log?: (message: string, detail?: unknown) => void;
}

export class EventRecorder {
  readonly stats: RecorderStats = { tracked: 0, rejected: 0, written: 0, failed: 0, flushes: 0 };
  #db: AtelierDb;
  #queue: StoredEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #chain: Promise<void> = Promise.resolve();
  #generation = 0;
  #detach: (() => void) | null = null;
  readonly #delay: number;
  readonly #flushAt: number;
  readonly #maxBatch: number;
  readonly #now: () => number;
  readonly #log: (message: string, detail?: unknown) => void;

  constructor(db: AtelierDb, options: RecorderOptions = {}) {
    this.#db = db;
    this.#delay = options.flushDelayMs ?? 1000;
    this.#flushAt = options.flushAt ?? 500;
    // Large bursts (an import of hundreds of works, a benchmark) commit in few transactions:
    // per-transaction cost dominates IndexedDB writes. 25k small events are a few MB.
    this.#maxBatch = options.maxBatch ?? 25_000;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? ((m, d) => console.warn(`[insights] ${m}`, d ?? ''));
  }

  /** Events waiting in memory. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Queues one event. Never throws: a bad event is counted in `stats.rejected` and logged.
   * Returns whether it was accepted.
   */
  track(input: TrackInput): boolean {
    try {
      const candidate =
        typeof input === 'object' && input !== null && input.at === undefined
          ? { ...input, at: this.#now() }
          : input;
      const event = validateEvent(candidate);
      if (typeof event === 'string') {
        this.stats.rejected++;
        this.#log(`event refused (${event})`, (input as { type?: unknown } | null)?.type);
        return false;
      }
      this.#queue.push(event);
      this.stats.tracked++;
      this.#schedule();
      return true;
    } catch (error) {
      this.stats.rejected++;
      this.#log('event refused (threw)', error);
      return false;
    }
  }

  #schedule(): void {
    if (this.#queue.length >= this.#flushAt) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      // After the current task, so a burst of synchronous calls becomes one batch.
      queueMicrotask(() => void this.flush());
      return;
    }
    if (!this.#timer) this.#timer = setTimeout(() => void this.flush(), this.#delay);
  }

  /**
   * Writes everything queued so far (events + rollups, one transaction per batch). Resolves when
   * it is stored; never rejects (failures are counted in `stats.failed` and logged).
   */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#queue.length) return this.#chain;
    const batch = this.#queue;
    this.#queue = [];
    const generation = this.#generation;
    this.#chain = this.#chain.then(async () => {
      for (let i = 0; i < batch.length; i += this.#maxBatch) {
        if (generation !== this.#generation) return; // cleared meanwhile (delete-all)
        const slice = batch.slice(i, i + this.#maxBatch);
        try {
          await writeBatch(this.#db, slice);
        } catch (first) {
          try {
            await writeBatch(this.#db, slice);
          } catch {
            this.stats.failed += slice.length;
            this.#log(`could not store ${slice.length} events`, first);
            continue;
          }
        }
        this.stats.written += slice.length;
        this.stats.flushes++;
      }
    });
    return this.#chain;
  }

  /** Drops the queue and any batch not yet written (delete-all), then waits for writes in flight. */
  async clear(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queue = [];
    this.#generation++;
    await this.#chain;
  }

  /** Flushes when the tab is hidden or closed. Idempotent; returns the detach function. */
  attachLifecycle(target: Window = window): () => void {
    if (this.#detach) return this.#detach;
    const onHide = () => {
      if (target.document.visibilityState === 'hidden') void this.flush();
    };
    const onPageHide = () => void this.flush();
    target.document.addEventListener('visibilitychange', onHide);
    target.addEventListener('pagehide', onPageHide);
    this.#detach = () => {
      target.document.removeEventListener('visibilitychange', onHide);
      target.removeEventListener('pagehide', onPageHide);
      this.#detach = null;
    };
    return this.#detach;
  }
}

/**
 * One transaction: the (validated) events (`bulkAdd`) and their rollups (read, merge, `bulkPut`).
 * @throws Dexie errors (quota, closed database); the recorder catches them.
 */
export async function writeBatch(db: AtelierDb, events: StoredEvent[]): Promise<void> {
  const rows = events.map(toRow);
  const deltas = [...foldEvents(events).values()];
  const keys = deltas.map((d) => d.key);
  await db.transaction('rw', db.events, db.rollups, async () => {
    const [, existing] = await Promise.all([
      db.events.bulkAdd(rows),
      db.rollups.bulkGet(keys) as Promise<(InsightRollup | undefined)[]>,
    ]);
    await db.rollups.bulkPut(mergeRollups(deltas, existing));
  });
}

// ---------------------------------------------------------------------------------------------
// Retention

export const DEFAULT_RETENTION_DAYS = 365;
export const RETENTION_KEY = 'insights.retentionDays';
const DAY_MS = 86_400_000;

/**
 * Deletes raw events older than `days` (their rollups were updated when they were written, so
 * the charts keep them). Deletes in chunks so a long history does not hold one huge transaction.
 * Returns how many raw events were deleted.
 */
export async function applyRetention(
  db: AtelierDb,
  days: number,
  now = Date.now(),
): Promise<number> {
  const cutoff = now - days * DAY_MS;
  let deleted = 0;
  for (;;) {
    const ids = await db.events.where('at').below(cutoff).limit(5000).primaryKeys();
    if (!ids.length) return deleted;
    await db.events.bulkDelete(ids);
    deleted += ids.length;
  }
}

// ---------------------------------------------------------------------------------------------
// The app's recorder and the one-line API

/** The studio's recorder (the app's database). Tests and benches make their own. */
export const recorder = new EventRecorder(appDb);

/**
 * Records an event for Insights. Fire-and-forget: never throws, never blocks; stored within about
 * a second, or when the tab is hidden.
 */
export function track(event: TrackInput): void {
  recorder.track(event);
}

/** Writes queued events now (the Insights room calls it before reading). Never rejects. */
export function flushEvents(): Promise<void> {
  return recorder.flush();
}
