/**
 * Blend modes and layer masks (gradients, brush) of the CPU engine (./engine.ts), as
 * src/shared/effects/blend.ts and brush.ts define them.
 */
import { OX, OY, FW, FH, ZERO, ONE, clamp01 } from './frame';

const LUM: v128 = f32x4(0.3, 0.59, 0.11, 0);

function lum(c: v128): f32 {
  const m = f32x4.mul(c, LUM);
  return f32x4.extract_lane(m, 0) + f32x4.extract_lane(m, 1) + f32x4.extract_lane(m, 2);
}

/** SetLum(colour, l) with ClipColor (W3C compositing), as the definitions compute it. */
function setLum(colour: v128, l: f32): v128 {
  let q = f32x4.add(colour, f32x4.splat(l - lum(colour)));
  const ql = lum(q);
  const r = f32x4.extract_lane(q, 0);
  const g = f32x4.extract_lane(q, 1);
  const b = f32x4.extract_lane(q, 2);
  const lo = Mathf.min(Mathf.min(r, g), b);
  const hi = Mathf.max(Mathf.max(r, g), b);
  const L = f32x4.splat(ql);
  if (lo < 0) {
    q = f32x4.add(
      L,
      f32x4.div(f32x4.mul(f32x4.sub(q, L), L), f32x4.splat(Mathf.max(ql - lo, 1e-6))),
    );
  }
  if (hi > 1) {
    q = f32x4.add(
      L,
      f32x4.div(
        f32x4.mul(f32x4.sub(q, L), f32x4.splat(1 - ql)),
        f32x4.splat(Mathf.max(hi - ql, 1e-6)),
      ),
    );
  }
  return q;
}

/** B(b, s) of blend mode `mode` (src/shared/effects/blend.ts), before the clamp. */
function blendMode(mode: i32, b: v128, s: v128): v128 {
  if (mode == 1) return f32x4.mul(b, s);
  const one = ONE;
  if (mode == 2) return f32x4.sub(one, f32x4.mul(f32x4.sub(one, b), f32x4.sub(one, s)));
  const two = f32x4.splat(2);
  if (mode == 3) {
    const low = f32x4.mul(f32x4.mul(two, b), s);
    const high = f32x4.sub(one, f32x4.mul(f32x4.mul(two, f32x4.sub(one, b)), f32x4.sub(one, s)));
    return v128.bitselect(low, high, f32x4.lt(b, f32x4.splat(0.5)));
  }
  if (mode == 4) {
    const poly = f32x4.mul(
      f32x4.add(
        f32x4.mul(f32x4.sub(f32x4.mul(f32x4.splat(16), b), f32x4.splat(12)), b),
        f32x4.splat(4),
      ),
      b,
    );
    const d = v128.bitselect(poly, f32x4.sqrt(f32x4.pmax(ZERO, b)), f32x4.le(b, f32x4.splat(0.25)));
    const twoS = f32x4.mul(two, s);
    const dark = f32x4.sub(b, f32x4.mul(f32x4.mul(f32x4.sub(one, twoS), b), f32x4.sub(one, b)));
    const light = f32x4.add(b, f32x4.mul(f32x4.sub(twoS, one), f32x4.sub(d, b)));
    return v128.bitselect(dark, light, f32x4.le(s, f32x4.splat(0.5)));
  }
  if (mode == 5) return setLum(s, lum(b));
  if (mode == 6) return setLum(b, lum(s));
  return s;
}

/** 1 − s²(3 − 2s) for 4 values of s in [0, 1]. */
function fade(s: v128): v128 {
  return f32x4.sub(
    ONE,
    f32x4.mul(f32x4.mul(s, s), f32x4.sub(f32x4.splat(3), f32x4.mul(f32x4.splat(2), s))),
  );
}

/**
 * The mask (src/shared/effects/blend.ts) of 4 pixels from crop x of row y, each lane one pixel:
 * kind 1 linear gradient (x0 y0 x1 y1 invert at u), 2 radial (cx cy rx ry feather invert), 3 brush
 * (invert, five unused, the opacity, then the grid).
 */
