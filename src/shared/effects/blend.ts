/**
 * Opacity and blend mode for any classic layer: the layer's result s is blended onto its input b
 * (both sRGB values in [0, 1], as in Photoshop and the W3C compositing spec) and mixed back by the
 * opacity: out = b + (B(b, s) − b)·opacity. A blended layer is its effect wrapped in a definition
 * of its own (`blendedDef`): the same WGSL and ONNX code, then the blend, with the opacity as one
 * more uniform, the layer's last (a slider move only rewrites it). The CPU engine
 * (wasm/cpu-engine) computes the same blends and masks itself, from `def.blend`.
 *
 * B per mode: normal s; multiply b·s; screen 1 − (1 − b)(1 − s); overlay 2bs below b = ½, else
 * 1 − 2(1 − b)(1 − s); soft light (W3C) b − (1 − 2s)·b(1 − b) for s ≤ ½, else b + (2s − 1)(D(b) − b)
 * with D(b) = ((16b − 12)b + 4)b for b ≤ ¼, else √b; colour SetLum(s, Lum(b)); luminosity
 * SetLum(b, Lum(s)), Lum = 0.3r + 0.59g + 0.11b and SetLum's ClipColor keeping the result in range.
 */
import { BRUSH_GRID, brushGrid } from './brush';
import { toLinearExact, toSrgbExact } from './compile-onnx';
import type { AreaEffectDef, GpuPass, OnnxCtx, PointEffectDef } from './defs';
import { DT, type GraphBuilder } from './onnx-graph';
import type { BlendMode, LayerMask } from './types';

/** The modes, in menu order, with their names. */
export const BLEND_MODES: readonly { mode: BlendMode; name: string }[] = [
  { mode: 'normal', name: 'Normal' },
  { mode: 'multiply', name: 'Multiply' },
  { mode: 'screen', name: 'Screen' },
  { mode: 'overlay', name: 'Overlay' },
  { mode: 'soft-light', name: 'Soft light' },
  { mode: 'colour', name: 'Colour' },
  { mode: 'luminosity', name: 'Luminosity' },
];

export const isBlendMode = (v: unknown): v is BlendMode => BLEND_MODES.some((m) => m.mode === v);

/** Modes where each channel depends only on the same channel (keep a channel-wise effect so). */
const SEPARABLE = new Set<BlendMode>(['normal', 'multiply', 'screen', 'overlay', 'soft-light']);

const LUM = [0.3, 0.59, 0.11] as const;

/**
 * WGSL statements: `c` (the layer's result) becomes B(base_b, c), then the opacity, the layer's
 * last uniform: `U(LAST)`, which the shader generator replaces with its index (./wgsl).
 */
function wgslBlend(mode: BlendMode, mask: MaskKind): string {
  const lum = `vec3f(${LUM.join(', ')})`;
  const setLum = (colour: string, target: string) => `{
  var q = ${colour} + (dot(${target}, ${lum}) - dot(${colour}, ${lum}));
  let l = dot(q, ${lum});
  let n = min(min(q.r, q.g), q.b);
  let x = max(max(q.r, q.g), q.b);
  if (n < 0.0) { q = l + (q - l) * l / max(l - n, 1e-6); }
  if (x > 1.0) { q = l + (q - l) * (1.0 - l) / max(x - l, 1e-6); }
  c = q;
}`;
  const body: Record<BlendMode, string> = {
    normal: '',
    multiply: 'c = base_b * c;',
    screen: 'c = 1.0 - (1.0 - base_b) * (1.0 - c);',
    overlay:
      'c = select(1.0 - 2.0 * (1.0 - base_b) * (1.0 - c), 2.0 * base_b * c, base_b < vec3f(0.5));',
    'soft-light': `{
  let d = select(sqrt(base_b), ((16.0 * base_b - 12.0) * base_b + 4.0) * base_b, base_b <= vec3f(0.25));
  c = select(base_b + (2.0 * c - 1.0) * (d - base_b), base_b - (1.0 - 2.0 * c) * base_b * (1.0 - base_b), c <= vec3f(0.5));
}`,
    colour: setLum('c', 'base_b'),
    luminosity: setLum('base_b', 'c'),
  };
  return `${body[mode]}
${wgslMask(mask)}
c = base_b + (clamp(c, vec3f(0.0), vec3f(1.0)) - base_b) * (U(LAST) * mask_m);`;
}

