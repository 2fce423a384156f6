/**
 * Session tracking for Insights: active time with idle excluded. Input (pointer, keys, wheel,
 * touch) marks the person present; a gap between inputs counts as active only when it is shorter
 * than the idle limit (default 2 minutes), and time while the tab is hidden never counts.
 * Active time is recorded as `session.active` slices (every minute, and when the tab is hidden or
 * closed); `session.started` and `session.ended` bracket the session.
 *
 * Started once from main.ts (`startSessionTracking()`), which also attaches the event queue's
 * flush-on-hide, records Library changes (imports, final deletes) and applies the retention
 * setting once the studio is idle.
 */
import { db } from '../db/instance';
import * as eventTypes from '../db/event-types';
import { type TrackInput } from '../db/event-types';
import * as events from '../db/events';
import { recorder, runRetention, track, type EventRecorder } from '../db/events';
import * as insights from '../db/insights';
import * as insightsExport from '../db/insights-export';
import * as rollups from '../db/rollups';
import { onLibraryEvent, type LibraryEvent } from '../db/library-events';
import { getWork } from '../db/works';

export const IDLE_MS = 120_000;
export const SLICE_MS = 60_000;
/** Inputs closer together than this are not looked at (pointermove fires constantly). */
const THROTTLE_MS = 1000;

/** Active-time arithmetic, separate from the DOM so it can be tested with a fake clock. */
export class ActiveTimeMeter {
  #last: number | null = null;
  #pending = 0;
  total = 0;
  constructor(readonly idleMs = IDLE_MS) {}

  /** The person did something at `t`. */
  activity(t: number): void {
    if (this.#last !== null) {
      const gap = t - this.#last;
      if (gap < THROTTLE_MS && gap >= 0) return;
      if (gap > 0 && gap <= this.idleMs) this.#add(gap);
    }
    this.#last = t;
  }

  /** The tab was hidden (or closed) at `t`: the time since the last input counts if not idle. */
  hide(t: number): void {
    if (this.#last !== null) {
      const gap = t - this.#last;
      if (gap > 0 && gap <= this.idleMs) this.#add(gap);
    }
    this.#last = null;
  }

  /** Active ms accrued since the last call. */
  take(): number {
    const ms = this.#pending;
    this.#pending = 0;
    return ms;
  }

  #add(ms: number): void {
    this.#pending += ms;
    this.total += ms;
  }
}

const INPUTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

export interface SessionTrackerOptions {
  now?: () => number;
  emit?: (event: TrackInput) => void;
  recorder?: EventRecorder;
  idleMs?: number;
  sliceMs?: number;
}

/** Wires a meter to the page. Returns a function that ends the session (tests). */
export function trackSession(target: Window, options: SessionTrackerOptions = {}): () => void {
  const now = options.now ?? Date.now;
  const emit = options.emit ?? track;
  const rec = options.recorder ?? recorder;
  const meter = new ActiveTimeMeter(options.idleMs);
  let ended = false;

  const slice = () => {
    const ms = meter.take();
    if (ms > 0) emit({ type: 'session.active', activeMs: Math.round(ms) });
  };
  const onInput = () => meter.activity(now());
  const onVisibility = () => {
    if (target.document.visibilityState === 'hidden') {
      meter.hide(now());
      slice();
      void rec.flush();
    } else meter.activity(now());
  };
  const end = () => {
    if (ended) return;
    ended = true;
    meter.hide(now());
    slice();
    emit({ type: 'session.ended', activeMs: Math.round(meter.total) });
    void rec.flush();
  };

  emit({ type: 'session.started' });
  meter.activity(now());
  for (const name of INPUTS)
    target.addEventListener(name, onInput, { capture: true, passive: true });
  target.document.addEventListener('visibilitychange', onVisibility);
  target.addEventListener('pagehide', end);
  const timer = setInterval(slice, options.sliceMs ?? SLICE_MS);
  const detachLifecycle = rec.attachLifecycle(target);

  return () => {
    end();
    clearInterval(timer);
    for (const name of INPUTS) target.removeEventListener(name, onInput, { capture: true });
    target.document.removeEventListener('visibilitychange', onVisibility);
    target.removeEventListener('pagehide', end);
    detachLifecycle();
  };
}

/**
 * Turns committed Library changes into Insights events: an import (with the work's palette, for
 * the palette timeline) and a final delete (when the undo window closes and the work is purged).
 */
export async function recordLibraryEvent(
  event: LibraryEvent,
  emit: (event: TrackInput) => void = track,
  readWork: (workId: string) => Promise<{ palette: string[] }> = (id) => getWork(db, id),
): Promise<void> {
  if (event.type === 'work-added') {
    const palette = await readWork(event.workId).then(
      (w) => w.palette.filter((c) => /^#[0-9a-f]{6}$/i.test(c)).slice(0, 8),
      () => undefined,
    );
    emit({
      type: 'work.imported',
      workId: event.workId,
      bytes: event.bytes,
      mime: event.mime,
      ...(palette ? { palette } : {}),
    });
  } else if (event.type === 'works-purged') {
    for (const workId of event.workIds) emit({ type: 'work.deleted', workId });
  }
}

let started = false;

/** The studio's session: call once at start-up (main.ts). */
export function startSessionTracking(): void {
  if (started || typeof window === 'undefined') return;
  started = true;
  trackSession(window);
  onLibraryEvent((event) => void recordLibraryEvent(event));
  // Retention runs once per start, when the studio is idle; failures are logged, never shown.
  const retain = () =>
    void runRetention(db).catch((error: unknown) => console.warn('[insights] retention', error));
  if ('requestIdleCallback' in window) requestIdleCallback(retain, { timeout: 30_000 });
  else setTimeout(retain, 10_000);
  // E2E tests and the benchmark drive the real API from the page (never in normal use).
  try {
    if (localStorage.getItem('atelier.testHooks') === '1') {
      (globalThis as { __atelierInsights?: unknown }).__atelierInsights = {
        db,
        ...eventTypes,
        ...rollups,
        ...events,
        ...insights,
        ...insightsExport,
      };
    }
  } catch {
    // storage disabled: no hooks
  }
}
