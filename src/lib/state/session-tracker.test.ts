import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ActiveTimeMeter, recordLibraryEvent, trackSession } from './session-tracker';
import { type TrackInput } from '../db/event-types';
import { EventRecorder } from '../db/events';
import { openDb } from '../db/schema';

describe('ActiveTimeMeter', () => {
  it('counts gaps between inputs up to the idle limit, and nothing across idle or hidden time', () => {
    const m = new ActiveTimeMeter(60_000);
    m.activity(0);
    m.activity(30_000); // +30 s
    m.activity(30_500); // throttled (< 1 s): ignored, not lost
    m.activity(50_000); // +20 s
    m.activity(200_000); // idle for 150 s: +0
    m.activity(210_000); // +10 s
    expect(m.take()).toBe(60_000);
    expect(m.take()).toBe(0);
    m.hide(215_000); // +5 s up to hiding
    m.activity(900_000); // first input after coming back: +0
    m.activity(901_000); // +1 s
    expect(m.take()).toBe(6_000);
    expect(m.total).toBe(66_000);
  });
});

describe('trackSession', () => {
  it('emits started, minute slices, and ended with the active total on pagehide', async () => {
    const win = new EventTarget() as EventTarget & {
      document: EventTarget & { visibilityState: string };
    };
    win.document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    let t = 1_000_000;
    const emitted: TrackInput[] = [];
    const db = openDb(`session-${Date.now()}`);
    const recorder = new EventRecorder(db, { log: () => {} });
    trackSession(win as unknown as Window, {
      now: () => t,
      emit: (e) => emitted.push(e),
      recorder,
      idleMs: 60_000,
      sliceMs: 10,
    });
    t += 20_000;
    win.dispatchEvent(new Event('pointermove'));
    await new Promise((r) => setTimeout(r, 30)); // a slice
    t += 5_000;
    win.dispatchEvent(new Event('keydown'));
    win.document.visibilityState = 'hidden';
    t += 3_000;
    win.document.dispatchEvent(new Event('visibilitychange'));
    t += 600_000; // hidden: never counted
    win.document.visibilityState = 'visible';
    win.document.dispatchEvent(new Event('visibilitychange'));
    t += 2_000;
    win.dispatchEvent(new Event('pointerdown'));
    win.dispatchEvent(new Event('pagehide'));
    win.dispatchEvent(new Event('pagehide')); // once only
    expect(emitted).toEqual([
      { type: 'session.started' },
      { type: 'session.active', activeMs: 20_000 },
      { type: 'session.active', activeMs: 8_000 },
      { type: 'session.active', activeMs: 2_000 },
      { type: 'session.ended', activeMs: 30_000 },
    ]);
    await db.delete();
  });
});

describe('recordLibraryEvent', () => {
  it('records imports with the palette and purges as deletes', async () => {
    const out: TrackInput[] = [];
    const emit = (e: TrackInput) => out.push(e);
    const read = async () => ({ palette: ['#aabbcc', 'not-a-colour', '#112233'] });
    await recordLibraryEvent(
      { type: 'work-added', workId: 'w1', bytes: 10, width: 2, height: 2, mime: 'image/png' },
      emit,
      read,
    );
    await recordLibraryEvent(
      { type: 'work-added', workId: 'w2', bytes: 5, width: 1, height: 1, mime: 'image/png' },
      emit,
      () => Promise.reject(new Error('gone')),
    );
    await recordLibraryEvent({ type: 'works-purged', workIds: ['w1', 'w2'] }, emit, read);
    await recordLibraryEvent({ type: 'work-deleted', workId: 'w1' }, emit, read);
    expect(out).toEqual([
      {
        type: 'work.imported',
        workId: 'w1',
        bytes: 10,
        mime: 'image/png',
        palette: ['#aabbcc', '#112233'],
      },
      { type: 'work.imported', workId: 'w2', bytes: 5, mime: 'image/png' },
      { type: 'work.deleted', workId: 'w1' },
      { type: 'work.deleted', workId: 'w2' },
    ]);
  });
});
