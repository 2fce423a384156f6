/**
 * A time chart's spec translated into uPlot options: x is the bucket index (0…n-1), the x ticks
 * are the buckets that fit the width without overlapping, labelled in the artist's calendar.
 * Kept apart from the Svelte component so the options can be read (and tested) as plain data.
 */
import uPlot from 'uplot';
import type { ChartSpec } from '../../state/insight-charts';
import { pickTicks, tickLabels } from '../../../shared/insights/time-axis';

/** Series colours, read from the theme (with fallbacks readable on dark and light). */
const SERIES_VARS = ['--series-1', '--series-2', '--series-3', '--series-4'];
const SERIES_FALLBACK = ['#8f6ef0', '#2fb36b', '#d49a2a', '#4a86ef'];

function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** What the axes drew last: the labels of the x ticks and of the y ticks. */
export interface DrawnTicks {
  x: string[];
  y: string[];
}

/** uPlot options for `spec` at `width` × `height` CSS pixels; `onTicks` hears each axis drawn. */
export function toUplotOptions(
  spec: ChartSpec,
  width: number,
  height: number,
  onTicks?: (axis: 'x' | 'y', labels: string[]) => void,
): uPlot.Options {
  const fg = cssVar('--fg-muted', '#a7a7a7');
  const grid = cssVar('--border', '#3a3a3a');
  const n = spec.buckets.length;
  const format = spec.format ?? ((v: number) => String(Math.round(v * 100) / 100));
  const longest = Math.max(
    1,
    ...tickLabels(
      spec.buckets,
      spec.scale,
      spec.buckets.map((_, i) => i),
    ).map((l) => l.length),
  );
  const axis = (extra: uPlot.Axis = {}): uPlot.Axis => ({
    stroke: fg,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    ...extra,
  });
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
  const colour = (i: number) =>
    cssVar(SERIES_VARS[i % SERIES_VARS.length]!, SERIES_FALLBACK[i % SERIES_FALLBACK.length]!);
  return {
    width,
    height,
    legend: { show: spec.series.length > 1 },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: [-0.5, Math.max(0.5, n - 0.5)] },
      y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      axis({
        splits: (u) => pickTicks(n, u.bbox.width / uPlot.pxRatio, longest),
        values: (_u, splits) => {
          const labels = tickLabels(spec.buckets, spec.scale, splits);
          onTicks?.('x', labels);
          return labels;
        },
        grid: { show: false },
      }),
      axis({
        label: spec.yLabel,
        values: (_u, splits) => {
          const labels = splits.map(format);
          onTicks?.(
            'y',
            labels.filter((l) => l !== ''),
          );
          return labels;
        },
        size: 56,
      }),
    ],
    series: [
      {
        value: (_u: uPlot, i: number | null) =>
          i === null ? '–' : (tickLabels(spec.buckets, spec.scale, [i])[0] ?? ''),
      },
      ...spec.series.map((s, i) => {
        const color = colour(i);
        return spec.kind === 'bars'
          ? {
              label: s.label,
              stroke: color,
              fill: color,
              paths: bars,
              points: { show: false },
            }
          : {
              label: s.label,
              stroke: color,
              width: 2,
              spanGaps: true,
              points: { show: true, size: 6 },
              value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
            };
      }),
    ],
  };
}

/** The data array uPlot wants: x (bucket index) first, then each series. */
export function toUplotData(spec: ChartSpec): uPlot.AlignedData {
  return [spec.buckets.map((_, i) => i), ...spec.series.map((s) => s.values)] as uPlot.AlignedData;
}
