/**
 * Effect definitions: for each classic effect its parameters and two implementations of the same
 * math, a WGSL snippet (GPU path) and an ONNX subgraph (CPU path).
 *
 * Shared rules, followed by both implementations:
 * - Images are RGBA8 sRGB; the engine works on floats in [0, 1]; alpha passes through untouched.
 * - An effect's parameters become a flat float32 array of *uniforms* computed once on the host by
 *   `uniforms(params)` (e.g. exposure's 2^EV, a curve's lookup table, a blur's weights), so both
 *   paths read identical numbers; moving a slider only rewrites this array.
 * - `space: 'linear'` effects (exposure, temperature/tint, vignette) decode sRGB to linear light,
 *   apply, clamp to [0, 1] and encode; the rest work on sRGB values. Every effect clamps its result.
 * - Neighbourhoods clamp to the image edge; position-dependent effects (vignette, grain, pixelate)
 *   use global pixel coordinates, so tiles agree with the whole image.
 * - Film grain hashes integer coordinates and the seed with 32-bit wrapping arithmetic (u32 in
 *   WGSL, int64 mod 2^32 in ONNX): identical noise on both paths.
 *
 * WGSL snippets: point effects are statements on `var c: vec3f` with `gp: vec2i` (global pixel)
 * and `U(i)` (uniform i). Area effects are passes whose body sets `out: vec4f` for local pixel `p`,
 * reading `ld0(q)` / `ld1(q)` (inputs, clamped to the tile), `full: vec2f`, `off: vec2i`.
 */
import { curveLut, CURVE_LUT_SIZE } from './curve';
import { DT, lookup, type GraphBuilder } from './onnx-graph';
import type { EffectDefBase, ResolvedParams } from './types';

/** What an effect's ONNX builder gets: the graph and helpers over this effect's uniforms. */
export interface OnnxCtx {
  g: GraphBuilder;
  /** Uniform i as a [1] tensor. */
  scalar(i: number): string;
  /** Uniforms i..i+2 as a [1,3,1,1] tensor (per channel). */
  vec3(i: number): string;
  /** Uniforms i..i+n-1 as an [n] tensor. */
  slice(i: number, n: number): string;
  /** The uniforms input, [n]. */
  all: string;
  /** Global pixel coordinates as float: x [1,1,1,W], y [1,1,H,1]. */
  coords(): { x: string; y: string };
  /** Global pixel coordinates as int64: x [1,1,1,W], y [1,1,H,1]. */
  intCoords(): { x: string; y: string };
  /** The whole image's size as float [1] tensors, and as int64 [1]. */
  full(): { w: string; h: string; wi: string; hi: string };
  /** The tile's origin in the image as int64 [1]. */
  offset(): { x: string; y: string };
  /** The tile's size as int64 [1]. */
  size(): { w: string; h: string };
  /** Rec. 709 weighted sum of the channels: [1,1,H,W]. */
  luma(x: string): string;
  /** Separable blur with clamped edges; weights are uniforms [o+1 .. o+2R+1] (R = radius). */
  blur(x: string, radius: number, weightsAt: number): string;
}

export interface PointEffectDef extends EffectDefBase {
  kind: 'point';
  /**
   * Each output channel depends only on the same channel's input value (no coordinates, no other
   * channels): the CPU path folds a stack's leading run of such effects into one 256-entry table
   * per channel, looked up by the 8-bit input.
   */
  channelwise?: boolean;
  uniforms(p: ResolvedParams): number[];
  wgsl: string;
  onnx(ctx: OnnxCtx, x: string): string;
  /**
   * Linear-light effects that multiply by a gain g ≥ 0 (per channel and/or per pixel): `scale`·g
   * as a tensor that broadcasts with [1,3,H,W] (the effect folds `scale` into its scalars). The
   * CPU path then works on √linear (√(l·g) = √l·√g), between two fine tables (compile-onnx).
   */
  gain?(ctx: OnnxCtx, scale: number): string;
  /** √(`scale`·g) when the effect has a cheaper way than the root of `gain` (e.g. a table). */
  rootGain?(ctx: OnnxCtx, scale: number): string;
  /** The largest gain the params allow (sizes the CPU path's encode table; no clamp needed). */
  maxGain?: number;
}

