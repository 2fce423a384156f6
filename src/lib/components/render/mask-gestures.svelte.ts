/**
 * Drawing a layer's mask on the image (the Render room's preview), one pointer at a time, in
 * fractions of the stage (which is the work):
 * - a linear gradient: press where the layer is full, drag to where it ends;
 * - a radial gradient: press at the centre, drag out (a circle on the work);
 * - a brush: each press-drag-release is one stroke with the room's brush, one undo step; painting
 *   stays on for the next stroke until Done or Escape.
 * Every change goes through the room's `set-mask` with the gesture's key, so one gesture is one
 * undo step, and ends with `end-gesture`.
 */
import { BRUSH_LIMITS } from '../../../shared/effects/brush';
import type { BrushMask, BrushStroke, LayerMask } from '../../../shared/effects/types';
import { renderRoom } from '../../state/render-room.svelte';
import { renderView } from '../../state/render-room-view.svelte';

export interface StagePoint {
  x: number;
  y: number;
}
interface Size {
  width: number;
  height: number;
}

const maskOf = (id: string | null) => renderRoom.stack.effects.find((e) => e.id === id)?.mask;

function brushMaskOf(id: string | null): BrushMask | null {
  const mask = maskOf(id);
  return mask?.kind === 'brush' ? mask : null;
}

export class MaskGestures {
  /** Where the brush is over the stage, for its circle; null off the stage or not painting. */
  cursor = $state<StagePoint | null>(null);
  #drawing: (StagePoint & { id: string; gesture: string }) | null = null;
  #painting: { id: string; mask: BrushMask; stroke: BrushStroke; gesture: string } | null = null;
  #gestures = 0;
  readonly #work: () => Size | null;

  /** `work`: the work's size in pixels (a radial mask is a circle on it). */
  constructor(work: () => Size | null) {
    this.#work = work;
  }

  /** The mask being drawn (for its guide), or null. */
  get shown(): LayerMask | null {
    const id = renderView.drawingMask;
    return id ? (maskOf(id) ?? null) : null;
  }

  /** The work's width over its height (the brush circle is round on the work). */
  get aspect(): number {
    const work = this.#work();
    return work ? work.width / work.height : 1;
  }

  /** A press on the stage; true when it belongs to a mask being drawn (the caller captures it). */
  down(at: StagePoint): boolean {
    const id = renderView.drawingMask;
    if (!id) return false;
    this.#gestures += 1;
    const brush = brushMaskOf(id);
    if (!brush) {
      this.#drawing = { id, ...at, gesture: `mask:${this.#gestures}` };
      return true;
    }
    if (brush.strokes.length >= BRUSH_LIMITS.strokes) {
      renderView.brushFull = true;
      return true;
    }
    const { size, hardness, erase } = renderView.brush;
    const stroke: BrushStroke = {
      points: [at.x, at.y],
      size,
      hardness,
      ...(erase ? { erase } : {}),
    };
    this.#painting = { id, mask: brush, stroke, gesture: `brush:${this.#gestures}` };
    this.#showStroke();
    return true;
  }

  /** The pointer moved over the stage; true when a mask gesture used it. */
  move(at: StagePoint): boolean {
    if (brushMaskOf(renderView.drawingMask)) this.cursor = at;
    if (this.#painting) {
      this.#paintTo(at);
      return true;
    }
    if (this.#drawing) {
      this.#drawTo(at);
      return true;
    }
    return false;
  }

  /** The press ended; true when it ended a mask gesture. */
  up(at: StagePoint): boolean {
    if (this.#painting) {
      this.#paintTo(at);
      this.#painting = null;
      renderRoom.dispatch({ type: 'end-gesture' });
      return true;
    }
    if (this.#drawing) {
      this.#drawTo(at);
      this.#drawing = null;
      renderRoom.dispatch({ type: 'end-gesture' });
      renderView.drawingMask = null;
      return true;
    }
    return false;
  }

  /** The pointer left the stage. */
  leave(): void {
    this.cursor = null;
  }

  #drawTo(at: StagePoint) {
    const from = this.#drawing;
    const mask = maskOf(from?.id ?? null);
    const work = this.#work();
    if (!from || !mask || !work || mask.kind === 'brush') return;
    let next: LayerMask;
    if (mask.kind === 'linear') {
      next = { ...mask, x0: from.x, y0: from.y, x1: at.x, y1: at.y };
    } else {
      const r = Math.max(
        4,
        Math.hypot((at.x - from.x) * work.width, (at.y - from.y) * work.height),
      );
      next = { ...mask, cx: from.x, cy: from.y, rx: r / work.width, ry: r / work.height };
    }
    renderRoom.dispatch({ type: 'set-mask', id: from.id, mask: next, gesture: from.gesture });
  }

  #paintTo(at: StagePoint) {
    if (!this.#painting) return;
    const { stroke, mask } = this.#painting;
    const pts = stroke.points;
    const dx = (at.x - pts[pts.length - 2]!) * mask.aspect;
    const dy = at.y - pts[pts.length - 1]!;
    // Points a quarter of the radius apart follow the hand closely enough.
    if (Math.hypot(dx, dy) < stroke.size / 4) return;
    if (pts.length >= 2 * BRUSH_LIMITS.pointsPerStroke) return;
    stroke.points = [...pts, at.x, at.y];
    this.#showStroke();
  }

  /** The mask as it was when the stroke began, with the stroke so far (one gesture). */
  #showStroke() {
    if (!this.#painting) return;
    const { id, mask, stroke, gesture } = this.#painting;
    renderRoom.dispatch({
      type: 'set-mask',
      id,
      mask: { ...mask, strokes: [...mask.strokes, { ...stroke }] },
      gesture,
    });
  }
}
