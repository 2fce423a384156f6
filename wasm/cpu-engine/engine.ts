/**
 * The CPU engine for the classic effects (AssemblyScript → WebAssembly with SIMD; built by the
 * project's Vite plugin, see wasm/cpu-engine/build.ts). The host (workers/render/engine/) lays
 * out the memory and calls one pass per step of a stack's plan:
 *
 * - a *run* of point effects (exposure, contrast, … vignette) is applied to one row at a time in
 *   registers (one f32x4 per pixel: r, g, b and an unused lane), fused into whatever pass loads or
 *   stores that row: unpacking the RGBA8 input, the end of an area effect, packing the output;
 * - the per-channel effects a run starts with (exposure, contrast, curve, … and their sRGB decode
 *   and encode) are folded, where the input is RGBA8, into a table of the 256 byte values;
 * - area effects (blur, sharpen, bloom, ink, pixelate) are whole-crop passes over f32x4 images,
 *   with the Gaussian separable and symmetric (r + 1 multiplies per pixel and direction) in one
 *   sweep: each row blurred horizontally into a ring of rows, the vertical pass read from it.
 *
 * The maths are the effect definitions' (src/shared/effects/*): every point effect clamps to
 * [0, 1]; linear-light effects decode sRGB, apply, clamp and encode (consecutive ones share one
 * decode and encode: encode∘decode is the identity); neighbourhoods clamp to the crop; alpha passes
 * through untouched (the output's alpha bytes are the input's).
 *
 * A run is f32s: [op, n, n uniforms, op, n, …]; op codes are `OP` in workers/render/engine/plan.ts.
 */

// Frame: the crop's size, its origin in the image, the image's size.
let W: i32 = 0;
let H: i32 = 0;
let OX: i32 = 0;
let OY: i32 = 0;
let FW: f32 = 1;
let FH: f32 = 1;
let FWI: i32 = 1;
let FHI: i32 = 1;
// Tables (sRGB decode and encode, TABLE_STEPS intervals each) and three scratch rows.
let DEC: usize = 0;
let ENC: usize = 0;
let ROW: usize = 0;
let PAD: usize = 0;
let ACC: usize = 0;
// A blended layer's input row (OP_BASE keeps it in BASE; after an area effect, its input image's row).
let BASE: usize = 0;
let BASEP: usize = 0;

const TABLE_STEPS: i32 = 4096;

const OP_DEC = 1;
const OP_ENC = 2;
const OP_GAIN = 3;
const OP_VIGNETTE = 4;
const OP_CONTRAST = 5;
const OP_SATURATION = 6;
const OP_CURVE = 7;
const OP_MATRIX = 8;
const OP_GRAIN = 9;
const OP_POSTERIZE = 10;
const OP_BASE = 11;
const OP_BLEND = 12;
const OP_HSL = 13;

/** Where the host may start laying out memory. */
export function heapBase(): usize {
  return __heap_base;
}

