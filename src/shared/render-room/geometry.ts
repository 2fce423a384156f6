/**
 * The geometry of a work (crop, quarter turns, flips, straighten) as pure maths, shared by the
 * render worker (which resamples the source once, before every stage) and the room (sizes, the
 * mapping of a press on the preview back to the source, the edits of the Crop & straighten panel).
 *
 * Frames, from the source to the output:
 * 1. the *oriented* frame: the source turned `rotate90` quarter turns clockwise, then mirrored
 *    (`flipH` left–right, `flipV` top–bottom); W′×H′ is the source's size, swapped on odd turns;
 * 2. the *straightened* frame: the same W′×H′ box, the picture turned `straighten` degrees
 *    clockwise about its centre (its corners leave the box, empty corners come in);
 * 3. the output: the crop, a rectangle of the straightened frame that never holds an empty corner
 *    (see `cropRect`), resampled to whole pixels.
 *
 * Coordinates are continuous (pixel i covers [i, i + 1), its centre at i + 0.5), y down. The map
 * from an output point to a source point is one affine map (`outputToSource`); with no straighten
 * and no crop its entries are 0, ±1 and whole or half numbers, so turns and flips land exactly
 * on source pixel centres (an exact permutation of the pixels).
 */
import type { EffectStack, Geometry, GeometryCrop, GeometryRatio } from '../effects/types';

export type { Geometry, GeometryCrop, GeometryRatio };

/** The straighten slider's reach, degrees either way. */
export const MAX_STRAIGHTEN = 45;

/** The aspect ratios the room offers, in its words. */
export const RATIOS: readonly { id: GeometryRatio; label: string }[] = [
  { id: 'free', label: 'Free' },
  { id: 'original', label: 'Original' },
  { id: '1:1', label: 'Square 1:1' },
  { id: '4:5', label: 'Portrait 4:5' },
  { id: '5:4', label: 'Landscape 5:4' },
  { id: '2:3', label: 'Portrait 2:3' },
  { id: '3:2', label: 'Landscape 3:2' },
  { id: '9:16', label: 'Portrait 9:16' },
  { id: '16:9', label: 'Widescreen 16:9' },
];

/** The geometry that changes nothing. */
export const IDENTITY: Geometry = {
  rotate90: 0,
  flipH: false,
  flipV: false,
  straighten: 0,
  ratio: 'free',
};

export interface Size {
  width: number;
  height: number;
}

/** A rectangle in pixels of a frame (not necessarily whole pixels). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** x′ = a·x + b·y + e, y′ = c·x + d·y + f. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Whether `geometry` leaves every pixel where it is (absent counts as identity). */
export function isIdentity(geometry: Geometry | undefined | null): boolean {
  if (!geometry) return true;
  return (
    geometry.rotate90 === 0 &&
    !geometry.flipH &&
    !geometry.flipV &&
    geometry.straighten === 0 &&
    !geometry.crop &&
    geometry.ratio === 'free'
  );
}

/**
 * A well-formed geometry from stored or sent data: each bad field falls back to its identity
 * value (never a throw); null when the result is the identity (the stack then has none).
 */
export function cleanGeometry(value: unknown): Geometry | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const turns = finite(v.rotate90) && Number.isInteger(v.rotate90) ? v.rotate90 : 0;
  const rotate90 = (((turns % 4) + 4) % 4) as Geometry['rotate90'];
  const straighten = finite(v.straighten)
    ? Math.max(-MAX_STRAIGHTEN, Math.min(MAX_STRAIGHTEN, v.straighten))
    : 0;
  const ratio = RATIOS.some((r) => r.id === v.ratio) ? (v.ratio as GeometryRatio) : 'free';
  const g: Geometry = {
    rotate90,
    flipH: v.flipH === true,
    flipV: v.flipV === true,
    straighten,
    ratio,
  };
  const crop = cleanCrop(v.crop);
  if (crop) g.crop = crop;
  return isIdentity(g) ? null : g;
}

