/**
 * The Insights room's state: the date range, the summary read from rollups, the retention
 * setting, and the data actions (export as CSV or JSON, delete everything). Nothing here sends
 * anything anywhere: exports are files the person saves.
 */
import { db } from '../db/instance';
import { flushEvents, recorder } from '../db/events';
import { dayKey } from '../db/rollups';
import { getRetentionDays, setRetentionDays } from '../db/events';
import {
  addDays,
  deleteAllAnalytics,
  loadInsights,
  type DayRange,
  type InsightsData,
} from '../db/insights';

export type { PaletteEntry } from '../db/insights';
import { exportAnalytics, exportToCsv, exportToJson } from '../db/insights-export';
import { workTitles } from '../db/works';

export type RangePreset = '30d' | '90d' | '365d' | 'all' | 'custom';

export const RANGE_PRESETS: { id: RangePreset; label: string }[] = [
  { id: '30d', label: 'Last 30 days' },
  { id: '90d', label: 'Last 90 days' },
  { id: '365d', label: 'Last year' },
  { id: 'all', label: 'All time' },
  { id: 'custom', label: 'Custom' },
];

/** The days a preset covers, ending today. */
export function presetRange(preset: RangePreset, today: string, custom: DayRange): DayRange {
  switch (preset) {
    case '30d':
      return { from: addDays(today, -29), to: today };
    case '90d':
      return { from: addDays(today, -89), to: today };
    case '365d':
      return { from: addDays(today, -364), to: today };
    case 'custom':
      return custom;
    default:
      return {};
  }
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

class InsightsState {
  data = $state<InsightsData | null>(null);
  /** Titles of the works the charts name (interventions per work). */
  titles = $state(new Map<string, string>());
  loading = $state(false);
  preset = $state<RangePreset>('all');
  customFrom = $state('');
  customTo = $state('');
  retentionDays = $state(365);
  /** Time the last load took (ms), for the room's own footer and the benchmark. */
  loadMs = $state<number | null>(null);
  #loadId = 0;

  get range(): DayRange {
    const custom: DayRange = {};
    if (this.customFrom) custom.from = this.customFrom;
    if (this.customTo) custom.to = this.customTo;
    return presetRange(this.preset, dayKey(Date.now()), custom);
  }

  /**
   * Reads the summary for the current range (after writing what is still queued).
   * @throws InsightsError 'insights-storage-failed'
   */
  async load(): Promise<void> {
    const id = ++this.#loadId;
    const t0 = performance.now();
    this.loading = true;
    try {
      await flushEvents();
      const [data, retention] = await Promise.all([
        loadInsights(db, this.range),
        getRetentionDays(db),
      ]);
      if (id !== this.#loadId) return; // a newer load (range change) won
      const titles = await workTitles(
        db,
        data.interventionsByWork.map((w) => w.workId),
      );
      if (id !== this.#loadId) return;
      this.titles = titles;
      this.data = data;
      this.retentionDays = retention;
      this.loadMs = performance.now() - t0;
    } finally {
      if (id === this.#loadId) this.loading = false;
    }
  }

  /** Saves every event and rollup as a file. @throws InsightsError on a storage failure */
  async export(kind: 'csv' | 'json'): Promise<void> {
    await flushEvents();
    const data = await exportAnalytics(db);
    const stamp = dayKey(Date.now());
    if (kind === 'csv') download(`atelier-insights-${stamp}.csv`, 'text/csv', exportToCsv(data));
    else download(`atelier-insights-${stamp}.json`, 'application/json', exportToJson(data));
  }

  /** Deletes all analytics on this device. @throws InsightsError 'insights-storage-failed' */
  async deleteAll(): Promise<void> {
    await deleteAllAnalytics(db, recorder);
    await this.load();
  }

  /**
   * Saves the retention setting and applies it; returns how many raw events were deleted.
   * @throws InsightsError 'insights-bad-retention'
   */
  async setRetention(days: number): Promise<number> {
    const deleted = await setRetentionDays(db, days);
    this.retentionDays = days;
    return deleted;
  }
}

export const insights = new InsightsState();
