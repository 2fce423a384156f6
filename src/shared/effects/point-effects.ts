/**
 * Point effects (each output pixel from the same input pixel): exposure, contrast, saturation,
 * temperature/tint, tone curve, film grain, posterize and the colour matrix. The vignette, with
 * its CPU-path table, is in ./vignette. Rules shared by every effect: see ./defs.
 */
import { LUMA, num } from './common';
import { curveLut, CURVE_LUT_SIZE } from './curve';
import type { PointEffectDef } from './defs';

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
    // ±3: 0.9 stops each way on red and blue, enough for a white balance picked under tungsten
    // or shade (the formula is unchanged, so settings from before the wider range render alike).
    {
      type: 'number',
      key: 'temperature',
      label: 'Temperature',
      min: -3,
      max: 3,
      default: 0,
      step: 0.01,
    },
    { type: 'number', key: 'tint', label: 'Tint', min: -3, max: 3, default: 0, step: 0.01 },
  ],
  uniforms: (p) => {
    const t = num(p, 'temperature');
    const k = num(p, 'tint');
    return [2 ** (0.3 * t), 2 ** (-0.3 * k), 2 ** (-0.3 * t)];
  },
  wgsl: 'c = c * vec3f(U(0), U(1), U(2));',
  onnx: ({ g, vec3 }, x) => g.op('Mul', [x, vec3(0)]),
  gain: ({ g, vec3 }, scale) => g.op('Mul', [vec3(0), g.f32(scale)]),
  maxGain: 2 ** 0.9,
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