export interface GpuPass {
  /** Buffers read as ld0, ld1: the effect's input or a temporary. */
  reads: ('in' | 't1' | 't2')[];
  writes: 't1' | 't2' | 'out';
  body: string;
}

export interface AreaEffectDef extends EffectDefBase {
  kind: 'area';
  uniforms(p: ResolvedParams): number[];
  /** Pixels of neighbourhood the effect reads on each side (tile halo). */
  reach(p: ResolvedParams): number;
  /** Parts of the params that change the shape of the computation (a blur's radius bucket). */
  structure(p: ResolvedParams): string;
  passes: GpuPass[];
  onnx(ctx: OnnxCtx, x: string, p: ResolvedParams): string;
}

export type ClassicEffectDef = PointEffectDef | AreaEffectDef;

const num = (p: ResolvedParams, key: string): number => p[key] as number;
const LUMA = [0.2126, 0.7152, 0.0722];

/**
 * Blur radii come in buckets so that most slider moves keep the same model and shader. Every
 * radius up to 12 is its own bucket: there a bucket's unused taps cost most (σ = 3 needs 9: 19
 * taps, not 21 — the CPU path's convolutions are ~40% of a blurred stack).
 */
const RADIUS_BUCKETS = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96,
];

/** The radius (in pixels) a Gaussian of `sigma` is computed over, rounded up to a bucket. */
export function blurRadius(sigma: number): number {
  if (sigma < 0.05) return 0;
  const need = Math.ceil(3 * sigma);
  return RADIUS_BUCKETS.find((b) => b >= need) ?? need;
}

/** [R, w(-R) … w(R)]: normalised Gaussian weights, zero beyond 3σ. */
export function blurUniforms(sigma: number): number[] {
  const r = blurRadius(sigma);
  if (r === 0) return [0, 1];
  const cut = Math.ceil(3 * sigma);
  const w: number[] = [];
  for (let i = -r; i <= r; i++)
    w.push(Math.abs(i) > cut ? 0 : Math.exp(-(i * i) / (2 * sigma * sigma)));
  const sum = w.reduce((a, b) => a + b, 0);
  return [r, ...w.map((v) => v / sum)];
}

/** WGSL for one direction of a separable blur whose [R, weights] start at uniform `o`. */
function blurPass(dir: 'x' | 'y', o: number, tail = 'out = vec4f(acc, ld0(p).a);'): string {
  const step = dir === 'x' ? 'vec2i(i, 0)' : 'vec2i(0, i)';
  return `let R = i32(U(${o}));
var acc = vec3f(0.0);
for (var i = -R; i <= R; i++) { acc += ld0(p + ${step}).rgb * U(u32(i + R) + ${o + 1}u); }
${tail}`;
}

export const exposure: PointEffectDef = {
  id: 'exposure',
  name: 'Exposure',
  kind: 'point',
  channelwise: true,
  space: 'linear',
  params: [
    { type: 'number', key: 'ev', label: 'Exposure (EV)', min: -4, max: 4, default: 0, step: 0.05 },
  ],
  uniforms: (p) => [2 ** num(p, 'ev')],
  wgsl: 'c = c * U(0);',
  onnx: (ctx, x) => ctx.g.op('Mul', [x, ctx.scalar(0)]),
  gain: ({ g, scalar }, scale) => g.op('Mul', [scalar(0), g.f32(scale)]),
  maxGain: 2 ** 4,
};

export const contrast: PointEffectDef = {
  id: 'contrast',
  name: 'Contrast',
  kind: 'point',
  channelwise: true,
  space: 'srgb',
  params: [
    { type: 'number', key: 'amount', label: 'Contrast', min: -1, max: 1, default: 0, step: 0.01 },
  ],
  uniforms: (p) => [2 ** (2 * num(p, 'amount'))],
  wgsl: 'c = (c - 0.5) * U(0) + 0.5;',
  // (x − 0.5)·k + 0.5 as x·k + (0.5 − 0.5·k): one pass fewer over the image.
  onnx: ({ g, scalar }, x) => {
    const k = scalar(0);
    const bias = g.op('Sub', [g.f32(0.5), g.op('Mul', [k, g.f32(0.5)])]);
    return g.op('Add', [g.op('Mul', [x, k]), bias]);
  },
};