/** A crop of fractions with a positive size inside [0, 1]², or null. */
function cleanCrop(value: unknown): GeometryCrop | null {
  if (typeof value !== 'object' || value === null) return null;
  const { x, y, width, height } = value as Record<string, unknown>;
  if (![x, y, width, height].every(finite)) return null;
  const cx = Math.max(0, Math.min(1, x as number));
  const cy = Math.max(0, Math.min(1, y as number));
  const w = Math.min(1 - cx, width as number);
  const h = Math.min(1 - cy, height as number);
  if (!(w > 1e-4 && h > 1e-4)) return null;
  if (cx === 0 && cy === 0 && w === 1 && h === 1) return null;
  return { x: cx, y: cy, width: w, height: h };
}

/** The oriented frame's size: the source's, swapped on an odd number of quarter turns. */
export function orientedSize(source: Size, geometry: Geometry): Size {
  return geometry.rotate90 % 2 ? { width: source.height, height: source.width } : { ...source };
}

/** The width ÷ height a ratio asks for in a `frame`, or null for a free one. */
export function ratioValue(ratio: GeometryRatio, frame: Size): number | null {
  if (ratio === 'free') return null;
  if (ratio === 'original') return frame.width / frame.height;
  const [w, h] = ratio.split(':').map(Number);
  return w! / h!;
}

/** Whether a point lies inside the picture turned `degrees` about the centre of a `frame` box. */
function insidePicture(px: number, py: number, frame: Size, degrees: number): boolean {
  const t = (degrees * Math.PI) / 180;
  const dx = px - frame.width / 2;
  const dy = py - frame.height / 2;
  // Back into the picture's own axes (turned −θ).
  const u = Math.cos(t) * dx + Math.sin(t) * dy;
  const v = -Math.sin(t) * dx + Math.cos(t) * dy;
  const eps = 1e-6 * (frame.width + frame.height);
  return Math.abs(u) <= frame.width / 2 + eps && Math.abs(v) <= frame.height / 2 + eps;
}

/** Whether `rect` lies in the frame box and holds no empty corner of the straightened picture. */
export function rectFits(rect: Rect, frame: Size, degrees: number): boolean {
  const eps = 1e-6 * (frame.width + frame.height);
  if (rect.x < -eps || rect.y < -eps) return false;
  if (rect.x + rect.width > frame.width + eps || rect.y + rect.height > frame.height + eps) {
    return false;
  }
  const xs = [rect.x, rect.x + rect.width];
  const ys = [rect.y, rect.y + rect.height];
  return xs.every((x) => ys.every((y) => insidePicture(x, y, frame, degrees)));
}

/**
 * The largest rectangle of width ÷ height `aspect` centred in a `frame` box whose picture is
 * turned `degrees`, with no empty corner (and inside the box).
 */
export function largestCentred(frame: Size, degrees: number, aspect: number): Size {
  const t = (Math.abs(degrees) * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  const A = frame.width / 2;
  const B = frame.height / 2;
  // Half sizes (k·aspect, k): corners (±u, ±v) inside the turned picture and the box.
  const k = Math.min(A / (aspect * c + s), B / (aspect * s + c), A / aspect, B);
  return { width: 2 * k * aspect, height: 2 * k };
}

/**
 * The crop in pixels of the straightened frame: the stored crop (the whole frame without one)
 * brought to the ratio (the largest rectangle of it inside, same centre), made small enough to
 * hold no empty corner, then moved towards the centre until it holds none.
 */
export function cropRect(frame: Size, geometry: Geometry): Rect {
  const c = geometry.crop;
  let rect: Rect = c
    ? {
        x: c.x * frame.width,
        y: c.y * frame.height,
        width: c.width * frame.width,
        height: c.height * frame.height,
      }
    : { x: 0, y: 0, width: frame.width, height: frame.height };
  const wanted = ratioValue(geometry.ratio, frame);
  const centre = { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 };
  if (wanted !== null) {
    const width = Math.min(rect.width, rect.height * wanted);
    rect = {
      x: centre.x - width / 2,
      y: centre.y - width / wanted / 2,
      width,
      height: width / wanted,
    };
  }
  const aspect = rect.width / rect.height;
  const most = largestCentred(frame, geometry.straighten, aspect);
  if (rect.width > most.width) {
    rect = {
      x: centre.x - most.width / 2,
      y: centre.y - most.height / 2,
      width: most.width,
      height: most.height,
    };
  }
  if (rectFits(rect, frame, geometry.straighten)) return rect;
  // The centres where a rectangle of this size fits make a convex set holding the frame's
  // centre: the fitting part of the way there is one interval ending at the centre.
  const to = { x: frame.width / 2 - rect.width / 2, y: frame.height / 2 - rect.height / 2 };
  const at = (f: number): Rect => ({
    ...rect,
    x: rect.x + (to.x - rect.x) * f,
    y: rect.y + (to.y - rect.y) * f,
  });
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (rectFits(at(mid), frame, geometry.straighten)) hi = mid;
    else lo = mid;
  }
  return at(hi);
}