/** ONNX: B(b, s) mixed by the opacity (the last uniform) and the mask, for [1,3,H,W] b and s. */
function onnxBlend(ctx: OnnxCtx, mode: BlendMode, mask: MaskKind, b: string, s: string): string {
  const { g } = ctx;
  const f = (v: number) => g.f32(v);
  const one = f(1);
  const sub = (x: string, y: string) => g.op('Sub', [x, y]);
  const mul = (x: string, y: string) => g.op('Mul', [x, y]);
  const add = (x: string, y: string) => g.op('Add', [x, y]);
  const inv = (x: string) => sub(one, x);
  let out: string;
  switch (mode) {
    case 'normal':
      out = s;
      break;
    case 'multiply':
      out = mul(b, s);
      break;
    case 'screen':
      out = inv(mul(inv(b), inv(s)));
      break;
    case 'overlay':
      out = g.op('Where', [
        g.op('Less', [b, f(0.5)]),
        mul(mul(f(2), b), s),
        inv(mul(mul(f(2), inv(b)), inv(s))),
      ]);
      break;
    case 'soft-light': {
      const d = g.op('Where', [
        g.op('LessOrEqual', [b, f(0.25)]),
        mul(add(mul(sub(mul(f(16), b), f(12)), b), f(4)), b),
        g.op('Sqrt', [b]),
      ]);
      const twoS = mul(f(2), s);
      out = g.op('Where', [
        g.op('LessOrEqual', [s, f(0.5)]),
        sub(b, mul(mul(sub(one, twoS), b), inv(b))),
        add(b, mul(sub(twoS, one), sub(d, b))),
      ]);
      break;
    }
    case 'colour':
      out = setLum(g, s, b);
      break;
    case 'luminosity':
      out = setLum(g, b, s);
      break;
  }
  const opacity = g.op('Slice', [ctx.all, g.i64([-1]), g.i64([1 << 30]), g.i64([0])]);
  const weight = mask === 'none' ? opacity : mul(opacity, onnxMask(ctx, mask));
  return add(b, mul(sub(clip(g, out), b), weight));
}

/** A mask's kind: structure (its own shader and model); its numbers are uniforms. */
export type MaskKind = 'none' | LayerMask['kind'];

/**
 * Uniforms of a mask, before the opacity: linear x0 y0 x1 y1 invert; radial cx cy rx ry feather
 * invert; brush invert then its coverage grid (./brush), `BRUSH_GRID`² numbers row by row.
 */
export function maskUniforms(mask: LayerMask | undefined): number[] {
  if (!mask) return [];
  const inv = mask.invert ? 1 : 0;
  if (mask.kind === 'linear') return [mask.x0, mask.y0, mask.x1, mask.y1, inv];
  if (mask.kind === 'brush') {
    const grid = brushGrid(mask);
    const out = new Array<number>(1 + grid.length);
    out[0] = inv;
    for (let i = 0; i < grid.length; i++) out[i + 1] = grid[i]!;
    return out;
  }
  return [mask.cx, mask.cy, Math.max(1e-4, mask.rx), Math.max(1e-4, mask.ry), mask.feather, inv];
}
export const MASK_SIZE: Record<MaskKind, number> = {
  none: 0,
  linear: 5,
  radial: 6,
  brush: 1 + BRUSH_GRID * BRUSH_GRID,
};

/** `U(M<i>)`: mask uniform i (before the opacity, the last uniform). */
const m = (kind: MaskKind, i: number) => `U(END${MASK_SIZE[kind] - i})`;

