/**
 * The CPU engine's frame (./engine.ts): the crop being rendered, its place in the image, the
 * scratch rows laid out for it, the sRGB tables, and the vector helpers every pass shares.
 */

// Frame: the crop's size, its origin in the image, the image's size.
export let W: i32 = 0;
export let H: i32 = 0;
export let OX: i32 = 0;
export let OY: i32 = 0;
export let FW: f32 = 1;
export let FH: f32 = 1;
export let FWI: i32 = 1;
export let FHI: i32 = 1;
// Tables (sRGB decode and encode, TABLE_STEPS intervals each) and three scratch rows.
export let DEC: usize = 0;
export let ENC: usize = 0;
export let ROW: usize = 0;
export let PAD: usize = 0;
export let ACC: usize = 0;
// A blended layer's input row (OP_BASE keeps it in BASE; after an area effect, its input image's row).
export let BASE: usize = 0;

export const TABLE_STEPS: i32 = 4096;

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

export const ZERO: v128 = f32x4.splat(0);
export const ONE: v128 = f32x4.splat(1);

/**
 * v clamped to [0, 1], NaN to 0. pmin/pmax (one instruction each on x64) rather than min/max,
 * whose NaN and signed-zero rules cost several: pmax(0, v) = 0 < v ? v : 0 and
 * pmin(1, x) = x < 1 ? x : 1.
 */
export function clamp01(v: v128): v128 {
  return f32x4.pmin(ONE, f32x4.pmax(ZERO, v));
}

/** A table lookup per colour channel with linear interpolation (inputs in [0, 1]). */
export function lookup3(v: v128, table: usize, steps: f32, last: i32): v128 {
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