/** The output's size in whole pixels for a `source` of this size (at least 1×1). */
export function outputSize(source: Size, geometry: Geometry | undefined | null): Size {
  if (!geometry || isIdentity(geometry)) return { width: source.width, height: source.height };
  const rect = cropRect(orientedSize(source, geometry), geometry);
  return {
    width: Math.max(1, Math.round(rect.width)),
    height: Math.max(1, Math.round(rect.height)),
  };
}

/** The output size of a stack's geometry over a `source` (its own size without geometry). */
export function stackOutputSize(source: Size, stack: EffectStack): Size {
  return outputSize(source, stack.geometry);
}

/** p ↦ outer(inner(p)). */
function compose(outer: Affine, inner: Affine): Affine {
  return {
    a: outer.a * inner.a + outer.b * inner.c,
    b: outer.a * inner.b + outer.b * inner.d,
    c: outer.c * inner.a + outer.d * inner.c,
    d: outer.c * inner.b + outer.d * inner.d,
    e: outer.a * inner.e + outer.b * inner.f + outer.e,
    f: outer.c * inner.e + outer.d * inner.f + outer.f,
  };
}

/** Applies `m` to a point. */
export function applyAffine(m: Affine, x: number, y: number): { x: number; y: number } {
  return { x: m.a * x + m.b * y + m.e, y: m.c * x + m.d * y + m.f };
}

/** The inverse of `m`. */
export function invertAffine(m: Affine): Affine {
  const det = m.a * m.d - m.b * m.c;
  const a = m.d / det;
  const b = -m.b / det;
  const c = -m.c / det;
  const d = m.a / det;
  return { a, b, c, d, e: -(a * m.e + b * m.f), f: -(c * m.e + d * m.f) };
}

/**
 * The map from a point of the output (its pixels, `outputSize(source, geometry)`) to the point of
 * the source it shows. Sample at (x − 0.5, y − 0.5) for pixel centres.
 */
export function outputToSource(source: Size, geometry: Geometry): Affine {
  const frame = orientedSize(source, geometry);
  const out = outputSize(source, geometry);
  const rect = isIdentity(geometry)
    ? { x: 0, y: 0, width: frame.width, height: frame.height }
    : cropRect(frame, geometry);
  // Output → straightened frame.
  const crop: Affine = {
    a: rect.width / out.width,
    b: 0,
    c: 0,
    d: rect.height / out.height,
    e: rect.x,
    f: rect.y,
  };
  // Straightened → oriented: turned back by −θ about the centre.
  const t = (geometry.straighten * Math.PI) / 180;
  const cos = geometry.straighten === 0 ? 1 : Math.cos(t);
  const sin = geometry.straighten === 0 ? 0 : Math.sin(t);
  const cx = frame.width / 2;
  const cy = frame.height / 2;
  const unturn: Affine = {
    a: cos,
    b: sin,
    c: -sin,
    d: cos,
    e: cx - cos * cx - sin * cy,
    f: cy + sin * cx - cos * cy,
  };
  // Oriented → turned (undo the mirrors).
  const unflip: Affine = {
    a: geometry.flipH ? -1 : 1,
    b: 0,
    c: 0,
    d: geometry.flipV ? -1 : 1,
    e: geometry.flipH ? frame.width : 0,
    f: geometry.flipV ? frame.height : 0,
  };
  // Turned → source: undo `rotate90` clockwise quarter turns.
  const W = source.width;
  const H = source.height;
  const unrotate: Affine = [
    { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 },
    // Clockwise: (x′, y′) = (H − y, x), so x = y′, y = H − x′.
    { a: 0, b: 1, c: -1, d: 0, e: 0, f: H },
    { a: -1, b: 0, c: 0, d: -1, e: W, f: H },
    // Anticlockwise: (x′, y′) = (y, W − x), so x = W − y′, y = x′.
    { a: 0, b: -1, c: 1, d: 0, e: W, f: 0 },
  ][geometry.rotate90]!;
  return compose(unrotate, compose(unflip, compose(unturn, crop)));
}

