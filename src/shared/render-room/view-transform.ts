/**
 * The Render room's view transform, pure: how the work (source pixels) maps onto the preview box
 * (CSS px). A view is a zoom (CSS px per source pixel, times the device pixel ratio it is 1 at
 * 100 %) and the box position of the work's top-left corner. No DOM, no runes: unit-tested.
 */

import type { Rect, Size } from './geometry';

export type { Rect, Size };

export interface View {
  /** CSS px per source pixel. */
  scale: number;
  /** Where the work's top-left corner sits in the box, CSS px. */
  x: number;
  y: number;
}

/** The steps +/- move between, as a fraction of 100 % (device px per source pixel). */
export const ZOOM_STEPS = [0.05, 0.1, 0.125, 0.25, 1 / 3, 0.5, 2 / 3, 1, 1.5, 2, 3, 4, 6, 8, 16];
export const MAX_ZOOM = 16;

/** The scale that shows the whole work in the box (never above `maxDevice` device px per px). */
export function fitScale(work: Size, box: Size, dpr = 1, maxDevice = 8): number {
  if (work.width <= 0 || work.height <= 0 || box.width <= 0 || box.height <= 0) return 1 / dpr;
  return Math.min(box.width / work.width, box.height / work.height, maxDevice / dpr);
}

/** The CSS scale of a zoom given as device px per source pixel (1 = 100 %). */
export function scaleForZoom(zoom: number, dpr = 1): number {
  return zoom / dpr;
}

/** The zoom (device px per source px; 1 = 100 %) a CSS scale stands for. */
export function zoomOf(scale: number, dpr = 1): number {
  return scale * dpr;
}

/**
 * Keeps the work in view: an axis where the work is smaller than the box is centred; one where it
 * is larger may pan only until its edge meets the box's edge.
 */
export function clampView(view: View, work: Size, box: Size): View {
  const clampAxis = (pos: number, length: number, boxLength: number) => {
    const shown = length * view.scale;
    if (shown <= boxLength) return (boxLength - shown) / 2;
    return Math.min(0, Math.max(boxLength - shown, pos));
  };
  return {
    scale: view.scale,
    x: clampAxis(view.x, work.width, box.width),
    y: clampAxis(view.y, work.height, box.height),
  };
}

/** The view that fits the whole work, centred. */
export function fitView(work: Size, box: Size, dpr = 1): View {
  return clampView({ scale: fitScale(work, box, dpr), x: 0, y: 0 }, work, box);
}

/**
 * Zooms to `scale` keeping the source pixel under `point` (box CSS px) where it is, then clamps.
 * The scale is bounded below by the fit scale (never smaller than the whole work) and above by
 * MAX_ZOOM device px per source pixel.
 */
export function zoomAbout(
  view: View,
  scale: number,
  point: { x: number; y: number },
  work: Size,
  box: Size,
  dpr = 1,
): View {
  const lowest = Math.min(fitScale(work, box, dpr), scaleForZoom(1, dpr));
  const next = Math.min(scaleForZoom(MAX_ZOOM, dpr), Math.max(lowest, scale));
  const sx = (point.x - view.x) / view.scale;
  const sy = (point.y - view.y) / view.scale;
  return clampView({ scale: next, x: point.x - sx * next, y: point.y - sy * next }, work, box);
}

/** Moves the view by (dx, dy) CSS px, clamped. */
export function panBy(view: View, dx: number, dy: number, work: Size, box: Size): View {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy }, work, box);
}

/** The next step in or out from a zoom (device px per source px). */
export function stepZoom(zoom: number, direction: 1 | -1): number {
  const eps = 1e-6;
  if (direction > 0) return ZOOM_STEPS.find((s) => s > zoom + eps) ?? MAX_ZOOM;
  return [...ZOOM_STEPS].reverse().find((s) => s < zoom - eps) ?? ZOOM_STEPS[0]!;
}

/**
 * The source rectangle in view, in whole source pixels (outward-rounded, inside the work): what a
 * region render draws at full resolution.
 */
export function visibleRect(view: View, work: Size, box: Size): Rect {
  const x0 = Math.max(0, Math.floor(-view.x / view.scale));
  const y0 = Math.max(0, Math.floor(-view.y / view.scale));
  const x1 = Math.min(work.width, Math.ceil((box.width - view.x) / view.scale));
  const y1 = Math.min(work.height, Math.ceil((box.height - view.y) / view.scale));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Grows a rect by `margin` source px on each side, kept inside the work. */
export function padRect(rect: Rect, margin: number, work: Size): Rect {
  const x = Math.max(0, rect.x - margin);
  const y = Math.max(0, rect.y - margin);
  const x1 = Math.min(work.width, rect.x + rect.width + margin);
  const y1 = Math.min(work.height, rect.y + rect.height + margin);
  return { x, y, width: x1 - x, height: y1 - y };
}

/** The view that puts source point (sx, sy) at the box's centre (the navigator's drag). */
export function centreOn(view: View, sx: number, sy: number, work: Size, box: Size): View {
  return clampView(
    { scale: view.scale, x: box.width / 2 - sx * view.scale, y: box.height / 2 - sy * view.scale },
    work,
    box,
  );
}

/** Extra level pixels rendered around the view on each side, so a short pan stays sharp. */
const MARGIN = 48;

/** The level a zoom (device px per work px) renders at: the next power of two up, at most 1. */
export function levelFor(zoom: number): number {
  if (zoom >= 1) return 1;
  return Math.min(1, 2 ** Math.ceil(Math.log2(Math.max(zoom, 1 / 64))));
}

/** The level pixels a work-pixel rectangle covers (outward-rounded, with `margin`, clipped). */
export function levelRegion(
  rect: Rect,
  scale: number,
  level: { width: number; height: number },
  margin = MARGIN,
): Rect | null {
  const x0 = Math.max(0, Math.floor(rect.x * scale) - margin);
  const y0 = Math.max(0, Math.floor(rect.y * scale) - margin);
  const x1 = Math.min(level.width, Math.ceil((rect.x + rect.width) * scale) + margin);
  const y1 = Math.min(level.height, Math.ceil((rect.y + rect.height) * scale) + margin);
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
