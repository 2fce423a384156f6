/**
 * From the Insights summary to what each chart draws and its one-paragraph text summary (what a
 * screen reader reads, and what anyone can read instead of the picture). Time charts are drawn in
 * day, week or month buckets of the artist's calendar, whichever fits the range; lists of named
 * things (effects, models, works) are bar lists with their names in plain words.
 */
import type { InsightsData } from '../db/insights';
import {
  bucketName,
  buckets,
  scaleFor,
  sumByBucket,
  type TimeScale,
} from '../../shared/insights/time-axis';
import { backendName, effectName, modelName } from '../../shared/studio/names';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

/** A chart over time: one value per bucket (x = 0…n-1) for each series. */
export interface ChartSpec {
  kind: 'bars' | 'lines';
  scale: TimeScale;
  /** First day (YYYY-MM-DD) of each bucket. */
  buckets: string[];
  series: ChartSeries[];
  /** Unit shown on the y axis. */
  yLabel: string;
  /** Formats a y value for the axis and the legend. */
  format?: (v: number) => string;
}

export interface ChartView {
  spec: ChartSpec;
  summary: string;
  empty: boolean;
}

/** One row of a bar list: a named thing, its value, and the value in words. */
export interface BarRow {
  label: string;
  value: number;
  text: string;
}
export interface BarView {
  rows: BarRow[];
  summary: string;
  empty: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
const integer = (v: number) => (Number.isInteger(v) ? String(v) : '');

/** "3 h 20 min", "45 min", "under a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return ms > 0 ? 'under a minute' : '0 min';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? (m ? `${h} h ${m} min` : `${h} h`) : `${m} min`;
}

/** "3 Dec 2026". */
export function formatDay(day: string): string {
  return bucketName(day, 'day');
}

/** The buckets of the range shown. */
function axis(data: InsightsData): { scale: TimeScale; days: string[] } {
  const scale = scaleFor(data.from, data.to);
  return { scale, days: buckets(data.from, data.to, scale) };
}

const PER: Record<TimeScale, string> = { day: 'day', week: 'week', month: 'month' };

/** "day", "week" or "month": what one bar of the time charts stands for. */
export function scaleUnit(data: InsightsData): string {
  return PER[axis(data).scale];
}

export function worksOverTime(data: InsightsData): ChartView {
  const { scale, days } = axis(data);
  const values = sumByBucket(
    data.worksPerDay.map((d) => ({ day: d.day, value: d.count })),
    days,
    scale,
  );
  const total = values.reduce((a, v) => a + v, 0);
  let best = 0;
  values.forEach((v, i) => {
    if (v > values[best]!) best = i;
  });
  return {
    empty: total === 0,
    summary:
      `${plural(total, 'work')} brought in over ${plural(days.length, PER[scale])}` +
      (total ? `; the busiest was ${bucketName(days[best]!, scale)} with ${values[best]}.` : '.'),
    spec: {
      kind: 'bars',
      scale,
      buckets: days,
      series: [{ label: 'Works', values }],
      yLabel: 'works',
      format: integer,
    },
  };
}

export function activeTime(data: InsightsData): ChartView {
  const { scale, days } = axis(data);
  const ms = sumByBucket(
    data.activePerDay.map((d) => ({ day: d.day, value: d.ms })),
    days,
    scale,
  );
  const activeDays = data.activePerDay.filter((d) => d.ms > 0).length;
  const total = data.totals.activeMs;
  return {
    empty: total === 0,
    summary:
      `${formatDuration(total)} of active time (idle time left out) on ${plural(activeDays, 'day')}` +
      (activeDays ? `, ${formatDuration(total / activeDays)} a day on average.` : '.'),
    spec: {
      kind: 'bars',
      scale,
      buckets: days,
      series: [{ label: 'Active minutes', values: ms.map((v) => Math.round(v / 6000) / 10) }],
      yLabel: 'minutes',
    },
  };
}

export function renderSpeed(data: InsightsData): ChartView {
  const { scale, days } = axis(data);
  const backends = data.renderByBackend;
  return {
    empty: backends.length === 0,
    summary: backends
      .map(
        (b) =>
          `${backendName(b.backend)}: ${Math.round(b.msPerMp).toLocaleString('en')} ms per ` +
          `megapixel over ${plural(b.renders, 'render')}`,
      )
      .join('; ')
      .concat('. Lower is faster.'),
    spec: {
      kind: 'lines',
      scale,
      buckets: days,
      series: backends.map((b) => {
        const ms = sumByBucket(
          b.points.map((p) => ({ day: p.day, value: p.ms })),
          days,
          scale,
        );
        const mp = sumByBucket(
          b.points.map((p) => ({ day: p.day, value: p.mp })),
          days,
          scale,
        );
        return {
          label: backendName(b.backend),
          values: ms.map((v, i) => (mp[i]! > 0 ? Math.round(v / mp[i]!) : null)),
        };
      }),
      yLabel: 'ms / megapixel',
      format: (v) => String(Math.round(v)),
    },
  };
}

export function topEffects(data: InsightsData): BarView {
  const effects = data.topEffects;
  const text = (e: (typeof effects)[number]) =>
    `${e.count}${e.automatic ? `, ${e.automatic} automatic` : ''}`;
  return {
    empty: effects.length === 0,
    summary: `Most used: ${effects
      .slice(0, 3)
      .map((e) => `${effectName(e.effectId)} (${text(e)})`)
      .join(', ')}.`,
    rows: effects.map((e) => ({ label: effectName(e.effectId), value: e.count, text: text(e) })),
  };
}

export function texts(data: InsightsData): BarView {
  const models = data.textByModel;
  const { texts: written, textsKept: kept } = data.totals;
  return {
    empty: written === 0 && kept === 0,
    summary:
      `${plural(written, 'text')} written, ${kept.toLocaleString('en')} kept. ` +
      models
        .map(
          (m) =>
            `${modelName(m.model)}: ${m.tokensPerSecond.toFixed(1)} tokens/s, first token after ` +
            `${Math.round(m.ttftMs)} ms, ${m.kept} of ${plural(m.runs, 'text')} kept`,
        )
        .join('; ')
        .concat(models.length ? '.' : ''),
    rows: models.map((m) => ({
      label: modelName(m.model),
      value: m.tokensPerSecond,
      text: `${m.tokensPerSecond.toFixed(1)} tokens/s`,
    })),
  };
}

/** `titles` names the works by id (a work deleted since is "a deleted work"). */
export function interventions(data: InsightsData, titles: Map<string, string>): BarView {
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
    rows: works.map((w) => ({
      label: titles.get(w.workId) ?? 'A deleted work',
      value: w.count,
      text: String(w.count),
    })),
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
