/**
 * The vignette: a gain in linear light from the distance to the centre (smoothstep between
 * radius and radius + feather). On the CPU path its gain comes from a table over the distance.
 */
import { num } from './common';
import type { OnnxCtx, PointEffectDef } from './defs';
import { DT, lookup } from './onnx-graph';

export const vignette: PointEffectDef = {
  id: 'vignette',
  name: 'Vignette',
  kind: 'point',
  space: 'linear',
  params: [
    { type: 'number', key: 'amount', label: 'Amount', min: -1, max: 1, default: 0, step: 0.01 },
    { type: 'number', key: 'radius', label: 'Radius', min: 0, max: 1, default: 0.5, step: 0.01 },
    {
      type: 'number',
      key: 'feather',
      label: 'Feather',
      min: 0.05,
      max: 1,
      default: 0.5,
      step: 0.01,
    },
  ],
  uniforms: (p) => [num(p, 'amount'), num(p, 'radius'), num(p, 'feather')],
  wgsl: `let uv = (vec2f(gp) + 0.5) / full * 2.0 - 1.0;
let d = sqrt(uv.x * uv.x + uv.y * uv.y) * 0.70710677;
let t = clamp((d - U(1)) / U(2), 0.0, 1.0);
c = c * (1.0 - U(0) * (t * t * (3.0 - 2.0 * t)));`,
  onnx: (ctx, x) => ctx.g.op('Mul', [x, vignetteGain(ctx, 1)]),
  gain: vignetteGain,
  rootGain: vignetteRootGain,
  gainLevels: vignetteGainLevels,
  maxGain: 2,
};

/** Entries of the CPU path's vignette table (indexed by distance from the centre). */
export const VIGNETTE_STEPS = 65536;

/**
 * scale·(1 − a·smoothstep(t)) with t = clamp((d − radius)/feather, 0, 1), for a tensor of distances
 * d from the centre (1 at the corners); scale·(1 − a·t²(3 − 2t)) = scale + t²·(2as·t − 3as).
 */
function vignetteOf({ g, scalar }: OnnxCtx, d: string, scale: number): string {
  const t = g.op('Clip', [
    g.op('Div', [g.op('Sub', [d, scalar(1)]), scalar(2)]),
    g.f32(0, []),
    g.f32(1, []),
  ]);
  const as = g.op('Mul', [scalar(0), g.f32(scale)]);
  const slope = g.op('Add', [
    g.op('Mul', [t, g.op('Mul', [as, g.f32(2)])]),
    g.op('Mul', [as, g.f32(-3)]),
  ]);
  return g.op('Add', [g.op('Mul', [g.op('Mul', [t, t]), slope]), g.f32(scale)]);
}

/** Per-axis coordinates mapped to [−1, 1] and multiplied by `k`: x [1,1,1,W], y [1,1,H,1]. */
function vignetteAxes({ g, coords, full }: OnnxCtx, k: number) {
  const { x: px, y: py } = coords();
  const { w, h } = full();
  const norm = (v: string, size: string) =>
    g.op('Mul', [
      g.op('Sub', [
        g.op('Mul', [g.op('Div', [g.op('Add', [v, g.f32(0.5)]), size]), g.f32(2)]),
        g.f32(1),
      ]),
      g.f32(k),
    ]);
  return { ux: norm(px, w), uy: norm(py, h) };
}

function vignetteGain(ctx: OnnxCtx, scale: number): string {
  const { g } = ctx;
  const { ux, uy } = vignetteAxes(ctx, 0.70710677);
  const d = g.op('Sqrt', [g.op('Add', [g.op('Mul', [ux, ux]), g.op('Mul', [uy, uy])])]);
  return vignetteOf(ctx, d, scale);
}

/** √(scale·gain) per pixel, by the distance table. */
function vignetteRootGain(ctx: OnnxCtx, scale: number): string {
  return byDistance(ctx, (gain) => ctx.g.op('Sqrt', [gain]), scale);
}

/** The gain's level offsets for the CPU path's last-gain table (see `gainLevels`). */
function vignetteGainLevels(ctx: OnnxCtx, levels: number, qmax: number, stride: number): string {
  const { g } = ctx;
  return byDistance(ctx, (gain) => {
    // g^(1/2.4) as exp(ln g / 2.4): ORT's Pow is scalar, Exp and Log are vectorised.
    const q = g.op('Exp', [g.op('Mul', [g.op('Log', [gain]), g.f32(1 / 2.4)])]);
    const level = g.op('Round', [g.op('Mul', [q, g.f32((levels - 1) / qmax)])]);
    return g.op('Cast', [g.op('Mul', [level, g.f32(stride)])], { to: { i: DT.int32 } });
  });
}

/**
 * `f(scale·gain)` per pixel by a table over the distance d (VIGNETTE_STEPS cells; the gain's
 * formula and `f` run on the table, not the image): per pixel only ⌊d·N⌋ = ⌊√(x² + y²)⌋ (x, y
 * pre-scaled per axis) and a lookup — 4 passes over [1,1,H,W] instead of 12. Within 0.1/255 of
 * the formula even at the smallest feather (tested in workers/render/cpu.test.ts).
 */
function byDistance(ctx: OnnxCtx, f: (gain: string) => string, scale = 1): string {
  const { g } = ctx;
  const n = VIGNETTE_STEPS;
  const grid = g.op('Div', [
    g.op('Range', [g.f32(0.5, []), g.f32(n + 1, []), g.f32(1, [])]),
    g.f32(n),
  ]);
  const table = f(g.op('Relu', [vignetteOf(ctx, grid, scale)]));
  const { ux, uy } = vignetteAxes(ctx, 0.70710677 * n);
  const dn = g.op('Sqrt', [g.op('Add', [g.op('Mul', [ux, ux]), g.op('Mul', [uy, uy])])]);
  return lookup(
    g,
    g.op('Reshape', [table, g.i64([1, -1])]),
    g.op('Cast', [dn], { to: { i: DT.int32 } }),
  );
}

/** Multipliers of the grain hash (all below 2^31, so int64 products cannot overflow). */