function toLinear(c: f64): f64 {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

function toSrgb(l: f64): f64 {
  return l <= 0.0031308 ? l * 12.92 : 1.055 * Math.pow(l, 1.0 / 2.4) - 0.055;
}

/** Fills the decode and encode tables at `tables` (2 × (TABLE_STEPS + 1) f32). */
export function init(tables: usize): void {
  DEC = tables;
  ENC = tables + <usize>(TABLE_STEPS + 1) * 4;
  for (let i = 0; i <= TABLE_STEPS; i++) {
    const x = <f64>i / <f64>TABLE_STEPS;
    store<f32>(DEC + <usize>i * 4, <f32>toLinear(x));
    store<f32>(ENC + <usize>i * 4, <f32>toSrgb(x));
  }
}

/** The crop (`w`×`h` at `ox`, `oy` in a `fw`×`fh` image) and scratch rows for it. */
export function frame(w: i32, h: i32, ox: i32, oy: i32, fw: i32, fh: i32, scratch: usize): void {
  W = w;
  H = h;
  OX = ox;
  OY = oy;
  FWI = fw;
  FHI = fh;
  FW = <f32>fw;
  FH = <f32>fh;
  ROW = scratch;
  ACC = scratch + <usize>w * 16;
  BASE = ACC + <usize>w * 16;
  PAD = BASE + <usize>w * 16;
}

const ZERO: v128 = f32x4.splat(0);
const ONE: v128 = f32x4.splat(1);

function clamp01(v: v128): v128 {
  return f32x4.min(f32x4.max(v, ZERO), ONE);
}

/** A table lookup per colour channel with linear interpolation (inputs in [0, 1]). */
function lookup3(v: v128, table: usize, steps: f32, last: i32): v128 {
  const t = f32x4.mul(v, f32x4.splat(steps));
  // Signed truncation (one instruction on x64, the unsigned one is a long sequence), kept ≥ 0.
  const i = i32x4.min_s(i32x4.max_s(i32x4.trunc_sat_f32x4_s(t), ZERO), i32x4.splat(last));
  const f = f32x4.sub(t, f32x4.convert_i32x4_s(i));
  const p0 = table + ((<usize>i32x4.extract_lane(i, 0)) << 2);
  const p1 = table + ((<usize>i32x4.extract_lane(i, 1)) << 2);
  const p2 = table + ((<usize>i32x4.extract_lane(i, 2)) << 2);
  let lo = f32x4.splat(load<f32>(p0));
  lo = f32x4.replace_lane(lo, 1, load<f32>(p1));
  lo = f32x4.replace_lane(lo, 2, load<f32>(p2));
  let hi = f32x4.splat(load<f32>(p0, 4));
  hi = f32x4.replace_lane(hi, 1, load<f32>(p1, 4));
  hi = f32x4.replace_lane(hi, 2, load<f32>(p2, 4));
  return f32x4.add(lo, f32x4.mul(f32x4.sub(hi, lo), f));
}

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
    const d = v128.bitselect(poly, f32x4.sqrt(f32x4.max(b, ZERO)), f32x4.le(b, f32x4.splat(0.25)));
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
    t = fade(clamp01(f32x4.div(dot, f32x4.splat(dd))));
    inv = load<f32>(u, 16);
  } else {
    const qx = f32x4.div(
      f32x4.sub(px, f32x4.splat(load<f32>(u) * FW)),
      f32x4.splat(load<f32>(u, 8) * FW),
    );
    const qy = f32x4.div(
      f32x4.sub(py, f32x4.splat(load<f32>(u, 4) * FH)),
      f32x4.splat(load<f32>(u, 12) * FH),
    );
    const len = f32x4.sqrt(f32x4.add(f32x4.mul(qx, qx), f32x4.mul(qy, qy)));
    const f = Mathf.max(load<f32>(u, 16), 1e-4);
    t = fade(clamp01(f32x4.div(f32x4.sub(len, f32x4.splat(1 - f)), f32x4.splat(f))));
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
 * b the base row at BASEP. Uniforms: mode, mask kind, 6 mask numbers, opacity.
 */
function blendRow(row: usize, n: i32, y: i32, u: usize): void {
  const mode = <i32>load<f32>(u);
  const kind = <i32>load<f32>(u, 4);
  const mu = u + 8;
  const op4 = f32x4.splat(load<f32>(u, 32));
  // Four pixels a step: the mask once for the four, each pixel's weight a lane of it.
  let x = 0;
  for (; x + 4 <= n; x += 4) {
    const w = kind == 0 ? op4 : f32x4.mul(mask4(kind, mu, x, y), op4);
    const p = row + ((<usize>x) << 4);
    const b = BASEP + ((<usize>x) << 4);
    blendPixel(p, b, mode, i32x4.shuffle(w, w, 0, 0, 0, 0));
    blendPixel(p + 16, b + 16, mode, i32x4.shuffle(w, w, 1, 1, 1, 1));
    blendPixel(p + 32, b + 32, mode, i32x4.shuffle(w, w, 2, 2, 2, 2));
    blendPixel(p + 48, b + 48, mode, i32x4.shuffle(w, w, 3, 3, 3, 3));
  }
  if (x < n) {
    const w = kind == 0 ? op4 : f32x4.mul(mask4(kind, mu, x, y), op4);
    const p = row + ((<usize>x) << 4);
    const b = BASEP + ((<usize>x) << 4);
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

/** sin and cos of 4 angles in [−π/6, π/6] (Taylor to x⁸: error under 1e-8 there). */
function sin4(x: v128): v128 {
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, x2), ONE);
  return f32x4.mul(p, x);
}

function cos4(x: v128): v128 {
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(1.0 / 40320.0);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-0.5));
  return f32x4.add(f32x4.mul(p, x2), ONE);
}

/** e^y for 4 values of y in [−0.6, 0.6] (Taylor to y⁷: relative error under 1e-6). */
function exp4(y: v128): v128 {
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, y), ONE);
  return f32x4.add(f32x4.mul(p, y), ONE);
}

/**
 * The colour mixer (src/shared/effects/hsl.ts) on 4 pixels at `p`, transposed to one vector per
 * channel. Uniforms at u: per range hue, saturation, lightness (24), then per range the centre's
 * cos, sin, cos of the half-width and 1 / (1 − that) (32).
 */
