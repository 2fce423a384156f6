/**
 * Area effects of the CPU engine (./engine.ts): the Gaussian (blur, sharpen, bloom), ink edges
 * and pixelate, each ending in its sink (./run).
 */
import { W, H, OX, OY, FWI, FHI, PAD, ACC, ZERO, clamp01 } from './frame';
import { sink, unpackedRow } from './run';

/** The blur's weights, each splat to a vector (the widest reach is 128 pixels). */
const WEIGHTS4: usize = memory.data(129 * 16, 16);
/** The vertical pass's taps: for each of rows y − r … y + r, where its blurred row lies. */
const TAPS: usize = memory.data(257 * 4, 16);

/** Rows of horizontally blurred pixels a blur of reach `r` keeps for a crop `h` rows high. */
export function blurRows(r: i32, h: i32): i32 {
  return min(2 * r + 1, h);
}

/**
 * Bytes from one ring row to the next: a row and one cache line more, so that rows of a
 * power-of-two width (1024 px: 16 KB) do not all fall on the same cache sets, which made the
 * vertical pass, reading 2r + 1 rows at the same x, about 1.5× slower at 1024² than at 1000².
 */
export function ringStride(w: i32): i32 {
  return (w << 4) + 64;
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
      v128.store(body + x, f32x4.mul(f32x4.pmax(ZERO, f32x4.sub(c, t)), inv));
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
 * (blurRows(r, H) rows, ringStride(W) apart, reused in turn), then vertically from the ring,
 * four pixels a step in registers. `threshold` ≥ 0: bloom's bright pass first. Then per `mode`:
 * 0 the blur itself, 1 sharpen clamp(o + (o − blur)·amount), 2 bloom clamp(o + blur·amount), with
 * o the pixel of `orig`; then to the sink. `rgba` 1: `src` is the RGBA8 input, each row unpacked through the
 * run readied by unpackRows as the sweep reaches it (no f32x4 image written and read back; for a
 * blur whose result is not blended).
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
  rgba: i32,
  run: usize,
  runLen: i32,
  kind: i32,
  dst: usize,
  alpha: usize,
  base: usize,
): void {
  const rowBytes = (<usize>W) << 4;
  const slots = blurRows(r, H);
  const stride = <usize>ringStride(W);
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
      const d = ring + <usize>(made % slots) * stride;
      const s = rgba == 1 ? unpackedRow(src, made) : src + <usize>made * rowBytes;
      blurRowH(s, d, r, bright, t, inv);
    }
    for (let i = -r; i <= r; i++) {
      const j = min(max(y + i, 0), H - 1);
      store<usize>(TAPS + ((<usize>(i + r)) << 2), ring + <usize>(j % slots) * stride);
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