/** WGSL: `mask_m` in [0, 1] at global pixel `gp` of the frame `full`. */
function wgslMask(kind: MaskKind): string {
  if (kind === 'none') return 'let mask_m = 1.0;';
  const at = 'let mask_p = vec2f(gp) + 0.5;';
  const inv = (i: number) => `let mask_m = mix(mask_t, 1.0 - mask_t, ${m(kind, i)});`;
  if (kind === 'brush') {
    // The grid starts right after the invert: `IDX_END<G²>` is its first uniform's index.
    const G = BRUSH_GRID;
    const cell = (x: string, y: string) => `U(IDX_END${G * G} + ${y} * ${G}u + ${x})`;
    return `${at}
let mask_u = clamp(mask_p / full * ${G}.0 - 0.5, vec2f(0.0), vec2f(${G - 1}.0));
let mask_i = vec2u(floor(mask_u));
let mask_j = min(mask_i + 1u, vec2u(${G - 1}u));
let mask_f = mask_u - floor(mask_u);
let mask_top = mix(${cell('mask_i.x', 'mask_i.y')}, ${cell('mask_j.x', 'mask_i.y')}, mask_f.x);
let mask_bot = mix(${cell('mask_i.x', 'mask_j.y')}, ${cell('mask_j.x', 'mask_j.y')}, mask_f.x);
let mask_t = mix(mask_top, mask_bot, mask_f.y);
${inv(0)}`;
  }
  if (kind === 'linear') {
    return `${at}
let mask_a = vec2f(${m(kind, 0)}, ${m(kind, 1)}) * full;
let mask_d = vec2f(${m(kind, 2)}, ${m(kind, 3)}) * full - mask_a;
let mask_s = clamp(dot(mask_p - mask_a, mask_d) / max(dot(mask_d, mask_d), 1e-6), 0.0, 1.0);
let mask_t = 1.0 - mask_s * mask_s * (3.0 - 2.0 * mask_s);
${inv(4)}`;
  }
  return `${at}
let mask_q = (mask_p - vec2f(${m(kind, 0)}, ${m(kind, 1)}) * full) / (vec2f(${m(kind, 2)}, ${m(kind, 3)}) * full);
let mask_f = max(${m(kind, 4)}, 1e-4);
let mask_s = clamp((length(mask_q) - (1.0 - mask_f)) / mask_f, 0.0, 1.0);
let mask_t = 1.0 - mask_s * mask_s * (3.0 - 2.0 * mask_s);
${inv(5)}`;
}