function hsl4(p: usize, u: usize): void {
  const p0 = v128.load(p);
  const p1 = v128.load(p, 16);
  const p2 = v128.load(p, 32);
  const p3 = v128.load(p, 48);
  const t0 = i32x4.shuffle(p0, p1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(p2, p3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(p0, p1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(p2, p3, 2, 6, 3, 7);
  const r = i32x4.shuffle(t0, t1, 0, 1, 4, 5);
  const g = i32x4.shuffle(t0, t1, 2, 3, 6, 7);
  const b = i32x4.shuffle(t2, t3, 0, 1, 4, 5);
  const al = i32x4.shuffle(t2, t3, 2, 3, 6, 7);
  const half = f32x4.splat(0.5);
  const m = f32x4.mul(f32x4.add(f32x4.add(r, g), b), f32x4.splat(1.0 / 3.0));
  const a = f32x4.sub(r, f32x4.mul(half, f32x4.add(g, b)));
  const bb = f32x4.mul(f32x4.splat(0.8660254), f32x4.sub(g, b));
  const chroma = f32x4.sqrt(
    f32x4.add(f32x4.add(f32x4.mul(a, a), f32x4.mul(bb, bb)), f32x4.splat(1e-12)),
  );
  const na = f32x4.div(a, chroma);
  const nb = f32x4.div(bb, chroma);
  let ws = ZERO;
  let dh = ZERO;
  let ds = ZERO;
  let dl = ZERO;
  for (let i = 0; i < 8; i++) {
    const k = u + 96 + ((<usize>i) << 4);
    const dot = f32x4.add(
      f32x4.mul(na, f32x4.splat(load<f32>(k))),
      f32x4.mul(nb, f32x4.splat(load<f32>(k, 4))),
    );
    const t = clamp01(
      f32x4.mul(f32x4.sub(dot, f32x4.splat(load<f32>(k, 8))), f32x4.splat(load<f32>(k, 12))),
    );
    const w = f32x4.mul(t, t);
    const q = u + <usize>(12 * i);
    ws = f32x4.add(ws, w);
    dh = f32x4.add(dh, f32x4.mul(w, f32x4.splat(load<f32>(q))));
    ds = f32x4.add(ds, f32x4.mul(w, f32x4.splat(load<f32>(q, 4))));
    dl = f32x4.add(dl, f32x4.mul(w, f32x4.splat(load<f32>(q, 8))));
  }
  const inv = f32x4.div(ONE, f32x4.add(ws, f32x4.splat(1e-6)));
  const phi = f32x4.mul(f32x4.mul(dh, inv), f32x4.splat(0.5235988));
  const sat = f32x4.add(ONE, f32x4.mul(ds, inv));
  const gate = clamp01(f32x4.mul(chroma, f32x4.splat(5)));
  // 2^(0.75·dl·gate) = e^(0.75·ln 2·dl·gate)
  const light = exp4(f32x4.mul(f32x4.mul(f32x4.mul(dl, inv), gate), f32x4.splat(0.5198604)));
  const cp = cos4(phi);
  const sp = sin4(phi);
  const a2 = f32x4.mul(f32x4.sub(f32x4.mul(a, cp), f32x4.mul(bb, sp)), sat);
  const b2 = f32x4.mul(f32x4.add(f32x4.mul(a, sp), f32x4.mul(bb, cp)), sat);
  const third = f32x4.mul(a2, f32x4.splat(1.0 / 3.0));
  const sb = f32x4.mul(b2, f32x4.splat(0.57735027));
  const r2 = clamp01(f32x4.mul(light, f32x4.add(m, f32x4.mul(a2, f32x4.splat(2.0 / 3.0)))));
  const g2 = clamp01(f32x4.mul(light, f32x4.add(f32x4.sub(m, third), sb)));
  const b3 = clamp01(f32x4.mul(light, f32x4.sub(f32x4.sub(m, third), sb)));
  const u0 = i32x4.shuffle(r2, g2, 0, 4, 1, 5);
  const u1 = i32x4.shuffle(b3, al, 0, 4, 1, 5);
  const u2 = i32x4.shuffle(r2, g2, 2, 6, 3, 7);
  const u3 = i32x4.shuffle(b3, al, 2, 6, 3, 7);
  v128.store(p, i32x4.shuffle(u0, u1, 0, 1, 4, 5));
  v128.store(p, i32x4.shuffle(u0, u1, 2, 3, 6, 7), 16);
  v128.store(p, i32x4.shuffle(u2, u3, 0, 1, 4, 5), 32);
  v128.store(p, i32x4.shuffle(u2, u3, 2, 3, 6, 7), 48);
}

/** The colour mixer on `n` pixels at `row`, 4 at a time (the last few through PAD). */
function hslRow(row: usize, n: i32, u: usize): void {
  const quads = n >> 2;
  for (let q = 0; q < quads; q++) hsl4(row + ((<usize>q) << 6), u);
  const rest = n & 3;
  if (rest == 0) return;
  const tail = row + ((<usize>quads) << 6);
  memory.copy(PAD, tail, (<usize>rest) << 4);
  hsl4(PAD, u);
  memory.copy(tail, PAD, (<usize>rest) << 4);
}

/** Applies a run of point effects to `n` pixels at `row` (pixels x = 0… of crop row `y`). */
function applyRun(row: usize, n: i32, y: i32, run: usize, runLen: i32): void {
  let at = run;
  const end = run + ((<usize>runLen) << 2);
  while (at < end) {
    const op = <i32>load<f32>(at);
    const count = <i32>load<f32>(at, 4);
    const u = at + 8;
    at = u + ((<usize>count) << 2);
    const stop = row + ((<usize>n) << 4);
    if (op == OP_BASE) {
      memory.copy(BASE, row, (<usize>n) << 4);
      BASEP = BASE;
    } else if (op == OP_BLEND) {
      blendRow(row, n, y, u);
    } else if (op == OP_HSL) {
      hslRow(row, n, u);
    } else if (op == OP_DEC) {
      for (let p = row; p < stop; p += 16) {
        v128.store(p, lookup3(v128.load(p), DEC, <f32>TABLE_STEPS, TABLE_STEPS - 1));
      }
    } else if (op == OP_ENC) {
      for (let p = row; p < stop; p += 16) {
        v128.store(p, lookup3(v128.load(p), ENC, <f32>TABLE_STEPS, TABLE_STEPS - 1));
      }
    } else if (op == OP_GAIN) {
      const k = v128.load(u);
      for (let p = row; p < stop; p += 16) v128.store(p, clamp01(f32x4.mul(v128.load(p), k)));
    } else if (op == OP_CONTRAST) {
      const k = f32x4.splat(load<f32>(u));
      const half = f32x4.splat(0.5);
      for (let p = row; p < stop; p += 16) {
        const c = v128.load(p);
        v128.store(p, clamp01(f32x4.add(f32x4.mul(f32x4.sub(c, half), k), half)));
      }
    } else if (op == OP_SATURATION) {
      const s = f32x4.splat(load<f32>(u));
      for (let p = row; p < stop; p += 16) {
        const c = v128.load(p);
        const l = f32x4.splat(
          f32x4.extract_lane(c, 0) * 0.2126 +
            f32x4.extract_lane(c, 1) * 0.7152 +
            f32x4.extract_lane(c, 2) * 0.0722,
        );
        v128.store(p, clamp01(f32x4.add(l, f32x4.mul(f32x4.sub(c, l), s))));
      }
    } else if (op == OP_MATRIX) {
      const c0 = v128.load(u);
      const c1 = v128.load(u, 16);
      const c2 = v128.load(u, 32);
      const b = v128.load(u, 48);
      for (let p = row; p < stop; p += 16) {
        const c = v128.load(p);
        const r = f32x4.splat(f32x4.extract_lane(c, 0));
        const g = f32x4.splat(f32x4.extract_lane(c, 1));
        const bl = f32x4.splat(f32x4.extract_lane(c, 2));
        const m = f32x4.add(
          f32x4.add(f32x4.mul(c0, r), f32x4.mul(c1, g)),
          f32x4.add(f32x4.mul(c2, bl), b),
        );
        v128.store(p, clamp01(m));
      }
    } else if (op == OP_CURVE) {
      for (let p = row; p < stop; p += 16) {
        v128.store(p, clamp01(lookup3(v128.load(p), u, 255, 254)));
      }
    } else if (op == OP_POSTERIZE) {
      const k = f32x4.splat(load<f32>(u));
      for (let p = row; p < stop; p += 16) {
        const c = v128.load(p);
        v128.store(p, clamp01(f32x4.div(f32x4.nearest(f32x4.mul(c, k)), k)));
      }
    } else if (op == OP_VIGNETTE) {
      // The gain of 4 pixels at once: (x + 0.5)/W·2 − 1 per lane, then each pixel's lane.
      const a = f32x4.splat(load<f32>(u));
      const r = f32x4.splat(load<f32>(u, 4));
      const f = f32x4.splat(load<f32>(u, 8));
      const uy = ((<f32>(y + OY) + 0.5) / FH) * 2 - 1;
      const uy2 = f32x4.splat(uy * uy);
      const fw = f32x4.splat(FW);
      const two = f32x4.splat(2);
      const three = f32x4.splat(3);
      let xs = f32x4.add(f32x4.splat(<f32>OX + 0.5), f32x4(0, 1, 2, 3));
      const step = f32x4.splat(4);
      for (let p = row; p < stop; p += 64) {
        const ux = f32x4.sub(f32x4.mul(f32x4.div(xs, fw), two), ONE);
        xs = f32x4.add(xs, step);
        const d = f32x4.mul(f32x4.sqrt(f32x4.add(f32x4.mul(ux, ux), uy2)), f32x4.splat(0.70710677));
        const t = clamp01(f32x4.div(f32x4.sub(d, r), f));
        const s3 = f32x4.mul(f32x4.mul(t, t), f32x4.sub(three, f32x4.mul(two, t)));
        const g = f32x4.sub(ONE, f32x4.mul(a, s3));
        v128.store(p, clamp01(f32x4.mul(v128.load(p), i32x4.shuffle(g, g, 0, 0, 0, 0))));
        if (p + 16 < stop) {
          v128.store(p, clamp01(f32x4.mul(v128.load(p, 16), i32x4.shuffle(g, g, 1, 1, 1, 1))), 16);
        }
        if (p + 32 < stop) {
          v128.store(p, clamp01(f32x4.mul(v128.load(p, 32), i32x4.shuffle(g, g, 2, 2, 2, 2))), 32);
        }
        if (p + 48 < stop) {
          v128.store(p, clamp01(f32x4.mul(v128.load(p, 48), i32x4.shuffle(g, g, 3, 3, 3, 3))), 48);
        }
      }
    } else if (op == OP_GRAIN) {
      const amount = f32x4.splat(load<f32>(u));
      const size = <u32>load<f32>(u, 4);
      const seed = <u32>load<f32>(u, 8);
      const cy = <u32>(y + OY) / size;
      const base = cy * 668265263 + seed * 1274126177;
      let x = <u32>OX;
      for (let p = row; p < stop; p += 16) {
        let h = (x / size) * 374761393 + base;
        x++;
        h = h ^ (h >>> 15);
        h = h * 739982445;
        h = h ^ (h >>> 12);
        h = h * 695872825;
        h = h ^ (h >>> 15);
        const noise = f32x4.splat(<f32>(h >>> 8) / 16777216.0 - 0.5);
        v128.store(p, clamp01(f32x4.add(v128.load(p), f32x4.mul(amount, noise))));
      }
    }
  }
}

/** RGBA8 row `y` of `src` (a crop-sized RGBA8 image) as f32x4 pixels at ROW (4 at a time). */
function unpackRow(src: usize, y: i32): usize {
  const scale = f32x4.splat(1.0 / 255.0);
  const s = src + ((<usize>(y * W)) << 2);
  const quads = W >> 2;
  for (let q = 0; q < quads; q++) {
    const v = v128.load(s + ((<usize>q) << 4));
    const lo = i16x8.extend_low_i8x16_u(v);
    const hi = i16x8.extend_high_i8x16_u(v);
    const p = ROW + ((<usize>q) << 6);
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), scale));
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), scale), 16);
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), scale), 32);
    v128.store(p, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), scale), 48);
  }
  for (let x = quads << 2; x < W; x++) {
    const px = i32x4.extend_low_i16x8_u(
      i16x8.extend_low_i8x16_u(v128.load32_zero(s + ((<usize>x) << 2))),
    );
    v128.store(ROW + ((<usize>x) << 4), f32x4.mul(f32x4.convert_i32x4_u(px), scale));
  }
  return ROW;
}