export const saturation: PointEffectDef = {
  id: 'saturation',
  name: 'Saturation',
  kind: 'point',
  space: 'srgb',
  params: [
    { type: 'number', key: 'amount', label: 'Saturation', min: -1, max: 1, default: 0, step: 0.01 },
  ],
  uniforms: (p) => [1 + num(p, 'amount')],
  wgsl: `let l = c.r * ${LUMA[0]} + c.g * ${LUMA[1]} + c.b * ${LUMA[2]};
c = l + (c - l) * U(0);`,
  // l + (c − l)·s is linear in c: one 3×3 matrix s·I + (1 − s)·[luma; luma; luma], applied as a
  // 1×1 convolution (one pass over the image instead of five).
  onnx: ({ g, scalar }, x) => {
    const s = scalar(0);
    const eye = g.f32([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3]);
    const lumaRows = g.f32([...LUMA, ...LUMA, ...LUMA], [3, 3]);
    const m = g.op('Add', [
      g.op('Mul', [eye, s]),
      g.op('Mul', [lumaRows, g.op('Sub', [g.f32(1), s])]),
    ]);
    return g.op('Conv', [x, g.op('Reshape', [m, g.i64([3, 3, 1, 1])])], {
      kernel_shape: { ints: [1, 1] },
      strides: { ints: [1, 1] },
      pads: { ints: [0, 0, 0, 0] },
      dilations: { ints: [1, 1] },
      group: { i: 1 },
    });
  },
};

export const temperature: PointEffectDef = {
  id: 'temperature',
  name: 'Temperature & tint',
  kind: 'point',
  channelwise: true,
  space: 'linear',
  params: [
    {
      type: 'number',
      key: 'temperature',
      label: 'Temperature',
      min: -1,
      max: 1,
      default: 0,
      step: 0.01,
    },
    { type: 'number', key: 'tint', label: 'Tint', min: -1, max: 1, default: 0, step: 0.01 },
  ],
  uniforms: (p) => {
    const t = num(p, 'temperature');
    const k = num(p, 'tint');
    return [2 ** (0.3 * t), 2 ** (-0.3 * k), 2 ** (-0.3 * t)];
  },
  wgsl: 'c = c * vec3f(U(0), U(1), U(2));',
  onnx: ({ g, vec3 }, x) => g.op('Mul', [x, vec3(0)]),
  gain: ({ g, vec3 }, scale) => g.op('Mul', [vec3(0), g.f32(scale)]),
  maxGain: 2 ** 0.3,
};

export const curve: PointEffectDef = {
  id: 'curve',
  name: 'Tone curve',
  kind: 'point',
  channelwise: true,
  space: 'srgb',
  params: [
    {
      type: 'points',
      key: 'points',
      label: 'Curve points',
      default: [0, 0, 1, 1],
      min: 0,
      max: 1,
      minLength: 4,
      maxLength: 32,
    },
  ],
  uniforms: (p) => [...curveLut(p.points as number[])],
  wgsl: `let t = c * ${CURVE_LUT_SIZE - 1}.0;
let i0 = min(floor(t), vec3f(${CURVE_LUT_SIZE - 2}.0));
let fr = t - i0;
let ii = vec3u(i0);
let lo = vec3f(U(ii.x), U(ii.y), U(ii.z));
let hi = vec3f(U(ii.x + 1u), U(ii.y + 1u), U(ii.z + 1u));
c = lo + (hi - lo) * fr;`,
  onnx: ({ g, all }, x) => {
    const t = g.op('Mul', [x, g.f32(CURVE_LUT_SIZE - 1)]);
    const i0 = g.op('Min', [g.op('Floor', [t]), g.f32(CURVE_LUT_SIZE - 2)]);
    const fr = g.op('Sub', [t, i0]);
    const ii = g.op('Cast', [i0], { to: { i: 7 } });
    const lo = g.op('Gather', [all, ii], { axis: { i: 0 } });
    const hi = g.op('Gather', [all, g.op('Add', [ii, g.i64(1, [])])], { axis: { i: 0 } });
    return g.op('Add', [lo, g.op('Mul', [g.op('Sub', [hi, lo]), fr])]);
  },
};

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