function mask4(kind: i32, u: usize, x: i32, y: i32): v128 {
  const px = f32x4.add(f32x4.splat(<f32>(x + OX) + 0.5), f32x4(0, 1, 2, 3));
  const py = f32x4.splat(<f32>(y + OY) + 0.5);
  let t: v128;
  let inv: f32;
  if (kind == 3) {
    // Brush: the grid after the opacity (u + 28), sampled bilinearly (src/shared/effects/brush).
    const grid = u + 28;
    const v = brushCell(y + OY, FH);
    const j = <i32>Mathf.floor(v);
    const j1 = min(j + 1, BRUSH - 1);
    const fy = v - <f32>j;
    const r0 = grid + ((<usize>(j * BRUSH)) << 2);
    const r1 = grid + ((<usize>(j1 * BRUSH)) << 2);
    t = f32x4(
      brushAt(r0, r1, fy, x),
      brushAt(r0, r1, fy, x + 1),
      brushAt(r0, r1, fy, x + 2),
      brushAt(r0, r1, fy, x + 3),
    );
    inv = load<f32>(u);
  } else if (kind == 1) {
    const ax = load<f32>(u) * FW;
    const ay = load<f32>(u, 4) * FH;
    const dx = load<f32>(u, 8) * FW - ax;
    const dy = load<f32>(u, 12) * FH - ay;
    const dd = Mathf.max(dx * dx + dy * dy, 1e-6);
    const dot = f32x4.add(
      f32x4.mul(f32x4.sub(px, f32x4.splat(ax)), f32x4.splat(dx)),
      f32x4.mul(f32x4.sub(py, f32x4.splat(ay)), f32x4.splat(dy)),
    );
    t = fade(clamp01(f32x4.mul(dot, f32x4.splat(1 / dd))));
    inv = load<f32>(u, 16);
  } else {
    // Divisions by the radii and the feather as multiplications by their reciprocals.
    const qx = f32x4.mul(
      f32x4.sub(px, f32x4.splat(load<f32>(u) * FW)),
      f32x4.splat(1 / (load<f32>(u, 8) * FW)),
    );
    const qy = f32x4.mul(
      f32x4.sub(py, f32x4.splat(load<f32>(u, 4) * FH)),
      f32x4.splat(1 / (load<f32>(u, 12) * FH)),
    );
    const len = f32x4.sqrt(f32x4.add(f32x4.mul(qx, qx), f32x4.mul(qy, qy)));
    const f = Mathf.max(load<f32>(u, 16), 1e-4);
    t = fade(clamp01(f32x4.mul(f32x4.sub(len, f32x4.splat(1 - f)), f32x4.splat(1 / f))));
    inv = load<f32>(u, 20);
  }
  // mix(t, 1 − t, invert) = t + (1 − 2t)·invert
  return f32x4.add(t, f32x4.mul(f32x4.sub(ONE, f32x4.mul(f32x4.splat(2), t)), f32x4.splat(inv)));
}

/** Cells per side of a brush mask's grid (src/shared/effects/brush.ts). */
const BRUSH = 256;

/** Where pixel `p` of a frame `size` pixels long falls on the grid, in cells (clamped). */
function brushCell(p: i32, size: f32): f32 {
  return Mathf.min(<f32>(BRUSH - 1), Mathf.max(0, ((<f32>p + 0.5) / size) * <f32>BRUSH - 0.5));
}

/** A brush grid's value at crop x, between grid rows r0 and r1 (fy of the way). */
function brushAt(r0: usize, r1: usize, fy: f32, x: i32): f32 {
  const u = brushCell(x + OX, FW);
  const i = <i32>Mathf.floor(u);
  const i1 = min(i + 1, BRUSH - 1);
  const fx = u - <f32>i;
  const a = (<usize>i) << 2;
  const b = (<usize>i1) << 2;
  const top = load<f32>(r0 + a) + (load<f32>(r0 + b) - load<f32>(r0 + a)) * fx;
  const bottom = load<f32>(r1 + a) + (load<f32>(r1 + b) - load<f32>(r1 + a)) * fx;
  return top + (bottom - top) * fy;
}

/**
 * A blended layer's end: the row (its result s) becomes b + (clamp(B(b, s)) − b)·opacity·mask with
 * b the base row at `base`. Uniforms: mode, mask kind, 6 mask numbers, opacity.
 */
export function blendRow(row: usize, n: i32, y: i32, u: usize, base: usize): void {
  const mode = <i32>load<f32>(u);
  const kind = <i32>load<f32>(u, 4);
  const mu = u + 8;
  const op4 = f32x4.splat(load<f32>(u, 32));
  // Four pixels a step: the mask once for the four, each pixel's weight a lane of it.
  let x = 0;
  for (; x + 4 <= n; x += 4) {
    const w = kind == 0 ? op4 : f32x4.mul(mask4(kind, mu, x, y), op4);
    const p = row + ((<usize>x) << 4);
    const b = base + ((<usize>x) << 4);
    blendPixel(p, b, mode, i32x4.shuffle(w, w, 0, 0, 0, 0));
    blendPixel(p + 16, b + 16, mode, i32x4.shuffle(w, w, 1, 1, 1, 1));
    blendPixel(p + 32, b + 32, mode, i32x4.shuffle(w, w, 2, 2, 2, 2));
    blendPixel(p + 48, b + 48, mode, i32x4.shuffle(w, w, 3, 3, 3, 3));
  }
  if (x < n) {
    const w = kind == 0 ? op4 : f32x4.mul(mask4(kind, mu, x, y), op4);
    const p = row + ((<usize>x) << 4);
    const b = base + ((<usize>x) << 4);
    blendPixel(p, b, mode, i32x4.shuffle(w, w, 0, 0, 0, 0));
    if (x + 1 < n) blendPixel(p + 16, b + 16, mode, i32x4.shuffle(w, w, 1, 1, 1, 1));
    if (x + 2 < n) blendPixel(p + 32, b + 32, mode, i32x4.shuffle(w, w, 2, 2, 2, 2));
  }
}

/** One pixel at `p` over its base at `b`: b + (clamp(B(b, s)) − b)·k, s the clamped pixel. */
function blendPixel(p: usize, b: usize, mode: i32, k: v128): void {
  const base = v128.load(b);
  const s = clamp01(v128.load(p));
  const c = mode == 0 ? s : clamp01(blendMode(mode, base, s));
  v128.store(p, f32x4.add(base, f32x4.mul(f32x4.sub(c, base), k)));
}