/** One f32x4 pixel → its bytes as i32 lanes (clamped, rounded half to even as WGSL's round). */
function quantise(v: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(clamp01(v), f32x4.splat(255))));
}

/** f32x4 pixels at `row` → RGBA8 row `y` of `dst`, alpha from the same pixel of `alpha`. */
function packRow(row: usize, y: i32, dst: usize, alpha: usize): void {
  const off = (<usize>(y * W)) << 2;
  const d = dst + off;
  const a = alpha + off;
  const mask = i32x4.splat(0xff000000);
  const quads = W >> 2;
  for (let q = 0; q < quads; q++) {
    const p = row + ((<usize>q) << 6);
    const lo = i16x8.narrow_i32x4_u(quantise(v128.load(p)), quantise(v128.load(p, 16)));
    const hi = i16x8.narrow_i32x4_u(quantise(v128.load(p, 32)), quantise(v128.load(p, 48)));
    const bytes = i8x16.narrow_i16x8_u(lo, hi);
    const at = (<usize>q) << 4;
    v128.store(d + at, v128.bitselect(v128.load(a + at), bytes, mask));
  }
  for (let x = quads << 2; x < W; x++) {
    const q = quantise(v128.load(row + ((<usize>x) << 4)));
    const b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(q, q), ZERO);
    const at = (<usize>x) << 2;
    store<u32>(d + at, (i32x4.extract_lane(b, 0) & 0xffffff) | ((<u32>load<u8>(a + at + 3)) << 24));
  }
}