/** Maps a point given as fractions of one frame to fractions of the other, source ↔ output. */
function mapFraction(
  source: Size,
  geometry: Geometry | undefined | null,
  fx: number,
  fy: number,
  toSource: boolean,
): { x: number; y: number } {
  if (!geometry || isIdentity(geometry)) return { x: fx, y: fy };
  const out = outputSize(source, geometry);
  const [from, to] = toSource ? [out, source] : [source, out];
  const map = outputToSource(source, geometry);
  const p = applyAffine(toSource ? map : invertAffine(map), fx * from.width, fy * from.height);
  return { x: p.x / to.width, y: p.y / to.height };
}

/**
 * Where a point of the output, as fractions of its width and height, lies in the source, as
 * fractions of the source (a press on the preview → the original; may fall outside [0, 1]).
 */
export function outputFractionToSource(
  source: Size,
  geometry: Geometry | undefined | null,
  fx: number,
  fy: number,
): { x: number; y: number } {
  return mapFraction(source, geometry, fx, fy, true);
}

/** Where a point of the source (fractions) shows in the output (fractions; the inverse map). */
export function sourceFractionToOutput(
  source: Size,
  geometry: Geometry | undefined | null,
  fx: number,
  fy: number,
): { x: number; y: number } {
  return mapFraction(source, geometry, fx, fy, false);
}

// ---------------------------------------------------------------------------------------------
// The panel's edits, each on what the artist sees (the output as shown).

const orNull = (g: Geometry): Geometry | null => cleanGeometry(g);

/** Mirrors a crop of fractions left–right or top–bottom. */
function mirrorCrop(crop: GeometryCrop | undefined, axis: 'h' | 'v'): GeometryCrop | undefined {
  if (!crop) return undefined;
  return axis === 'h'
    ? { ...crop, x: 1 - crop.x - crop.width }
    : { ...crop, y: 1 - crop.y - crop.height };
}

/** Turns what is shown a quarter turn (`1`: clockwise, `-1`: anticlockwise). */
export function rotateGeometry(geometry: Geometry | undefined, turn: 1 | -1): Geometry | null {
  const g = geometry ?? IDENTITY;
  // A quarter turn after the mirrors is a quarter turn the other way before them when exactly
  // one mirror is on (mirrors reverse the sense of a turn).
  const mirrored = g.flipH !== g.flipV;
  const rotate90 = ((g.rotate90 + (mirrored ? -turn : turn) + 4) % 4) as Geometry['rotate90'];
  const c = g.crop;
  // The crop turns with the picture: clockwise, (x, y, w, h) → (1 − y − h, x, h, w).
  const crop = c
    ? turn === 1
      ? { x: 1 - c.y - c.height, y: c.x, width: c.height, height: c.width }
      : { x: c.y, y: 1 - c.x - c.width, width: c.height, height: c.width }
    : undefined;
  const ratio = turnRatio(g.ratio);
  const next: Geometry = { ...g, rotate90, ratio };
  delete next.crop;
  if (crop) next.crop = crop;
  return orNull(next);
}

/** A ratio turned a quarter (portrait ↔ landscape). */
function turnRatio(ratio: GeometryRatio): GeometryRatio {
  if (ratio === 'free' || ratio === 'original' || ratio === '1:1') return ratio;
  const [w, h] = ratio.split(':');
  const turned = `${h}:${w}` as GeometryRatio;
  return RATIOS.some((r) => r.id === turned) ? turned : ratio;
}

