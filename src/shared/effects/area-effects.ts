/**
 * Area effects (read a neighbourhood; separate GPU passes): Gaussian blur, sharpen, bloom, ink
 * edges and pixelate, and the blur's radius buckets and weights. Rules shared by every effect:
 * see ./defs.
 */
import { LUMA, num } from './common';
import type { AreaEffectDef } from './defs';

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
  onnx: (ctx, x, p, scale) => ctx.blur(x, blurRadius(num(p, 'sigma')), 0, scale),
  scalesOutput: true,
  convex: true,
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
