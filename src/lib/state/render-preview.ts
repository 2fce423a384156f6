/**
 * The Render room's preview loop. One preview is in the engine at a time; the newest request
 * waits as `pending` (older pending ones are dropped). A render that a newer change overtakes is
 * aborted through its AbortSignal (its result is never painted) unless no frame has been painted
 * for a while, in which case it may finish, so a long drag still shows frames.
 *
 * Plain TypeScript: the room's rune state (./render-room.svelte.ts) owns the source, the stack
 * and the painted frame, and hands them over through a `PreviewHost`.
 */
import {
  render,
  renderClient,
  renderCpuClient,
  type RenderOutcome,
} from '../compute/render-client';
import { handleError } from '../errors/handle-error';
import type { Rgba } from './image-io';
import type { EffectStack } from '../../shared/effects/types';
import { isAbortError } from '../../shared/errors/base';
import { settings } from './settings.svelte';

/** A rectangle of the source, in its pixels. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

const sameRegion = (a: Region | undefined, b: Region | undefined) =>
  a === b ||
  (!!a && !!b && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height);

/** After this long without a painted frame, an overtaken preview is allowed to finish. */
const FRAME_PATIENCE_MS = 150;

/** What the preview loop reads from the room, each time a render starts, and tells it. */
export interface PreviewHost {
  /** The preview-size copy of the original; null when no work is open (nothing renders). */
  source(): Rgba | null;
  /** The pixels the engine reads for `source` (its shared-memory copy when there is one). */
  pixels(source: Rgba): Rgba;
  /** The stack to preview now. */
  stack(): EffectStack;
  /** The source's scale to the original and the preview box, in device pixels. */
  preview(): { sourceScale: number; box: { width: number; height: number } };
  /** Only this part of the source (a zoomed-in view; see RenderOptions.region), or the whole. */
  region?(): Region | undefined;
  /**
   * Pixels no longer shown (the frame the last paint replaced), once: the next render writes its
   * result into them when the size is the same (no new memory; see RenderOptions.into).
   */
  spare?(): Promise<Uint8Array | Uint8ClampedArray | undefined>;
  /** A finished render whose source is still the room's: paint it (`region`: the part it is). */
  paint(outcome: RenderOutcome, region?: Region, stack?: EffectStack): void;
  /** The loop started (true) or ended (false). */
  busy(previewing: boolean): void;
}

/** Schedules the room's previews: latest wins, overtaken renders aborted, no pile-up. */
export class PreviewScheduler {
  readonly #host: PreviewHost;
  #pending: EffectStack | null = null;
  #inflight: { controller: AbortController; stack: EffectStack; region?: Region } | null = null;
  #loop: Promise<void> | null = null;
  #lastPaint = 0;

  constructor(host: PreviewHost) {
    this.#host = host;
  }

  /** Asks for a preview of the host's current stack (latest wins). */
  request(): void {
    if (!this.#host.source()) return;
    // Already rendering exactly this stack: its frame will do.
    const current = this.#inflight;
    if (
      !this.#pending &&
      current?.stack === this.#host.stack() &&
      sameRegion(current.region, this.#host.region?.()) &&
      !current.controller.signal.aborted
    ) {
      return;
    }
    this.#pending = this.#host.stack();
    const inflight = this.#inflight;
    if (inflight && performance.now() - this.#lastPaint < FRAME_PATIENCE_MS) {
      inflight.controller.abort();
    }
    if (this.#loop) return;
    this.#loop = this.#run().finally(() => {
      this.#loop = null;
      // A request that came in while the loop was finishing.
      if (this.#pending) this.request();
    });
  }

  /** Aborts the render in flight: its frame is never painted. */
  abort(): void {
    this.#inflight?.controller.abort();
  }

  /** Aborts the render in flight and drops the waiting request. */
  stop(): void {
    this.abort();
    this.#pending = null;
  }

  async #run(): Promise<void> {
    this.#host.busy(true);
    try {
      while (this.#pending) {
        const into = await this.#host.spare?.();
        const source = this.#host.source();
        if (!source || !this.#pending) break;
        const stack = this.#pending;
        this.#pending = null;
        const controller = new AbortController();
        const region = this.#host.region?.();
        this.#inflight = { controller, stack, ...(region ? { region } : {}) };
        try {
          // The worker scales spatial params to the preview and previews an upscale at screen
          // size (without the network) unless its 2× output fits the preview box.
          const outcome = await render({
            image: this.#host.pixels(source),
            stack,
            preview: this.#host.preview(),
            signal: controller.signal,
            backend: settings.backend,
            ...(region ? { region } : {}),
            ...(into ? { into } : {}),
          });
          if (!controller.signal.aborted && this.#host.source() === source) {
            this.#lastPaint = performance.now();
            this.#host.paint(outcome, region, stack);
          }
        } catch (error) {
          if (!isAbortError(error)) handleError(error, 'Preview');
        } finally {
          this.#inflight = null;
        }
        // An aborted single-tile job still finishes in the worker: wait for the lane to be free
        // so overtaken renders never pile up behind each other.
        if (controller.signal.aborted) await engineIdle();
      }
    } finally {
      this.#host.busy(false);
    }
  }
}

/**
 * The notice a render's outcome calls for: the engine's own (e.g. the GPU was lost), or the CPU
 * fallback's when WASM ran though it was not asked for; null when none.
 */
export function noticeFor(outcome: RenderOutcome): string | null {
  if (outcome.notice) return outcome.notice;
  if (outcome.backend === 'wasm' && settings.backend !== 'wasm') {
    return 'No usable graphics card was found, so effects run on the processor. They look the same, only more slowly.';
  }
  return null;
}

/** Resolves once both render workers' lanes are free (a started worker only). */
function engineIdle(): Promise<void> {
  const idle = (client: typeof renderClient) =>
    client.alive
      ? client.call(() => Promise.resolve(), { lane: 'render' }).catch(() => undefined)
      : Promise.resolve();
  return Promise.all([idle(renderClient), idle(renderCpuClient)]).then(() => undefined);
}
