/**
 * Brush masks: strokes painted on the image become a coverage grid, `BRUSH_GRID` cells square over
 * the framed image whatever its size (cell centres at ((i + ½)/G, (j + ½)/G) of its width and
 * height), which every backend samples bilinearly at a pixel's centre. The grid travels as the
 * layer's uniforms (./blend), so the WGSL, ONNX and CPU engine paths read the same numbers and a
 * tile needs nothing but its place in the frame. A stroke covers the points within its radius of
 * its centre line, fully within `hardness` of the radius and fading smoothly to none at the edge;
 * painting takes the larger coverage, erasing leaves at most 1 − the eraser's.
 *
 * Sampling, the same maths on every path: u = (x + ½)/width·G − ½ clamped to [0, G − 1], the
 * same for v, then the four cells around (u, v) mixed by their fractions.
 */
import type { BrushMask, BrushStroke } from './types';

export const BRUSH_GRID = 256;

/** What one mask may hold (bigger ones are refused in plain words where they come in). */
export const BRUSH_LIMITS = {
  strokes: 500,
  pointsPerStroke: 4000,
  minSize: 0.002,
  maxSize: 1,
} as const;

/** 1 inside `hardness` of the radius, none beyond it, a smooth step between (q = distance / radius). */
export function brushFalloff(q: number, hardness: number): number {
  if (q >= 1) return 0;
  const h = Math.min(0.999, Math.max(0, hardness));
  if (q <= h) return 1;
  const s = (q - h) / (1 - h);
  return 1 - s * s * (3 - 2 * s);
}

/** Paints (or erases) one stroke into `grid`. Distances are in image heights (x scaled by aspect). */
function paintStroke(grid: Float32Array, stroke: BrushStroke, aspect: number): void {
  const G = BRUSH_GRID;
  const r = Math.max(BRUSH_LIMITS.minSize, stroke.size);
  const pts = stroke.points;
  const n = Math.floor(pts.length / 2);
  if (n === 0) return;
  for (let k = 0; k < n; k++) {
    // Segment k → k+1 (a single point: a dab).
    const ax = pts[2 * k]! * aspect;
    const ay = pts[2 * k + 1]!;
    const j = Math.min(k + 1, n - 1);
    const bx = pts[2 * j]! * aspect;
    const by = pts[2 * j + 1]!;
    if (k > 0 && j === k) break;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const x0 = Math.max(0, Math.floor(((Math.min(ax, bx) - r) / aspect) * G - 0.5));
    const x1 = Math.min(G - 1, Math.ceil(((Math.max(ax, bx) + r) / aspect) * G - 0.5));
    const y0 = Math.max(0, Math.floor((Math.min(ay, by) - r) * G - 0.5));
    const y1 = Math.min(G - 1, Math.ceil((Math.max(ay, by) + r) * G - 0.5));
    for (let y = y0; y <= y1; y++) {
      const py = (y + 0.5) / G;
      for (let x = x0; x <= x1; x++) {
        const px = ((x + 0.5) / G) * aspect;
        const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
        const ex = px - (ax + t * dx);
        const ey = py - (ay + t * dy);
        const a = brushFalloff(Math.sqrt(ex * ex + ey * ey) / r, stroke.hardness);
        if (a <= 0) continue;
        const i = y * G + x;
        grid[i] = stroke.erase ? Math.min(grid[i]!, 1 - a) : Math.max(grid[i]!, a);
      }
    }
  }
}

/** The mask's coverage grid, `BRUSH_GRID`² values in [0, 1], row by row. */
export function rasterBrush(mask: BrushMask): Float32Array {
  const grid = new Float32Array(BRUSH_GRID * BRUSH_GRID);
  const aspect = mask.aspect > 0 && Number.isFinite(mask.aspect) ? mask.aspect : 1;
  for (const s of mask.strokes) paintStroke(grid, s, aspect);
  return grid;
}

const byObject = new WeakMap<object, Float32Array>();
const byContent = new Map<string, Float32Array>();

/** `rasterBrush`, remembered: a slider move re-renders with the same mask and does not repaint it. */
export function brushGrid(mask: BrushMask): Float32Array {
  const known = byObject.get(mask);
  if (known) return known;
  const key = JSON.stringify(mask);
  let grid = byContent.get(key);
  if (!grid) {
    grid = rasterBrush(mask);
    byContent.set(key, grid);
    if (byContent.size > 8) byContent.delete(byContent.keys().next().value!);
  }
  byObject.set(mask, grid);
  return grid;
}

/** The grid sampled at pixel (x, y) of a `width`×`height` frame (the maths every backend runs). */
export function sampleBrush(
  grid: Float32Array,
  x: number,
  y: number,
  width: number,
  height: number,
) {
  const G = BRUSH_GRID;
  const u = Math.min(G - 1, Math.max(0, ((x + 0.5) / width) * G - 0.5));
  const v = Math.min(G - 1, Math.max(0, ((y + 0.5) / height) * G - 0.5));
  const i = Math.floor(u);
  const j = Math.floor(v);
  const i1 = Math.min(i + 1, G - 1);
  const j1 = Math.min(j + 1, G - 1);
  const fx = u - i;
  const fy = v - j;
  const top = grid[j * G + i]! + (grid[j * G + i1]! - grid[j * G + i]!) * fx;
  const bottom = grid[j1 * G + i]! + (grid[j1 * G + i1]! - grid[j1 * G + i]!) * fx;
  return top + (bottom - top) * fy;
}
