/**
 * From the Insights summary to each chart's spec and its one-paragraph text summary (what a
 * screen reader reads, and what anyone can read instead of the picture).
 */
import { dayToSeconds, type InsightsData } from '../../db/insights';
import type { ChartSpec } from './chart-spec';

export interface ChartView {
  spec: ChartSpec;
  summary: string;
  empty: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** "3 h 20 min", "45 min", "under a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return ms > 0 ? 'under a minute' : '0 min';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? (m ? `${h} h ${m} min` : `${h} h`) : `${m} min`;
}

function formatDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).toLocaleDateString('en', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  });
}

export function worksPerWeek(data: InsightsData): ChartView {
  const weeks = data.worksPerWeek;
  const total = weeks.reduce((a, w) => a + w.count, 0);
  const best = weeks.reduce((a, w) => (w.count > a.count ? w : a), { week: '', count: 0 });
  return {
    empty: total === 0,
    summary:
      `${plural(total, 'work')} brought in over ${plural(weeks.length, 'week')}` +
      (best.count ? `; the busiest week began ${formatDay(best.week)} with ${best.count}.` : '.'),
    spec: {
      kind: 'bars',
      x: weeks.map((w) => dayToSeconds(w.week)),
      series: [{ label: 'Works', values: weeks.map((w) => w.count) }],
      yLabel: 'works',
      format: (v) => (Number.isInteger(v) ? String(v) : ''),
    },
  };
}

export function activeTime(data: InsightsData): ChartView {
  const days = data.activePerDay;
  const active = days.filter((d) => d.ms > 0);
  const total = data.totals.activeMs;
  return {
    empty: total === 0,
    summary:
      `${formatDuration(total)} of active time (idle time left out) on ${plural(active.length, 'day')}` +
      (active.length ? `, ${formatDuration(total / active.length)} a day on average.` : '.'),
    spec: {
      kind: 'bars',
      x: days.map((d) => dayToSeconds(d.day)),
      series: [{ label: 'Active minutes', values: days.map((d) => Math.round(d.ms / 6000) / 10) }],
      yLabel: 'minutes',
    },
  };
}

export function topEffects(data: InsightsData): ChartView {
  const effects = data.topEffects;
  const list = effects
    .slice(0, 3)
    .map((e) => `${e.effectId} (${e.count}${e.automatic ? `, ${e.automatic} automatic` : ''})`)
    .join(', ');
  return {
    empty: effects.length === 0,
    summary: `Most used: ${list}.`,
    spec: {
      kind: 'bars',
      x: effects.map((_, i) => i),
      categories: effects.map((e) => e.effectId),
      series: [
        { label: 'All', values: effects.map((e) => e.count) },
        { label: 'Of which automatic', values: effects.map((e) => e.automatic) },
      ],
      yLabel: 'times added',
    },
  };
}

export function renderSpeed(data: InsightsData): ChartView {
  const backends = data.renderByBackend;
  const days = [...new Set(backends.flatMap((b) => b.points.map((p) => p.day)))].sort();
  return {
    empty: backends.length === 0,
    summary: backends
      .map(
        (b) =>
          `${b.backend}: ${Math.round(b.msPerMp).toLocaleString('en')} ms per megapixel over ` +
          `${plural(b.renders, 'render')}`,
      )
      .join('; ')
      .concat('. Lower is faster.'),
    spec: {
      kind: 'lines',
      x: days.map(dayToSeconds),
      series: backends.map((b) => {
        const byDay = new Map(b.points.map((p) => [p.day, p.msPerMp]));
        return { label: b.backend, values: days.map((d) => byDay.get(d) ?? null) };
      }),
      yLabel: 'ms / megapixel',
      format: (v) => String(Math.round(v)),
    },
  };
}

export function textSpeed(data: InsightsData): ChartView {
  const models = data.textByModel;
  return {
    empty: models.length === 0,
    summary: models
      .map(
        (m) =>
          `${m.model}: ${m.tokensPerSecond.toFixed(1)} tokens/s, first token after ` +
          `${Math.round(m.ttftMs)} ms, ${m.kept} of ${plural(m.runs, 'text')} kept`,
      )
      .join('; ')
      .concat('.'),
    spec: {
      kind: 'bars',
      x: models.map((_, i) => i),
      categories: models.map((m) => m.model),
      series: [{ label: 'Tokens per second', values: models.map((m) => m.tokensPerSecond) }],
      yLabel: 'tokens / s',
    },
  };
}

export function interventions(data: InsightsData): ChartView {
  const works = data.interventionsByWork;
  const total = data.totals.interventions;
  const half = Math.ceil(works.length / 2);
  const mean = (xs: { count: number }[]) =>
    xs.length ? xs.reduce((a, w) => a + w.count, 0) / xs.length : 0;
  const trend =
    works.length >= 4
      ? ` Earlier works averaged ${mean(works.slice(0, half)).toFixed(1)}, later works ` +
        `${mean(works.slice(half)).toFixed(1)}.`
      : '';
  return {
    empty: total === 0,
    summary:
      `${plural(total, 'manual intervention')} after automatic steps, on ` +
      `${plural(works.length, 'work')}.${trend}`,
    spec: {
      kind: 'bars',
      x: works.map((_, i) => i),
      categories: works.map((w, i) => (w.day ? `#${i + 1}` : w.workId.slice(0, 6))),
      series: [{ label: 'Interventions', values: works.map((w) => w.count) }],
      yLabel: 'interventions',
      format: (v) => (Number.isInteger(v) ? String(v) : ''),
    },
  };
}

export function streakSummary(data: InsightsData): string {
  const { current, longest, lastActiveDay } = data.streaks;
  if (!lastActiveDay) return 'No creative days yet.';
  return (
    `Current streak ${plural(current, 'day')}, longest ${plural(longest, 'day')}. ` +
    `Last creative day: ${formatDay(lastActiveDay)}.`
  );
}