/**
 * √(scale·gain) by a table over the distance d (VIGNETTE_STEPS cells; the gain's formula runs on
 * the table, not the image): per pixel only ⌊d·N⌋ = ⌊√(x² + y²)⌋ (x, y pre-scaled per axis) and a
 * lookup — 4 passes over [1,1,H,W] instead of 12. Within 0.1/255 of the formula even at the
 * smallest feather (tested in workers/render/cpu.test.ts).
 */
function vignetteRootGain(ctx: OnnxCtx, scale: number): string {
  const { g } = ctx;
  const n = VIGNETTE_STEPS;
  const grid = g.op('Div', [
    g.op('Range', [g.f32(0.5, []), g.f32(n + 1, []), g.f32(1, [])]),
    g.f32(n),
  ]);
  const table = g.op('Sqrt', [g.op('Relu', [vignetteOf(ctx, grid, scale)])]);
  const { ux, uy } = vignetteAxes(ctx, 0.70710677 * n);
  const dn = g.op('Sqrt', [g.op('Add', [g.op('Mul', [ux, ux]), g.op('Mul', [uy, uy])])]);
  return lookup(
    g,
    g.op('Reshape', [table, g.i64([1, -1])]),
    g.op('Cast', [dn], { to: { i: DT.int32 } }),
  );
}

/** Multipliers of the grain hash (all below 2^31, so int64 products cannot overflow). */
const HASH = { x: 374761393, y: 668265263, seed: 1274126177, m1: 739982445, m2: 695872825 };

export const grain: PointEffectDef = {
  id: 'grain',
  name: 'Film grain',
  kind: 'point',
  space: 'srgb',
  params: [
    { type: 'number', key: 'amount', label: 'Amount', min: 0, max: 1, default: 0, step: 0.01 },
    {
      type: 'number',
      key: 'size',
      label: 'Size',
      min: 1,
      max: 8,
      default: 1,
      step: 1,
      spatial: true,
    },
    { type: 'number', key: 'seed', label: 'Seed', min: 0, max: 65535, default: 1, step: 1 },
  ],
  uniforms: (p) => [
    num(p, 'amount'),
    Math.max(1, Math.round(num(p, 'size'))),
    Math.max(0, Math.round(num(p, 'seed'))),
  ],
  wgsl: `let cell = vec2u(gp) / u32(U(1));
var h = cell.x * ${HASH.x}u + cell.y * ${HASH.y}u + u32(U(2)) * ${HASH.seed}u;
h = h ^ (h >> 15u);
h = h * ${HASH.m1}u;
h = h ^ (h >> 12u);
h = h * ${HASH.m2}u;
h = h ^ (h >> 15u);
c = c + U(0) * (f32(h >> 8u) / 16777216.0 - 0.5);`,
  onnx: ({ g, scalar, intCoords }, x) => {
    const { x: ix, y: iy } = intCoords();
    const size = g.op('Cast', [scalar(1)], { to: { i: 7 } });
    const seed = g.op('Cast', [scalar(2)], { to: { i: 7 } });
    const M = g.i64(2 ** 32, []);
    const cx = g.op('Div', [ix, size]);
    const cy = g.op('Div', [iy, size]);
    let h = g.op('Add', [
      g.op('Add', [g.op('Mul', [cx, g.i64(HASH.x, [])]), g.op('Mul', [cy, g.i64(HASH.y, [])])]),
      g.op('Mul', [seed, g.i64(HASH.seed, [])]),
    ]);
    h = g.op('Mod', [h, M], { fmod: { i: 0 } });
    const xorShift = (v: string, bits: number) =>
      g.op('BitwiseXor', [v, g.op('Div', [v, g.i64(2 ** bits, [])])]);
    const mulMod = (v: string, k: number) =>
      g.op('Mod', [g.op('Mul', [v, g.i64(k, [])]), M], { fmod: { i: 0 } });
    h = mulMod(xorShift(h, 15), HASH.m1);
    h = mulMod(xorShift(h, 12), HASH.m2);
    h = xorShift(h, 15);
    const top = g.op('Cast', [g.op('Div', [h, g.i64(256, [])])], { to: { i: 1 } });
    const n = g.op('Sub', [g.op('Div', [top, g.f32(16777216)]), g.f32(0.5)]);
    return g.op('Add', [x, g.op('Mul', [scalar(0), n])]);
  },
};