/**
 * Where a pass puts its rows: a run, then an f32x4 image (`kind` 0) or RGBA8 (`kind` 1). `base`:
 * the f32x4 image a blended area effect read (its run starts with the blend), else 0.
 */
function sink(
  row: usize,
  y: i32,
  run: usize,
  runLen: i32,
  kind: i32,
  dst: usize,
  alpha: usize,
  base: usize,
): void {
  if (base != 0) BASEP = base + ((<usize>(y * W)) << 4);
  if (runLen > 0) applyRun(row, W, y, run, runLen);
  if (kind == 1) packRow(row, y, dst, alpha);
  else memory.copy(dst + ((<usize>(y * W)) << 4), row, (<usize>W) << 4);
}

/** Pixel values 0…255 through a run's leading per-channel effects, one f32x4 per value. */
const LUT: usize = memory.data(256 * 16, 16);
const LANE0: v128 = i32x4(-1, 0, 0, 0);
const LANE1: v128 = i32x4(0, -1, 0, 0);

/** Ops whose result in each channel depends on that channel alone (and not on where). */
function perChannel(op: i32): bool {
  return (
    op == OP_DEC ||
    op == OP_ENC ||
    op == OP_GAIN ||
    op == OP_CONTRAST ||
    op == OP_CURVE ||
    op == OP_POSTERIZE
  );
}

