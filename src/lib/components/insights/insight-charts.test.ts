import { describe, expect, it } from 'vitest';
import { summarize } from '../../db/insights';
import { type StoredEvent } from '../../db/event-types';
import { foldEvents } from '../../db/rollups';
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

  it('describes each chart in words, and aligns series for uPlot', () => {
    const data = dataOf([
      { type: 'work.imported', workId: 'a', at: at(0) },
      { type: 'work.imported', workId: 'b', at: at(1) },
      { type: 'work.imported', workId: 'c', at: at(8) },
      { type: 'session.active', activeMs: 90 * 60_000, at: at(0) },
      { type: 'session.active', activeMs: 30 * 60_000, at: at(1) },
      { type: 'render.finished', megapixels: 2, ms: 500, backend: 'webgpu', at: at(0) },
      { type: 'render.finished', megapixels: 1, ms: 2000, backend: 'wasm', at: at(1) },
      { type: 'effect.added', effectId: 'grain', automatic: false, at: at(0) },
      { type: 'effect.added', effectId: 'autocolor', automatic: true, at: at(0) },
      { type: 'effect.added', effectId: 'autocolor', automatic: false, at: at(1) },
      { type: 'intervention', workId: 'b', after: 'auto-colour', action: 'undo', at: at(1) },
    ]);
    expect(charts.worksPerWeek(data).summary).toBe(
      '3 works brought in over 2 weeks; the busiest week began Mar 2, 2026 with 2.',
    );
    expect(charts.activeTime(data).summary).toBe(
      '2 h of active time (idle time left out) on 2 days, 1 h a day on average.',
    );
    expect(charts.topEffects(data).summary).toBe(
      'Most used: autocolor (2, 1 automatic), grain (1).',
    );
    expect(charts.interventions(data).summary).toBe(
      '1 manual intervention after automatic steps, on 1 work.',
    );
    const render = charts.renderSpeed(data);
    expect(render.summary).toBe(
      'wasm: 2,000 ms per megapixel over 1 render; webgpu: 250 ms per megapixel over 1 render. Lower is faster.',
    );
    // Two backends on different days: one x axis, gaps as null.
    expect(render.spec.x).toHaveLength(2);
    expect(render.spec.series.map((s) => s.values)).toEqual([
      [null, 2000],
      [250, null],
    ]);
    expect(charts.textSpeed(data).empty).toBe(true);
    expect(charts.streakSummary(data)).toBe(
      'Current streak 0 days, longest 1 day. Last creative day: Mar 2, 2026.',
    );
  });
});
