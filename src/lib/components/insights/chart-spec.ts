/**
 * A small description of each Insights chart (bars or lines, over time or over named categories)
 * and its translation into uPlot options. Kept apart from the Svelte component so the options
 * can be read (and tested) as plain data.
 */
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ChartSpec {
  kind: 'bars' | 'lines';
  /** Seconds (time axis) or 0…n-1 (category axis, named by `categories`). */
  x: number[];
  categories?: string[];
  /** Bars of later series are drawn over earlier ones at the same x (a part of a whole). */
  series: ChartSeries[];
  /** Unit shown on the y axis. */
  yLabel: string;
  /** Formats a y value for the axis and the legend. */
  format?: (v: number) => string;
}

/** Series colours readable on the light and the dark theme. */
export const SERIES_COLORS = ['#7c4ddb', '#1f9d57', '#c98a1b', '#2f6fe4', '#d2493a'];

function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** uPlot options for `spec` at `width` × `height` CSS pixels. */
export function toUplotOptions(spec: ChartSpec, width: number, height: number): uPlot.Options {
  const fg = cssVar('--fg-muted', '#5f5a54');
  const grid = cssVar('--border', '#d9d3cb');
  const categorical = !!spec.categories;
  const format = spec.format ?? ((v: number) => String(Math.round(v * 100) / 100));
  const axis = (extra: uPlot.Axis = {}): uPlot.Axis => ({
    stroke: fg,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    ...extra,
  });
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
  return {
    width,
    height,
    legend: { show: spec.series.length > 1 },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: categorical
        ? { time: false, range: [-0.5, Math.max(0.5, spec.x.length - 0.5)] }
        : { time: true },
      y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      axis(
        categorical
          ? {
              // Every category when they fit (≈56 px each), else every k-th.
              splits: (u) => {
                const fit = Math.max(1, Math.floor(u.bbox.width / uPlot.pxRatio / 56));
                const step = Math.ceil(spec.x.length / fit);
                return spec.x.filter((i) => i % step === 0);
              },
              values: (_u, splits) => splits.map((i) => spec.categories?.[i] ?? ''),
              grid: { show: false },
            }
          : {},
      ),
      axis({
        label: spec.yLabel,
        values: (_u, splits) => splits.map(format),
        size: 56,
      }),
    ],
    series: [
      {},
      ...spec.series.map((s, i) => {
        const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
        return spec.kind === 'bars'
          ? {
              label: s.label,
              stroke: color,
              fill: `${color}cc`,
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

/** The data array uPlot wants: x first, then each series. */
export function toUplotData(spec: ChartSpec): uPlot.AlignedData {
  return [spec.x, ...spec.series.map((s) => s.values)] as uPlot.AlignedData;
}
