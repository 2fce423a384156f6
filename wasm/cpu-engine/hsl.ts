/**
 * The colour mixer (hue, saturation, lightness per colour range) of the CPU engine (./engine.ts),
 * as src/shared/effects/hsl.ts defines it.
 */
import { PAD, ZERO, ONE, clamp01 } from './frame';

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
export function hslRow(row: usize, n: i32, u: usize): void {
  const quads = n >> 2;
  for (let q = 0; q < quads; q++) hsl4(row + ((<usize>q) << 6), u);
  const rest = n & 3;
  if (rest == 0) return;
  const tail = row + ((<usize>quads) << 6);
  memory.copy(PAD, tail, (<usize>rest) << 4);
  hsl4(PAD, u);
  memory.copy(tail, PAD, (<usize>rest) << 4);
}