export const posterize: PointEffectDef = {
  id: 'posterize',
  name: 'Posterize',
  kind: 'point',
  channelwise: true,
  space: 'srgb',
  params: [
    { type: 'number', key: 'levels', label: 'Levels', min: 2, max: 256, default: 256, step: 1 },
  ],
  uniforms: (p) => [Math.max(2, Math.round(num(p, 'levels'))) - 1],
  wgsl: 'c = round(c * U(0)) / U(0);',
  onnx: ({ g, scalar }, x) =>
    g.op('Div', [g.op('Round', [g.op('Mul', [x, scalar(0)])]), scalar(0)]),
};

const IDENTITY_MATRIX = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];

export const colourMatrix: PointEffectDef = {
  id: 'matrix',
  name: 'Colour matrix',
  kind: 'point',
  space: 'srgb',
  params: [
    {
      type: 'matrix',
      key: 'matrix',
      label: '3×4 matrix (rows: r g b offset)',
      default: IDENTITY_MATRIX,
      min: -4,
      max: 4,
      minLength: 12,
      maxLength: 12,
    },
  ],
  uniforms: (p) => [...(p.matrix as number[])],
  wgsl: `c = vec3f(
  U(0) * c.r + U(1) * c.g + U(2) * c.b + U(3),
  U(4) * c.r + U(5) * c.g + U(6) * c.b + U(7),
  U(8) * c.r + U(9) * c.g + U(10) * c.b + U(11));`,
  onnx: ({ g, all }, x) => {
    const w = g.op('Reshape', [
      g.op('Gather', [all, g.i64([0, 1, 2, 4, 5, 6, 8, 9, 10])], { axis: { i: 0 } }),
      g.i64([3, 3, 1, 1]),
    ]);
    const b = g.op('Gather', [all, g.i64([3, 7, 11])], { axis: { i: 0 } });
    return g.op('Conv', [x, w, b], {
      kernel_shape: { ints: [1, 1] },
      strides: { ints: [1, 1] },
      pads: { ints: [0, 0, 0, 0] },
      dilations: { ints: [1, 1] },
      group: { i: 1 },
    });
  },
};

export const blur: AreaEffectDef = {
  id: 'blur',
  name: 'Gaussian blur',
  kind: 'area',
  space: 'srgb',
  params: [
    {
      type: 'number',
      key: 'sigma',
      label: 'Radius (σ)',
      min: 0,
      max: 30,
      default: 0,
      step: 0.1,
      spatial: true,
    },
  ],
  uniforms: (p) => blurUniforms(num(p, 'sigma')),
  reach: (p) => blurRadius(num(p, 'sigma')),
  structure: (p) => String(blurRadius(num(p, 'sigma'))),
  passes: [
    { reads: ['in'], writes: 't1', body: blurPass('x', 0) },
    { reads: ['t1'], writes: 'out', body: blurPass('y', 0) },
  ],
  onnx: (ctx, x, p) => ctx.blur(x, blurRadius(num(p, 'sigma')), 0),
};

