/**
 * Batch apply: render a preset over a selection of works, one after another, each saved as a new
 * version (a work that already has this preset's version keeps it, and counts as done). Overall and per-work progress; cancel stops the work in progress (it keeps no half
 * version: a version is written in one transaction after its render) and leaves the rest
 * untouched; finished works keep their new versions. Ends with a summary.
 */
import { db } from '../db/instance';
import { getPreset } from '../db/presets';
import { getWork } from '../db/works';
import { handleError } from '../errors/handle-error';
import { newLayerId, renderWorkFull } from './render-work';
import { isAbortError } from '../../shared/errors/base';
import { withFreshIds } from '../../shared/render-room/stack-edit';

export type BatchItemState = 'waiting' | 'rendering' | 'done' | 'failed' | 'cancelled';

export interface BatchItem {
  workId: string;
  title: string;
  state: BatchItemState;
  /** 0–1 */
  progress: number;
  error?: string;
}

export interface BatchSummary {
  done: number;
  failed: number;
  cancelled: number;
  presetName: string;
}

class Batch {
  items = $state<BatchItem[]>([]);
  running = $state(false);
  summary = $state.raw<BatchSummary | null>(null);
  /** Overall progress 0–1. */
  overall = $derived(
    this.items.length
      ? this.items.reduce((s, i) => s + (i.state === 'done' ? 1 : i.progress), 0) /
          this.items.length
      : 0,
  );
  #controller: AbortController | null = null;

  /** Applies preset `presetId` to `workIds` in order. */
  async run(presetId: string, workIds: string[]): Promise<void> {
    if (this.running || workIds.length === 0) return;
    const controller = new AbortController();
    this.#controller = controller;
    this.running = true;
    this.summary = null;
    try {
      const preset = await getPreset(db, presetId);
      const works = await Promise.all(workIds.map((id) => getWork(db, id)));
      this.items = works.map((w) => ({
        workId: w.id,
        title: w.title,
        state: 'waiting',
        progress: 0,
      }));
      for (let i = 0; i < works.length; i++) {
        const item = this.items[i]!;
        if (controller.signal.aborted) {
          item.state = 'cancelled';
          continue;
        }
        item.state = 'rendering';
        try {
          await renderWorkFull({
            work: works[i]!,
            stack: withFreshIds(preset.stack, newLayerId),
            signal: controller.signal,
            onProgress: (f) => (item.progress = f),
            label: `Preset “${preset.name}”`,
          });
          item.state = 'done';
          item.progress = 1;
        } catch (error) {
          if (isAbortError(error)) {
            item.state = 'cancelled';
            item.progress = 0;
          } else {
            item.state = 'failed';
            item.error = handleError(error, `Batch: “${item.title}”`) ?? 'failed';
          }
        }
      }
      const count = (s: BatchItemState) => this.items.filter((i) => i.state === s).length;
      this.summary = {
        done: count('done'),
        failed: count('failed'),
        cancelled: count('cancelled'),
        presetName: preset.name,
      };
    } catch (error) {
      handleError(error, 'Batch apply');
    } finally {
      this.running = false;
      this.#controller = null;
    }
  }

  cancel(): void {
    this.#controller?.abort();
  }

  clear(): void {
    if (this.running) return;
    this.items = [];
    this.summary = null;
  }
}

export const batch = new Batch();
