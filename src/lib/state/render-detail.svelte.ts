/**
 * The Render room's zoomed-in view: when the artist zooms past what the preview frame holds, the
 * part of the work in view is rendered again from the original at the zoom's level (full size
 * from 100 %, half or quarter size below), with the stack exactly as a full render applies it
 * (a region render: the engine reads the stack's reach around it and places it in the whole
 * frame). The preview frame stays underneath, so panning never shows a gap; the sharper part is
 * painted over it when it is ready. Not with Upscale 2× in the stack (its preview shows the
 * stack without the network, see RenderRequest.preview), where the preview frame alone is shown.
 */
import { decodeImage, toRgba, type Rgba } from './image-io';
import { sharedPixels } from '../../shared/compute/shared-pixels';
import { PreviewScheduler, type Region } from './render-preview';
import { levelFor, levelRegion } from '../../shared/render-room/view-transform';
import type { EffectStack } from '../../shared/effects/types';
import { stackOutputSize } from '../../shared/render-room/geometry';

/** A painted region render: `rect` in the level's pixels, the level `width`×`height`. */
export interface Detail {
  image: Rgba;
  rect: Region;
  /** The level's size (the whole work at this level). */
  width: number;
  height: number;
  /** The level's scale to the work (1 = full size). */
  scale: number;
}

/** What the detail view reads from the room. */
export interface DetailHost {
  /** The open work's original and its size; null without one. */
  original(): { key: string; blob: () => Promise<Blob>; width: number; height: number } | null;
  stack(): EffectStack;
  /** The preview frame's scale to the work (the detail is worth it only above it). */
  previewScale(): number;
  /** Whether the stack changes the size (Upscale 2×): then there is no detail view. */
  scales(): boolean;
  /** The preview box in device px. */
  box(): { width: number; height: number };
}

/** Decoded levels kept per work (a 12 MP full-size level is 48 MB). */
const LEVELS_KEPT = 2;

const contains = (outer: Region, inner: Region) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

interface Level {
  key: string;
  scale: number;
  image: Rgba;
  pixels: Rgba;
}

export class RenderDetail {
  /** The last painted region render; null when the view needs none. */
  detail = $state.raw<Detail | null>(null);
  /** Region renders painted (tests wait on it). */
  painted = $state(0);
  readonly #host: DetailHost;
  #want: { rect: Region; zoom: number } | null = null;
  #level: Level | null = null;
  /** Decoded levels of the open work, the most recent last (at most LEVELS_KEPT). */
  #levels: Level[] = [];
  #wantKey: string | null = null;
  #region: Region | undefined;
  /** What the painted detail shows: its region and stack. */
  #painted: { region: Region; stack: EffectStack } | null = null;
  #decoding: Promise<void> | null = null;
  readonly #scheduler: PreviewScheduler;

  constructor(host: DetailHost) {
    this.#host = host;
    this.#scheduler = new PreviewScheduler({
      source: () => (this.#region ? (this.#level?.image ?? null) : null),
      pixels: (image) => (this.#level?.image === image ? this.#level.pixels : image),
      stack: () => this.#host.stack(),
      preview: () => ({
        sourceScale: this.#level?.scale ?? 1,
        box: this.#host.box(),
      }),
      region: () => this.#region,
      paint: (outcome, region, stack) => {
        const level = this.#level;
        if (!level || !region || !stack || !this.#want) return;
        this.#painted = { region, stack };
        // Placed on the framed level (the crop and turns of the stack it rendered).
        const framed = stackOutputSize(level.image, stack);
        this.detail = {
          image: toRgba(outcome),
          rect: region,
          width: framed.width,
          height: framed.height,
          scale: level.scale,
        };
        this.painted += 1;
      },
      busy: () => undefined,
    });
  }

  /**
   * The view changed: `rect` is the part of the work in view (work px) at `zoom` (device px per
   * work px), or null at fit. Renders the part again when the zoom is past the preview's.
   */
  show(view: { rect: Region; zoom: number } | null): void {
    const original = this.#host.original();
    const worth =
      view && original && !this.#host.scales() && view.zoom > this.#host.previewScale() * 1.15;
    if (!worth) {
      this.clear();
      return;
    }
    this.#want = view;
    const scale = levelFor(view.zoom);
    const key = `${original.key}@${scale}`;
    this.#wantKey = key;
    if (this.#level?.key !== key) {
      const kept = this.#levels.find((l) => l.key === key);
      if (!kept) {
        void this.#decode(original, scale, key);
        return;
      }
      this.#level = kept;
    }
    this.#request();
  }

  /**
   * Decodes the full-size original ahead of a zoom (after the work's first preview), so the first
   * 100 % view does not wait for it.
   */
  prefetch(): void {
    const original = this.#host.original();
    // Only a work larger than its preview shows more at 100 %.
    if (!original || this.#host.scales() || this.#host.previewScale() * 1.15 >= 1) return;
    const key = `${original.key}@1`;
    if (!this.#levels.some((l) => l.key === key)) void this.#decode(original, 1, key);
  }

  /** The stack changed: the part in view renders again (the preview renders first). */
  refresh(): void {
    if (this.#want && this.#level) this.#request();
  }

  /** Back to fit, or another work: no detail, nothing in flight, the level's pixels freed. */
  clear(): void {
    this.#want = null;
    this.#painted = null;
    this.#region = undefined;
    this.#scheduler.stop();
    this.detail = null;
  }

  /** A new work: the old one's levels go too. */
  reset(): void {
    this.clear();
    this.#level = null;
    this.#wantKey = null;
    this.#levels = [];
  }

  #request(): void {
    const level = this.#level;
    const want = this.#want;
    if (!level || !want) return;
    // The level framed by the stack's crop and turns: the region is of what the image shows.
    const bounds = stackOutputSize(level.image, this.#host.stack());
    const region = levelRegion(want.rect, level.scale, bounds);
    if (!region) return;
    // A pan that stays inside what is painted (its margin) needs no new render, unless the stack
    // changed since.
    const view = levelRegion(want.rect, level.scale, bounds, 0)!;
    const painted = this.#painted;
    if (
      painted &&
      this.detail?.scale === level.scale &&
      painted.stack === this.#host.stack() &&
      contains(painted.region, view)
    ) {
      return;
    }
    this.#region = region;
    this.#scheduler.request();
  }

  async #decode(
    original: NonNullable<ReturnType<DetailHost['original']>>,
    scale: number,
    key: string,
  ): Promise<void> {
    const run = async () => {
      if (this.#levels.some((l) => l.key === key)) return this.#use(key);
      const size =
        scale === 1
          ? undefined
          : {
              width: Math.max(1, Math.round(original.width * scale)),
              height: Math.max(1, Math.round(original.height * scale)),
            };
      const decoded = await decodeImage(await original.blob(), size);
      // Another work while decoding: drop it.
      if (this.#host.original()?.key !== original.key) return;
      // Kept once, in shared memory (the renders read it there without a copy).
      const image = sharedPixels(decoded);
      const level = { key, scale: image.width / original.width, image, pixels: image };
      this.#levels = [...this.#levels, level].slice(-LEVELS_KEPT);
      this.#use(key);
    };
    const previous = this.#decoding ?? Promise.resolve();
    const next = previous.then(run, run);
    this.#decoding = next;
    await next.catch(() => undefined);
  }

  /** A decoded level is the one the view wants: render the part in view from it. */
  #use(key: string): void {
    const level = this.#levels.find((l) => l.key === key);
    if (!level || !this.#want || this.#wantKey !== key) return;
    this.#level = level;
    this.#region = undefined;
    this.#request();
  }
}