export const sharpen: AreaEffectDef = {
  id: 'sharpen',
  name: 'Sharpen',
  kind: 'area',
  space: 'srgb',
  params: [
    { type: 'number', key: 'amount', label: 'Amount', min: 0, max: 4, default: 0, step: 0.05 },
    {
      type: 'number',
      key: 'sigma',
      label: 'Radius (σ)',
      min: 0.3,
      max: 8,
      default: 1,
      step: 0.1,
      spatial: true,
    },
  ],
  uniforms: (p) => [num(p, 'amount'), ...blurUniforms(num(p, 'sigma'))],
  reach: (p) => blurRadius(num(p, 'sigma')),
  structure: (p) => String(blurRadius(num(p, 'sigma'))),
  passes: [
    { reads: ['in'], writes: 't1', body: blurPass('x', 1) },
    {
      reads: ['t1', 'in'],
      writes: 'out',
      body: blurPass(
        'y',
        1,
        'let o = ld1(p);\nout = vec4f(clamp(o.rgb + (o.rgb - acc) * U(0), vec3f(0.0), vec3f(1.0)), o.a);',
      ),
    },
  ],
  onnx: (ctx, x, p) => {
    const { g, scalar } = ctx;
    const b = ctx.blur(x, blurRadius(num(p, 'sigma')), 1);
    return g.op('Add', [x, g.op('Mul', [g.op('Sub', [x, b]), scalar(0)])]);
  },
};

export const bloom: AreaEffectDef = {
  id: 'bloom',
  name: 'Bloom',
  kind: 'area',
  space: 'srgb',
  params: [
    { type: 'number', key: 'amount', label: 'Amount', min: 0, max: 2, default: 0, step: 0.01 },
    {
      type: 'number',
      key: 'threshold',
      label: 'Threshold',
      min: 0,
      max: 0.95,
      default: 0.7,
      step: 0.01,
    },
    {
      type: 'number',
      key: 'sigma',
      label: 'Radius (σ)',
      min: 0.5,
      max: 30,
      default: 6,
      step: 0.1,
      spatial: true,
    },
  ],
  uniforms: (p) => [num(p, 'amount'), num(p, 'threshold'), ...blurUniforms(num(p, 'sigma'))],
  reach: (p) => blurRadius(num(p, 'sigma')),
  structure: (p) => String(blurRadius(num(p, 'sigma'))),
  passes: [
    {
      reads: ['in'],
      writes: 't1',
      body: 'let o = ld0(p);\nout = vec4f(max(o.rgb - U(1), vec3f(0.0)) / (1.0 - U(1)), o.a);',
    },
    { reads: ['t1'], writes: 't2', body: blurPass('x', 2) },
    {
      reads: ['t2', 'in'],
      writes: 'out',
      body: blurPass(
        'y',
        2,
        'let o = ld1(p);\nout = vec4f(clamp(o.rgb + acc * U(0), vec3f(0.0), vec3f(1.0)), o.a);',
      ),
    },
  ],
  onnx: (ctx, x, p) => {
    const { g, scalar } = ctx;
    const t = scalar(1);
    const bright = g.op('Div', [
      g.op('Max', [g.op('Sub', [x, t]), g.f32(0)]),
      g.op('Sub', [g.f32(1), t]),
    ]);
    const b = ctx.blur(bright, blurRadius(num(p, 'sigma')), 2);
    return g.op('Add', [x, g.op('Mul', [b, scalar(0)])]);
  },
};