/** Mirrors what is shown left–right (`h`) or top–bottom (`v`). */
export function flipGeometry(geometry: Geometry | undefined, axis: 'h' | 'v'): Geometry | null {
  const g = geometry ?? IDENTITY;
  const next: Geometry = {
    ...g,
    flipH: axis === 'h' ? !g.flipH : g.flipH,
    flipV: axis === 'v' ? !g.flipV : g.flipV,
    // A mirror turns a straighten the other way.
    straighten: g.straighten === 0 ? 0 : -g.straighten,
  };
  delete next.crop;
  const crop = mirrorCrop(g.crop, axis);
  if (crop) next.crop = crop;
  return orNull(next);
}

/** Sets the straighten angle (degrees, clamped to ±MAX_STRAIGHTEN). */
export function straightenGeometry(
  geometry: Geometry | undefined,
  degrees: number,
): Geometry | null {
  const g = geometry ?? IDENTITY;
  return orNull({ ...g, straighten: degrees });
}

/** Sets the ratio; the crop starts again as the largest centred rectangle of it. */
export function ratioGeometry(
  geometry: Geometry | undefined,
  ratio: GeometryRatio,
): Geometry | null {
  const g = { ...(geometry ?? IDENTITY), ratio };
  delete g.crop;
  return orNull(g);
}

/** Sets the crop (fractions of the straightened frame; null: the ratio's largest centred). */
export function cropGeometry(
  geometry: Geometry | undefined,
  crop: GeometryCrop | null,
): Geometry | null {
  const g = { ...(geometry ?? IDENTITY) };
  delete g.crop;
  if (crop) g.crop = crop;
  return orNull(g);
}

/**
 * The straighten angle that makes a line drawn on the shown output from (x0, y0) to (x1, y1)
 * (output pixels) level, given the angle it is shown at now; clamped to ±MAX_STRAIGHTEN.
 * Null for a line too short to tell.
 */
export function levelHorizon(
  current: number,
  line: { x0: number; y0: number; x1: number; y1: number },
): number | null {
  const dx = line.x1 - line.x0;
  const dy = line.y1 - line.y0;
  if (Math.hypot(dx, dy) < 4) return null;
  // The line's slant, y down: positive when it falls to the right (a clockwise tilt).
  let slant = (Math.atan2(dy, dx) * 180) / Math.PI;
  if (slant > 90) slant -= 180;
  if (slant <= -90) slant += 180;
  const next = current - slant;
  return Math.max(-MAX_STRAIGHTEN, Math.min(MAX_STRAIGHTEN, Math.round(next * 100) / 100));
}

/** `geometry` without its crop and ratio: what the image shows while the crop is drawn. */
export function uncroppedGeometry(geometry: Geometry | undefined | null): Geometry | null {
  if (!geometry) return null;
  const g: Geometry = { ...geometry, ratio: 'free' };
  delete g.crop;
  return cleanGeometry(g);
}

/**
 * What the crop tool draws on, for a `source` of this size: the straightened frame's size, the
 * part of it the image shows while cropping (`shown`, the whole picture without empty corners)
 * and the crop now (`crop`), both in the frame's pixels.
 */
export function cropLayout(
  source: Size,
  geometry: Geometry | undefined | null,
): { frame: Size; shown: Rect; crop: Rect } {
  const g = geometry ?? IDENTITY;
  const frame = orientedSize(source, g);
  const open = uncroppedGeometry(g) ?? IDENTITY;
  return { frame, shown: cropRect(frame, open), crop: cropRect(frame, g) };
}

/**
 * A crop drawn on the shown part (`rect`, frame pixels) as the stored fractions of the frame,
 * kept inside `shown` and at least `min` pixels on each side.
 */
export function cropFromRect(
  rect: Rect,
  layout: { frame: Size; shown: Rect },
  min = 8,
): GeometryCrop {
  const { frame, shown } = layout;
  const width = Math.max(Math.min(min, shown.width), Math.min(rect.width, shown.width));
  const height = Math.max(Math.min(min, shown.height), Math.min(rect.height, shown.height));
  const x = Math.max(shown.x, Math.min(shown.x + shown.width - width, rect.x));
  const y = Math.max(shown.y, Math.min(shown.y + shown.height - height, rect.y));
  return {
    x: x / frame.width,
    y: y / frame.height,
    width: width / frame.width,
    height: height / frame.height,
  };
}
