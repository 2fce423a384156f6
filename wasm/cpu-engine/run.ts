/**
 * Runs of point effects (./engine.ts) on rows of f32x4 pixels, the rows' unpacking from RGBA8
 * and packing back, and where each pass's rows go (`sink`).
 */
import {
  W,
  H,
  OX,
  OY,
  FW,
  FH,
  DEC,
  ENC,
  ROW,
  BASE,
  TABLE_STEPS,
  ZERO,
  ONE,
  clamp01,
  lookup3,
} from './frame';
import { blendRow } from './blend';
import { hslRow } from './hsl';

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

// A blended layer's input row (OP_BASE keeps it in BASE; after an area effect, its input image's row).
let BASEP: usize = 0;

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
      blendRow(row, n, y, u, BASEP);
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
      const k = f32x4(0.2126, 0.7152, 0.0722, 0);
      for (let p = row; p < stop; p += 16) {
        const c = v128.load(p);
        // Luma in every lane, summed as (r·kr + g·kg) + b·kb like the scalar sum, without
        // leaving the vector: two swaps and adds (each lane ends with the same three terms).
        const m = f32x4.mul(c, k);
        const h = f32x4.add(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
        const l = f32x4.add(h, i32x4.shuffle(h, h, 2, 3, 0, 1));
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
      // The gain of 4 pixels at once: (x + 0.5)·2/W − 1 per lane, then each pixel's lane (the
      // divisions by W and by the feather are multiplications by their reciprocals).
      const a = f32x4.splat(load<f32>(u));
      const r = f32x4.splat(load<f32>(u, 4));
      const invF = f32x4.splat(1 / load<f32>(u, 8));
      const uy = ((<f32>(y + OY) + 0.5) / FH) * 2 - 1;
      const uy2 = f32x4.splat(uy * uy);
      const toU = f32x4.splat(2 / FW);
      const two = f32x4.splat(2);
      const three = f32x4.splat(3);
      let xs = f32x4.add(f32x4.splat(<f32>OX + 0.5), f32x4(0, 1, 2, 3));
      const step = f32x4.splat(4);
      for (let p = row; p < stop; p += 64) {
        const ux = f32x4.sub(f32x4.mul(xs, toU), ONE);
        xs = f32x4.add(xs, step);
        const d = f32x4.mul(f32x4.sqrt(f32x4.add(f32x4.mul(ux, ux), uy2)), f32x4.splat(0.70710677));
        const t = clamp01(f32x4.mul(f32x4.sub(d, r), invF));
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
export function sink(
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

// The run being unpacked through (unpackRows): whether it keeps its input first (a blended
// layer leads), how many of its f32s are folded into LUT, and the rest to apply per row.
let KEEP = false;
let FOLDED = 0;
let REST: usize = 0;
let REST_LEN = 0;

/**
 * Readies rows of RGBA8 → `run` (unpackedRow; also for an area pass that reads its input row by
 * row), its leading per-channel ops folded into LUT; also when the run starts by keeping its
 * input (a blended layer first): the base is then the plain unpacked row, the layer's
 * per-channel ops come from the table.
 */
export function unpackRows(run: usize, runLen: i32): void {
  KEEP = runLen >= 2 && <i32>load<f32>(run) == OP_BASE;
  const skip = KEEP ? 2 : 0;
  FOLDED = foldLeading(run + ((<usize>skip) << 2), runLen - skip);
  const from = FOLDED > 0 ? skip + FOLDED : 0;
  REST = run + ((<usize>from) << 2);
  REST_LEN = runLen - from;
}

/** Row `y` of RGBA8 `src` unpacked through the prepared run, as f32x4 pixels at ROW. */
export function unpackedRow(src: usize, y: i32): usize {
  let row: usize;
  if (FOLDED == 0) row = unpackRow(src, y);
  else {
    if (KEEP) {
      memory.copy(BASE, unpackRow(src, y), (<usize>W) << 4);
      BASEP = BASE;
    }
    row = unpackLut(src, y);
  }
  if (REST_LEN > 0) applyRun(row, W, y, REST, REST_LEN);
  return row;
}

/** RGBA8 `src` → `run` → RGBA8 (`kind` 1) or f32x4 (0) `dst`. */
function unpackPass(src: usize, run: usize, runLen: i32, kind: i32, dst: usize): void {
  unpackRows(run, runLen);
  for (let y = 0; y < H; y++) sink(unpackedRow(src, y), y, 0, 0, kind, dst, src, 0);
}

/** Point effects only: RGBA8 `src` → `run` → RGBA8 `dst`. */
export function passPoint(src: usize, run: usize, runLen: i32, dst: usize): void {
  unpackPass(src, run, runLen, 1, dst);
}

/** RGBA8 `src` → `run` → the f32x4 image `dst` (an area effect's input). */
export function passUnpack(src: usize, run: usize, runLen: i32, dst: usize): void {
  unpackPass(src, run, runLen, 0, dst);
}
