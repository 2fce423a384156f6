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
import { validateEvent, toRow, type StoredEvent, type TrackInput } from './event-types';
import { InsightsError } from '../../shared/errors/insights';
import { db as appDb } from './instance';
import { foldEvents, mergeRollups, type InsightRollup } from './rollups';
import type { AtelierDb } from './schema';

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