/**
 * The f32s of `run`'s leading per-channel ops; when there are any, LUT holds them applied to
 * every byte value, exactly as applyRun would compute them on the unpacked pixels.
 */
function foldLeading(run: usize, runLen: i32): i32 {
  let at = 0;
  while (at < runLen) {
    const p = run + ((<usize>at) << 2);
    if (!perChannel(<i32>load<f32>(p))) break;
    at += 2 + <i32>load<f32>(p, 4);
  }
  if (at > 0) {
    const scale = f32x4.splat(1.0 / 255.0);
    for (let i = 0; i < 256; i++) {
      v128.store(LUT + ((<usize>i) << 4), f32x4.mul(f32x4.splat(<f32>i), scale));
    }
    applyRun(LUT, 256, 0, run, at);
  }
  return at;
}

/** Row `y` of RGBA8 `src` through LUT (each channel its own lane of its byte's entry) at ROW. */
function unpackLut(src: usize, y: i32): usize {
  const s = src + ((<usize>(y * W)) << 2);
  for (let x = 0; x < W; x++) {
    const a = s + ((<usize>x) << 2);
    const r = v128.load(LUT + ((<usize>load<u8>(a)) << 4));
    const g = v128.load(LUT + ((<usize>load<u8>(a, 1)) << 4));
    const b = v128.load(LUT + ((<usize>load<u8>(a, 2)) << 4));
    v128.store(ROW + ((<usize>x) << 4), v128.bitselect(r, v128.bitselect(g, b, LANE1), LANE0));
  }
  return ROW;
}

/**
 * RGBA8 `src` → `run` → RGBA8 (`kind` 1) or f32x4 (0) `dst`, its leading per-channel ops folded
 * into LUT; also when the run starts by keeping its input (a blended layer first): the base is
 * then the plain unpacked row, the layer's per-channel ops come from the table.
 */
function unpackPass(src: usize, run: usize, runLen: i32, kind: i32, dst: usize): void {
  const keep = runLen >= 2 && <i32>load<f32>(run) == OP_BASE;
  const skip = keep ? 2 : 0;
  const folded = foldLeading(run + ((<usize>skip) << 2), runLen - skip);
  const from = folded > 0 ? skip + folded : 0;
  const rest = run + ((<usize>from) << 2);
  for (let y = 0; y < H; y++) {
    let row = ROW;
    if (folded == 0) row = unpackRow(src, y);
    else {
      if (keep) {
        memory.copy(BASE, unpackRow(src, y), (<usize>W) << 4);
        BASEP = BASE;
      }
      row = unpackLut(src, y);
    }
    sink(row, y, rest, runLen - from, kind, dst, src, 0);
  }
}

/** Point effects only: RGBA8 `src` → `run` → RGBA8 `dst`. */
export function passPoint(src: usize, run: usize, runLen: i32, dst: usize): void {
  unpackPass(src, run, runLen, 1, dst);
}

/** RGBA8 `src` → `run` → the f32x4 image `dst` (an area effect's input). */
export function passUnpack(src: usize, run: usize, runLen: i32, dst: usize): void {
  unpackPass(src, run, runLen, 0, dst);
}

/** The blur's weights, each splat to a vector (the widest reach is 128 pixels). */
const WEIGHTS4: usize = memory.data(129 * 16, 16);
/** The vertical pass's taps: for each of rows y − r … y + r, where its blurred row lies. */
const TAPS: usize = memory.data(257 * 4, 16);

/** Rows of horizontally blurred pixels a blur of reach `r` keeps for a crop `h` rows high. */
export function blurRows(r: i32, h: i32): i32 {
  return min(2 * r + 1, h);
}

/**
 * Row `s` (W f32x4 pixels) blurred horizontally into `d`, edges clamped; `bright`: bloom's
 * bright pass max(c − t, 0)·inv first. Four pixels a step, each its own accumulator.
 */
