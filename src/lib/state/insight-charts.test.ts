import { describe, expect, it } from 'vitest';
import { summarize } from '../db/insights';
import { type StoredEvent } from '../db/event-types';
import { foldEvents } from '../db/rollups';
import * as charts from './insight-charts';

const at = (day: number, hour = 12) => new Date(2026, 2, 2 + day, hour).getTime();
function dataOf(events: StoredEvent[], today = '2026-03-10') {
  const rows = [...foldEvents(events).values()];
  return summarize(rows, {}, today, ['2026-03-02']);
}

describe('chart summaries', () => {
  it('formats durations the way people say them', () => {
    expect(charts.formatDuration(0)).toBe('0 min');
    expect(charts.formatDuration(20_000)).toBe('under a minute');
    expect(charts.formatDuration(45 * 60_000)).toBe('45 min');
    expect(charts.formatDuration(200 * 60_000)).toBe('3 h 20 min');
    expect(charts.formatDuration(120 * 60_000)).toBe('2 h');
  });

  it('describes each chart in words, with human names, in day buckets for nine days', () => {
    const data = dataOf([
      { type: 'work.imported', workId: 'a', at: at(0) },
      { type: 'work.imported', workId: 'b', at: at(1) },
      { type: 'work.imported', workId: 'c', at: at(8) },
      { type: 'session.active', activeMs: 90 * 60_000, at: at(0) },
      { type: 'session.active', activeMs: 30 * 60_000, at: at(1) },
      { type: 'render.finished', megapixels: 2, ms: 500, backend: 'webgpu', at: at(0) },
      { type: 'render.finished', megapixels: 1, ms: 2000, backend: 'wasm', at: at(1) },
      { type: 'effect.added', effectId: 'grain', automatic: false, at: at(0) },
      { type: 'effect.added', effectId: 'neural:denoise', automatic: true, at: at(0) },
      { type: 'effect.added', effectId: 'neural:denoise', automatic: false, at: at(1) },
      { type: 'intervention', workId: 'b', after: 'auto-colour', action: 'undo', at: at(1) },
    ]);
    const works = charts.worksOverTime(data);
    expect(works.spec.scale).toBe('day');
    expect(works.spec.buckets).toHaveLength(9); // 2 … 10 March
    expect(works.spec.series[0]!.values).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(works.summary).toBe(
      '3 works brought in over 9 days; the busiest was 2 Mar 2026 with 1.',
    );
    expect(charts.activeTime(data).summary).toBe(
      '2 h of active time (idle time left out) on 2 days, 1 h a day on average.',
    );
    const effects = charts.topEffects(data);
    expect(effects.summary).toBe('Most used: Denoise (2, 1 automatic), Film grain (1).');
    expect(effects.rows.map((r) => r.label)).toEqual(['Denoise', 'Film grain']);
    expect(charts.interventions(data, new Map([['b', 'Red roofs']])).rows).toEqual([
      { label: 'Red roofs', value: 1, text: '1' },
    ]);
    const render = charts.renderSpeed(data);
    expect(render.summary).toBe(
      'CPU: 2,000 ms per megapixel over 1 render; GPU: 250 ms per megapixel over 1 render. Lower is faster.',
    );
    // Two backends on different days: one bucket axis, gaps as null.
    expect(render.spec.series.map((s) => s.label)).toEqual(['CPU', 'GPU']);
    expect(render.spec.series.map((s) => s.values.slice(0, 3))).toEqual([
      [null, 2000, null],
      [250, null, null],
    ]);
    expect(charts.texts(data).empty).toBe(true);
    expect(charts.streakSummary(data)).toBe(
      'Current streak 0 days, longest 1 day. Last creative day: 2 Mar 2026.',
    );
  });

  it('counts texts written and kept (kept recorded apart, or on older events)', () => {
    const text = (kept: boolean, day: number): StoredEvent => ({
      type: 'text.generated',
      model: 'atelier-tiny',
      generator: 'caption',
      tokens: 20,
      ttftMs: 100,
      tokensPerSecond: 30,
      kept,
      at: at(day),
    });
    const data = dataOf([
      text(false, 0),
      text(false, 0),
      text(false, 1),
      {
        type: 'text.kept',
        generator: 'caption',
        origin: 'model',
        edited: false,
        model: 'atelier-tiny',
        at: at(1),
      },
      text(true, 1), // recorded before texts were counted when written
    ]);
    expect(data.totals).toMatchObject({ texts: 4, textsKept: 2 });
    const view = charts.texts(data);
    expect(view.summary).toBe(
      '4 texts written, 2 kept. Atelier tiny: 30.0 tokens/s, first token after 100 ms, 2 of 4 texts kept.',
    );
    expect(view.rows).toEqual([{ label: 'Atelier tiny', value: 30, text: '30.0 tokens/s' }]);
  });

  it('draws long ranges in weeks or months', () => {
    const day = 86_400_000;
    const weeks = dataOf(
      [
        { type: 'work.imported', workId: 'a', at: at(0) },
        { type: 'work.imported', workId: 'b', at: at(0) + 60 * day },
      ],
      '2026-05-01',
    );
    const w = charts.worksOverTime(weeks);
    expect(w.spec.scale).toBe('week');
    expect(w.spec.buckets[0]).toBe('2026-03-02');
    expect(w.spec.series[0]!.values.reduce((a, v) => a! + v!, 0)).toBe(2);
    const months = dataOf([{ type: 'work.imported', workId: 'a', at: at(0) }], '2026-12-03');
    const m = charts.worksOverTime(months);
    expect(m.spec.scale).toBe('month');
    expect(m.spec.buckets).toHaveLength(10); // March … December
    expect(m.summary).toBe('1 work brought in over 10 months; the busiest was Mar 2026 with 1.');
  });
});