/** ONNX: the mask as [1,1,H,W] (global coordinates, the frame's size). */
function onnxMask(ctx: OnnxCtx, kind: MaskKind): string {
  const { g } = ctx;
  const k = MASK_SIZE[kind];
  const u = (i: number) => g.op('Slice', [ctx.all, g.i64([i - k - 1]), g.i64([i - k]), g.i64([0])]);
  const { x, y } = ctx.coords();
  const { w, h } = ctx.full();
  const px = g.op('Add', [x, g.f32(0.5)]);
  const py = g.op('Add', [y, g.f32(0.5)]);
  const smooth = (s: string) =>
    g.op('Sub', [
      g.f32(1),
      g.op('Mul', [g.op('Mul', [s, s]), g.op('Sub', [g.f32(3), g.op('Mul', [g.f32(2), s])])]),
    ]);
  const clip01 = (v: string) => g.op('Clip', [v, g.f32(0, []), g.f32(1, [])]);
  let t: string;
  let invert: string;
  if (kind === 'brush') {
    const G = BRUSH_GRID;
    const grid = g.op('Slice', [ctx.all, g.i64([-G * G - 1]), g.i64([-1]), g.i64([0])]);
    const place = (p: string, size: string) =>
      g.op('Clip', [
        g.op('Sub', [g.op('Mul', [g.op('Div', [p, size]), g.f32(G)]), g.f32(0.5)]),
        g.f32(0, []),
        g.f32(G - 1, []),
      ]);
    const ux = place(px, w);
    const uy = place(py, h);
    const ix = g.op('Floor', [ux]);
    const iy = g.op('Floor', [uy]);
    const jx = g.op('Min', [g.op('Add', [ix, g.f32(1)]), g.f32(G - 1)]);
    const jy = g.op('Min', [g.op('Add', [iy, g.f32(1)]), g.f32(G - 1)]);
    const fx = g.op('Sub', [ux, ix]);
    const fy = g.op('Sub', [uy, iy]);
    const at = (cx: string, cy: string) =>
      g.op('Gather', [
        grid,
        g.op('Cast', [g.op('Add', [g.op('Mul', [cy, g.f32(G)]), cx])], { to: { i: DT.int64 } }),
      ]);
    const lerp = (a: string, b: string, f: string) =>
      g.op('Add', [a, g.op('Mul', [g.op('Sub', [b, a]), f])]);
    const top = lerp(at(ix, iy), at(jx, iy), fx);
    const bottom = lerp(at(ix, jy), at(jx, jy), fx);
    t = lerp(top, bottom, fy);
    invert = u(0);
  } else if (kind === 'linear') {
    const ax = g.op('Mul', [u(0), w]);
    const ay = g.op('Mul', [u(1), h]);
    const dx = g.op('Sub', [g.op('Mul', [u(2), w]), ax]);
    const dy = g.op('Sub', [g.op('Mul', [u(3), h]), ay]);
    const dd = g.op('Max', [
      g.op('Add', [g.op('Mul', [dx, dx]), g.op('Mul', [dy, dy])]),
      g.f32(1e-6),
    ]);
    const dot = g.op('Add', [
      g.op('Mul', [g.op('Sub', [px, ax]), dx]),
      g.op('Mul', [g.op('Sub', [py, ay]), dy]),
    ]);
    t = smooth(clip01(g.op('Div', [dot, dd])));
    invert = u(4);
  } else {
    const qx = g.op('Div', [g.op('Sub', [px, g.op('Mul', [u(0), w])]), g.op('Mul', [u(2), w])]);
    const qy = g.op('Div', [g.op('Sub', [py, g.op('Mul', [u(1), h])]), g.op('Mul', [u(3), h])]);
    const len = g.op('Sqrt', [g.op('Add', [g.op('Mul', [qx, qx]), g.op('Mul', [qy, qy])])]);
    const f = g.op('Max', [u(4), g.f32(1e-4)]);
    t = smooth(clip01(g.op('Div', [g.op('Sub', [len, g.op('Sub', [g.f32(1), f])]), f])));
    invert = u(5);
  }
  // mix(t, 1 − t, invert) = t + (1 − 2t)·invert.
  const mixed = g.op('Add', [
    t,
    g.op('Mul', [g.op('Sub', [g.f32(1), g.op('Mul', [g.f32(2), t])]), invert]),
  ]);
  return mixed;
}

const clip = (g: GraphBuilder, x: string) => g.op('Clip', [x, g.f32(0, []), g.f32(1, [])]);

/** SetLum(colour, Lum(target)) with ClipColor (W3C compositing), on [1,3,H,W] tensors. */
function setLum(g: GraphBuilder, colour: string, target: string): string {
  const weights = g.f32([...LUM], [1, 3, 1, 1]);
  const lum = (x: string) =>
    g.op('ReduceSum', [g.op('Mul', [x, weights]), g.i64([1])], { keepdims: { i: 1 } });
  const q = g.op('Add', [colour, g.op('Sub', [lum(target), lum(colour)])]);
  const l = lum(q);
  const n = g.op('ReduceMin', [q, g.i64([1])], { keepdims: { i: 1 } });
  const x = g.op('ReduceMax', [q, g.i64([1])], { keepdims: { i: 1 } });
  const eps = g.f32(1e-6);
  const qMinusL = g.op('Sub', [q, l]);
  const low = g.op('Add', [
    l,
    g.op('Div', [g.op('Mul', [qMinusL, l]), g.op('Max', [g.op('Sub', [l, n]), eps])]),
  ]);
  const q1 = g.op('Where', [g.op('Less', [n, g.f32(0)]), low, q]);
  const q1MinusL = g.op('Sub', [q1, l]);
  const high = g.op('Add', [
    l,
    g.op('Div', [
      g.op('Mul', [q1MinusL, g.op('Sub', [g.f32(1), l])]),
      g.op('Max', [g.op('Sub', [x, l]), eps]),
    ]),
  ]);
  return g.op('Where', [g.op('Greater', [x, g.f32(1)]), high, q1]);
}

