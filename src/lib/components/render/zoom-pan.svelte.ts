/**
 * Looking closely at the Render room's image: the view (fitted, or zoomed and panned) of a work
 * in the preview's box, and the gestures that change it — the wheel (with Ctrl: a trackpad pinch),
 * the keys (+ and - zoom, 0 fits, 1 is 100 %, 2 is 200 %, arrows pan), a drag with one pointer and
 * a pinch with two. The maths are src/shared/render-room/view-transform.
 */
import { SvelteMap } from 'svelte/reactivity';
import {
  centreOn,
  fitView,
  panBy,
  scaleForZoom,
  stepZoom,
  visibleRect,
  zoomAbout,
  zoomOf,
  type View,
} from '../../../shared/render-room/view-transform';

interface Point {
  x: number;
  y: number;
}
interface Size {
  width: number;
  height: number;
}

const dpr = () => globalThis.devicePixelRatio || 1;
const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

export class ZoomPan {
  /** The box's size in CSS px (the pane measures it). */
  box = $state<Size>({ width: 0, height: 0 });
  /** The zoomed view; null = fit (follows the box as it resizes). */
  zoomed = $state<View | null>(null);
  /** The space bar is down: a drag pans even where it would move the split divider. */
  spaceHeld = false;
  readonly #work: () => Size | null;
  readonly #pointers = new SvelteMap<number, Point>();
  #pinch: { distance: number; zoom: number } | null = null;

  /** `work`: the work's size in its own pixels (what 100 % counts). */
  constructor(work: () => Size | null) {
    this.#work = work;
  }

  /** Where the work lies in the box and at what scale (CSS px per work pixel). */
  readonly view = $derived.by((): View | null => {
    const work = this.#work();
    if (!work || this.box.width === 0) return null;
    return this.zoomed ?? fitView(work, this.box, dpr());
  });
  /** The zoom as device px per work pixel: 1 is 100 %. */
  readonly zoom = $derived(this.view ? zoomOf(this.view.scale, dpr()) : 1);
  readonly percent = $derived(Math.round(this.zoom * 100));
  /** The part of the work in view, in its pixels (null when fitted). */
  readonly visible = $derived.by(() => {
    const work = this.#work();
    return this.zoomed && work && this.box.width > 0
      ? visibleRect(this.zoomed, work, this.box)
      : null;
  });

  /** Zooms to `next` (1 = 100 %) about `at` in the box (its centre by default). */
  setZoom(next: number, at: Point = { x: this.box.width / 2, y: this.box.height / 2 }): void {
    const work = this.#work();
    if (!this.view || !work) return;
    this.zoomed = zoomAbout(this.view, scaleForZoom(next, dpr()), at, work, this.box, dpr());
  }
  step(direction: 1 | -1): void {
    this.setZoom(stepZoom(this.zoom, direction));
  }
  fit(): void {
    this.zoomed = null;
  }
  /** Centres the view on the work's point (x, y) in its pixels (the navigator). */
  centre(x: number, y: number): void {
    const work = this.#work();
    if (this.zoomed && work) this.zoomed = centreOn(this.zoomed, x, y, work, this.box);
  }

  /** The wheel at `at` in the box: zoom about it (Ctrl, a trackpad's pinch, goes faster). */
  wheel(deltaY: number, ctrl: boolean, at: Point): void {
    if (!this.view) return;
    this.setZoom(this.zoom * Math.exp(-deltaY * (ctrl ? 0.01 : 0.002)), at);
  }

  /** A key on the box; true when it was a zoom or pan key (the caller prevents its default). */
  key(key: string): boolean {
    const zooms: Record<string, () => void> = {
      '+': () => this.step(1),
      '=': () => this.step(1),
      '-': () => this.step(-1),
      '0': () => this.fit(),
      '1': () => this.setZoom(1),
      '2': () => this.setZoom(2),
    };
    const arrows: Record<string, [number, number]> = {
      ArrowLeft: [40, 0],
      ArrowRight: [-40, 0],
      ArrowUp: [0, 40],
      ArrowDown: [0, -40],
    };
    const work = this.#work();
    if (key in zooms) {
      zooms[key]!();
      return true;
    }
    if (key in arrows && this.zoomed && work) {
      const [dx, dy] = arrows[key]!;
      this.zoomed = panBy(this.zoomed, dx, dy, work, this.box);
      return true;
    }
    return false;
  }

  /** A pointer went down at `at` in the box (the second one starts a pinch). */
  down(id: number, at: Point): void {
    this.#pointers.set(id, at);
    if (this.#pointers.size === 2) {
      const [a, b] = [...this.#pointers.values()];
      this.#pinch = { distance: distance(a!, b!), zoom: this.zoom };
    }
  }

  /** A pointer moved: two pinch (zoom about their centre, pan by its move), one pans. */
  move(id: number, at: Point): void {
    const last = this.#pointers.get(id);
    const work = this.#work();
    if (!last || !this.view || !work) return;
    this.#pointers.set(id, at);
    if (this.#pointers.size === 2 && this.#pinch) {
      const [a, b] = [...this.#pointers.values()];
      const centre = { x: (a!.x + b!.x) / 2, y: (a!.y + b!.y) / 2 };
      const panned = panBy(this.view, (at.x - last.x) / 2, (at.y - last.y) / 2, work, this.box);
      const next = (this.#pinch.zoom * distance(a!, b!)) / Math.max(1, this.#pinch.distance);
      this.zoomed = zoomAbout(panned, scaleForZoom(next, dpr()), centre, work, this.box, dpr());
    } else if (this.#pointers.size === 1 && this.zoomed) {
      this.zoomed = panBy(this.zoomed, at.x - last.x, at.y - last.y, work, this.box);
    }
  }

  up(id: number): void {
    this.#pointers.delete(id);
    if (this.#pointers.size < 2) this.#pinch = null;
  }
}