function blurRowH(s: usize, d: usize, r: i32, bright: bool, t: v128, inv: v128): void {
  const rowBytes = (<usize>W) << 4;
  // PAD: r copies of the first pixel, the row, r copies of the last.
  const body = PAD + ((<usize>r) << 4);
  if (bright) {
    for (let x: usize = 0; x < rowBytes; x += 16) {
      const c = v128.load(s + x);
      v128.store(body + x, f32x4.mul(f32x4.max(f32x4.sub(c, t), ZERO), inv));
    }
  } else memory.copy(body, s, rowBytes);
  const first = v128.load(body);
  const last = v128.load(body + rowBytes - 16);
  for (let i = 0; i < r; i++) {
    v128.store(PAD + ((<usize>i) << 4), first);
    v128.store(body + rowBytes + ((<usize>i) << 4), last);
  }
  const w0 = v128.load(WEIGHTS4);
  let x: usize = 0;
  for (; x + 64 <= rowBytes; x += 64) {
    const c = body + x;
    let a0 = f32x4.mul(v128.load(c), w0);
    let a1 = f32x4.mul(v128.load(c, 16), w0);
    let a2 = f32x4.mul(v128.load(c, 32), w0);
    let a3 = f32x4.mul(v128.load(c, 48), w0);
    for (let i = 1; i <= r; i++) {
      const o = (<usize>i) << 4;
      const wi = v128.load(WEIGHTS4 + o);
      const lo = c - o;
      const hi = c + o;
      a0 = f32x4.add(a0, f32x4.mul(f32x4.add(v128.load(lo), v128.load(hi)), wi));
      a1 = f32x4.add(a1, f32x4.mul(f32x4.add(v128.load(lo, 16), v128.load(hi, 16)), wi));
      a2 = f32x4.add(a2, f32x4.mul(f32x4.add(v128.load(lo, 32), v128.load(hi, 32)), wi));
      a3 = f32x4.add(a3, f32x4.mul(f32x4.add(v128.load(lo, 48), v128.load(hi, 48)), wi));
    }
    v128.store(d + x, a0);
    v128.store(d + x, a1, 16);
    v128.store(d + x, a2, 32);
    v128.store(d + x, a3, 48);
  }
  for (; x < rowBytes; x += 16) {
    const c = body + x;
    let acc = f32x4.mul(v128.load(c), w0);
    for (let i = 1; i <= r; i++) {
      const o = (<usize>i) << 4;
      const pair = f32x4.add(v128.load(c - o), v128.load(c + o));
      acc = f32x4.add(acc, f32x4.mul(pair, v128.load(WEIGHTS4 + o)));
    }
    v128.store(d + x, acc);
  }
}

/**
 * A separable Gaussian of the f32x4 image `src` (symmetric weights w0…wr at `weights`, edges
 * clamped) in one sweep down the crop: each row blurred horizontally once into `ring`
 * (blurRows(r, H) rows, reused in turn), then vertically from the ring, four pixels a step in
 * registers. `threshold` ≥ 0: bloom's bright pass first. Then per `mode`: 0 the blur itself,
 * 1 sharpen clamp(o + (o − blur)·amount), 2 bloom clamp(o + blur·amount), with o the pixel of
 * `orig`; then to the sink.
 */
export function passBlur(
  src: usize,
  weights: usize,
  r: i32,
  threshold: f32,
  mode: i32,
  orig: usize,
  amount: f32,
  ring: usize,
  run: usize,
  runLen: i32,
  kind: i32,
  dst: usize,
  alpha: usize,
  base: usize,
): void {
  const rowBytes = (<usize>W) << 4;
  const slots = blurRows(r, H);
  const bright = threshold >= 0;
  const t = f32x4.splat(threshold);
  const inv = f32x4.splat(1 / (1 - threshold));
  const k = f32x4.splat(amount);
  for (let i = 0; i <= r; i++) {
    v128.store(WEIGHTS4 + ((<usize>i) << 4), f32x4.splat(load<f32>(weights + ((<usize>i) << 2))));
  }
  const w0 = v128.load(WEIGHTS4);
  const centre = TAPS + ((<usize>r) << 2);
  let made = 0;
  for (let y = 0; y < H; y++) {
    const need = min(y + r, H - 1);
    for (; made <= need; made++) {
      const d = ring + <usize>(made % slots) * rowBytes;
      blurRowH(src + <usize>made * rowBytes, d, r, bright, t, inv);
    }
    for (let i = -r; i <= r; i++) {
      const j = min(max(y + i, 0), H - 1);
      store<usize>(TAPS + ((<usize>(i + r)) << 2), ring + <usize>(j % slots) * rowBytes);
    }
    const mid = load<usize>(centre);
    let x: usize = 0;
    for (; x + 64 <= rowBytes; x += 64) {
      const c = mid + x;
      let a0 = f32x4.mul(v128.load(c), w0);
      let a1 = f32x4.mul(v128.load(c, 16), w0);
      let a2 = f32x4.mul(v128.load(c, 32), w0);
      let a3 = f32x4.mul(v128.load(c, 48), w0);
      for (let i = 1; i <= r; i++) {
        const o = (<usize>i) << 2;
        const up = load<usize>(centre - o) + x;
        const down = load<usize>(centre + o) + x;
        const wi = v128.load(WEIGHTS4 + ((<usize>i) << 4));
        a0 = f32x4.add(a0, f32x4.mul(f32x4.add(v128.load(up), v128.load(down)), wi));
        a1 = f32x4.add(a1, f32x4.mul(f32x4.add(v128.load(up, 16), v128.load(down, 16)), wi));
        a2 = f32x4.add(a2, f32x4.mul(f32x4.add(v128.load(up, 32), v128.load(down, 32)), wi));
        a3 = f32x4.add(a3, f32x4.mul(f32x4.add(v128.load(up, 48), v128.load(down, 48)), wi));
      }
      v128.store(ACC + x, a0);
      v128.store(ACC + x, a1, 16);
      v128.store(ACC + x, a2, 32);
      v128.store(ACC + x, a3, 48);
    }
    for (; x < rowBytes; x += 16) {
      let acc = f32x4.mul(v128.load(mid + x), w0);
      for (let i = 1; i <= r; i++) {
        const o = (<usize>i) << 2;
        const pair = f32x4.add(
          v128.load(load<usize>(centre - o) + x),
          v128.load(load<usize>(centre + o) + x),
        );
        acc = f32x4.add(acc, f32x4.mul(pair, v128.load(WEIGHTS4 + ((<usize>i) << 4))));
      }
      v128.store(ACC + x, acc);
    }
    if (mode != 0) {
      const o = orig + <usize>y * rowBytes;
      for (let x: usize = 0; x < rowBytes; x += 16) {
        const c = v128.load(o + x);
        const b = v128.load(ACC + x);
        const v =
          mode == 1 ? f32x4.add(c, f32x4.mul(f32x4.sub(c, b), k)) : f32x4.add(c, f32x4.mul(b, k));
        v128.store(ACC + x, clamp01(v));
      }
    }
    sink(ACC, y, run, runLen, kind, dst, alpha, base);
  }
}