type ClassicDef = PointEffectDef | AreaEffectDef;
const made = new Map<string, ClassicDef>();

/**
 * `def` with its result blended onto its input by `mode` and mixed by an opacity, which is one
 * more uniform after the effect's own (see `blendedUniforms`). One definition per effect and mode.
 */
export function blendedDef(def: ClassicDef, mode: BlendMode, mask: MaskKind = 'none'): ClassicDef {
  const key = `${def.id}|${mode}|${mask}`;
  const known = made.get(key);
  if (known) return known;
  const wrapped = def.kind === 'point' ? blendPoint(def, mode, mask) : blendArea(def, mode, mask);
  made.set(key, wrapped);
  return wrapped;
}

/** The uniforms of a blended layer: the effect's, the mask's, then the opacity. */
export function blendedUniforms(
  inner: readonly number[],
  opacity: number,
  mask?: LayerMask,
): number[] {
  return [...inner, ...maskUniforms(mask), Math.min(1, Math.max(0, opacity))];
}

const suffix = (mode: BlendMode, mask: MaskKind) => (mask === 'none' ? mode : `${mode}@${mask}`);

function blendPoint(def: PointEffectDef, mode: BlendMode, mask: MaskKind): PointEffectDef {
  const linear = def.space === 'linear';
  const inner = linear
    ? `c = to_lin(c);\n{\n${def.wgsl}\n}\nc = to_srgb(clamp(c, vec3f(0.0), vec3f(1.0)));`
    : `{\n${def.wgsl}\n}`;
  return {
    id: `${def.id}~${suffix(mode, mask)}`,
    name: def.name,
    kind: 'point',
    blend: { inner: def, mode, mask },
    space: 'srgb',
    params: def.params,
    ...(def.channelwise && SEPARABLE.has(mode) && mask === 'none' ? { channelwise: true } : {}),
    uniforms: (p) => def.uniforms(p),
    wgsl: `let base_b = c;\n${inner}\nc = clamp(c, vec3f(0.0), vec3f(1.0));\n${wgslBlend(mode, mask)}`,
    onnx: (ctx, x) => {
      const { g } = ctx;
      let s = linear ? toLinearExact(g, x) : x;
      s = clip(g, def.onnx(ctx, s));
      if (linear) s = clip(g, toSrgbExact(g, s));
      return onnxBlend(ctx, mode, mask, x, s);
    },
  };
}

function blendArea(def: AreaEffectDef, mode: BlendMode, mask: MaskKind): AreaEffectDef {
  const last = def.passes.at(-1)!;
  const free = (['t1', 't2'] as const).find((t) => !last.reads.includes(t))!;
  const passes: GpuPass[] = [
    ...def.passes.slice(0, -1),
    { ...last, writes: free },
    {
      reads: ['in', free],
      writes: 'out',
      body: `let px = ld0(p);
let gp = p + off;
let base_b = px.rgb;
var c = clamp(ld1(p).rgb, vec3f(0.0), vec3f(1.0));
${wgslBlend(mode, mask)}
out = vec4f(clamp(c, vec3f(0.0), vec3f(1.0)), px.a);`,
    },
  ];
  return {
    id: `${def.id}~${suffix(mode, mask)}`,
    name: def.name,
    kind: 'area',
    blend: { inner: def, mode, mask },
    space: 'srgb',
    params: def.params,
    uniforms: (p) => def.uniforms(p),
    reach: (p) => def.reach(p),
    structure: (p) => def.structure(p),
    passes,
    onnx: (ctx, x, p) => onnxBlend(ctx, mode, mask, x, clip(ctx.g, def.onnx(ctx, x, p))),
  };
}