export const ink: AreaEffectDef = {
  id: 'ink',
  name: 'Ink edges',
  kind: 'area',
  space: 'srgb',
  params: [
    { type: 'number', key: 'strength', label: 'Strength', min: 0, max: 1, default: 0, step: 0.01 },
    {
      type: 'number',
      key: 'sensitivity',
      label: 'Sensitivity',
      min: 0.25,
      max: 8,
      default: 2,
      step: 0.05,
    },
  ],
  uniforms: (p) => [num(p, 'strength'), num(p, 'sensitivity')],
  reach: () => 1,
  structure: () => '',
  passes: [
    {
      reads: ['in'],
      writes: 'out',
      body: `var l: array<f32, 9>;
for (var j = -1; j <= 1; j++) {
  for (var i = -1; i <= 1; i++) {
    let q = ld0(p + vec2i(i, j)).rgb;
    l[(j + 1) * 3 + i + 1] = q.r * ${LUMA[0]} + q.g * ${LUMA[1]} + q.b * ${LUMA[2]};
  }
}
let gx = (l[2] + 2.0 * l[5] + l[8]) - (l[0] + 2.0 * l[3] + l[6]);
let gy = (l[6] + 2.0 * l[7] + l[8]) - (l[0] + 2.0 * l[1] + l[2]);
let e = clamp(sqrt(gx * gx + gy * gy) * U(1), 0.0, 1.0);
let o = ld0(p);
out = vec4f(clamp(o.rgb * (1.0 - U(0) * e), vec3f(0.0), vec3f(1.0)), o.a);`,
    },
  ],
  onnx: ({ g, scalar, luma }, x) => {
    const l = luma(x);
    const lp = g.op('Pad', [l, g.i64([0, 0, 1, 1, 0, 0, 1, 1])], { mode: { s: 'edge' } });
    const sobel = g.f32([-1, 0, 1, -2, 0, 2, -1, 0, 1, -1, -2, -1, 0, 0, 0, 1, 2, 1], [2, 1, 3, 3]);
    const gxy = g.op('Conv', [lp, sobel], {
      kernel_shape: { ints: [3, 3] },
      strides: { ints: [1, 1] },
      pads: { ints: [0, 0, 0, 0] },
      dilations: { ints: [1, 1] },
      group: { i: 1 },
    });
    const mag = g.op('Sqrt', [
      g.op('ReduceSum', [g.op('Mul', [gxy, gxy]), g.i64([1])], { keepdims: { i: 1 } }),
    ]);
    const e = g.op('Clip', [g.op('Mul', [mag, scalar(1)]), g.f32(0, []), g.f32(1, [])]);
    return g.op('Mul', [x, g.op('Sub', [g.f32(1), g.op('Mul', [scalar(0), e])])]);
  },
};

export const pixelate: AreaEffectDef = {
  id: 'pixelate',
  name: 'Pixelate',
  kind: 'area',
  space: 'srgb',
  params: [
    {
      type: 'number',
      key: 'size',
      label: 'Block size',
      min: 1,
      max: 128,
      default: 1,
      step: 1,
      spatial: true,
    },
  ],
  uniforms: (p) => [Math.max(1, Math.round(num(p, 'size')))],
  reach: (p) => Math.max(1, Math.round(num(p, 'size'))),
  structure: () => '',
  passes: [
    {
      reads: ['in'],
      writes: 'out',
      body: `let s = i32(U(0));
let gp = p + off;
let centre = min((gp / s) * s + s / 2, vec2i(full) - 1);
out = vec4f(ld0(centre - off).rgb, ld0(p).a);`,
    },
  ],
  onnx: ({ g, scalar, intCoords, full, offset, size }, x) => {
    const s = g.op('Cast', [scalar(0)], { to: { i: 7 } });
    const half = g.op('Div', [s, g.i64(2, [])]);
    const { x: ix, y: iy } = intCoords();
    const { wi, hi } = full();
    const off = offset();
    const sz = size();
    const index = (v: string, fullLen: string, o: string, len: string) => {
      const centre = g.op('Min', [
        g.op('Add', [g.op('Mul', [g.op('Div', [v, s]), s]), half]),
        g.op('Sub', [fullLen, g.i64(1, [])]),
      ]);
      const local = g.op('Sub', [centre, o]);
      const clamped = g.op('Max', [
        g.op('Min', [local, g.op('Sub', [len, g.i64(1, [])])]),
        g.i64(0, []),
      ]);
      return g.op('Reshape', [clamped, g.i64([-1])]);
    };
    const rows = g.op('Gather', [x, index(iy, hi, off.y, sz.h)], { axis: { i: 2 } });
    return g.op('Gather', [rows, index(ix, wi, off.x, sz.w)], { axis: { i: 3 } });
  },
};

/** Every classic effect, in the order a menu lists them. */
export const CLASSIC_EFFECTS: ClassicEffectDef[] = [
  exposure,
  contrast,
  saturation,
  temperature,
  curve,
  colourMatrix,
  vignette,
  grain,
  posterize,
  blur,
  sharpen,
  bloom,
  ink,
  pixelate,
];