/** Ink edges: Sobel on the luma of `src` (plane at `luma`), darkening by the edge, to the sink. */
export function passInk(
  src: usize,
  luma: usize,
  strength: f32,
  sensitivity: f32,
  run: usize,
  runLen: i32,
  kind: i32,
  dst: usize,
  alpha: usize,
  base: usize,
): void {
  const n = W * H;
  for (let i = 0; i < n; i++) {
    const c = v128.load(src + ((<usize>i) << 4));
    const l =
      f32x4.extract_lane(c, 0) * 0.2126 +
      f32x4.extract_lane(c, 1) * 0.7152 +
      f32x4.extract_lane(c, 2) * 0.0722;
    store<f32>(luma + ((<usize>i) << 2), l);
  }
  for (let y = 0; y < H; y++) {
    const up = luma + ((<usize>(max(y - 1, 0) * W)) << 2);
    const mid = luma + ((<usize>(y * W)) << 2);
    const down = luma + ((<usize>(min(y + 1, H - 1) * W)) << 2);
    const o = src + ((<usize>(y * W)) << 4);
    for (let x = 0; x < W; x++) {
      const xl = (<usize>max(x - 1, 0)) << 2;
      const xc = (<usize>x) << 2;
      const xr = (<usize>min(x + 1, W - 1)) << 2;
      const l0 = load<f32>(up + xl);
      const l1 = load<f32>(up + xc);
      const l2 = load<f32>(up + xr);
      const l3 = load<f32>(mid + xl);
      const l5 = load<f32>(mid + xr);
      const l6 = load<f32>(down + xl);
      const l7 = load<f32>(down + xc);
      const l8 = load<f32>(down + xr);
      const gx = l2 + 2 * l5 + l8 - (l0 + 2 * l3 + l6);
      const gy = l6 + 2 * l7 + l8 - (l0 + 2 * l1 + l2);
      const e = Mathf.min(Mathf.max(Mathf.sqrt(gx * gx + gy * gy) * sensitivity, 0), 1);
      const c = v128.load(o + ((<usize>x) << 4));
      v128.store(ACC + ((<usize>x) << 4), clamp01(f32x4.mul(c, f32x4.splat(1 - strength * e))));
    }
    sink(ACC, y, run, runLen, kind, dst, alpha, base);
  }
}

/** Pixelate: each pixel takes its block's centre pixel (global blocks, clamped), to the sink. */
export function passPixelate(
  src: usize,
  size: i32,
  run: usize,
  runLen: i32,
  kind: i32,
  dst: usize,
  alpha: usize,
  base: usize,
): void {
  const half = size / 2;
  for (let y = 0; y < H; y++) {
    const gy = y + OY;
    const cy = min(max(min((gy / size) * size + half, FHI - 1) - OY, 0), H - 1);
    const s = src + ((<usize>(cy * W)) << 4);
    for (let x = 0; x < W; x++) {
      const gx = x + OX;
      const cx = min(max(min((gx / size) * size + half, FWI - 1) - OX, 0), W - 1);
      v128.store(ACC + ((<usize>x) << 4), v128.load(s + ((<usize>cx) << 4)));
    }
    sink(ACC, y, run, runLen, kind, dst, alpha, base);
  }
}
