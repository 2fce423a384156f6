/**
 * The colour mixer (HSL per colour range): hue, saturation and lightness for reds, oranges,
 * yellows, greens, aquas, blues, purples and magentas. In sRGB values, each pixel is split into
 * its mean m and an opponent pair (a, b) = (r − (g + b)/2, √3/2·(g − b)), whose angle is the hue
 * and length C the colourfulness. Each range has a centre hue and a half-width reaching past its
 * neighbours' centres; its weight is t² with t = clamp((cos Δ − cos w)/(1 − cos w), 0, 1) from
 * the angle Δ to the centre, and the weights are normalised, so moving every range alike moves
 * every colour alike. Then (a, b) turns by ±30° × hue and scales by 1 + saturation, and the whole
 * colour scales by 2^(0.75 × lightness × gate), the gate clamp(5C, 0, 1) leaving greys alone.
 * Both paths compute exactly these formulas (WGSL below; ONNX with 1×1 convolutions).
 */
import { num } from './common';
import type { OnnxCtx, PointEffectDef } from './defs';
import type { NumberParamDef } from './types';

/**
 * The ranges: name, centre hue (degrees on the opponent circle: red 0°, yellow 60°, green 120°,
 * cyan 180°, blue 240°) and half-width, which reaches each neighbour's centre so every hue has a
 * range. Blues sit at 225° where skies are.
 */
export const HSL_RANGES = [
  { key: 'reds', label: 'Reds', hue: 0, width: 60 },
  { key: 'oranges', label: 'Oranges', hue: 30, width: 30 },
  { key: 'yellows', label: 'Yellows', hue: 60, width: 60 },
  { key: 'greens', label: 'Greens', hue: 120, width: 60 },
  { key: 'aquas', label: 'Aquas', hue: 180, width: 45 },
  { key: 'blues', label: 'Blues', hue: 225, width: 45 },
  { key: 'purples', label: 'Purples', hue: 270, width: 45 },
  { key: 'magentas', label: 'Magentas', hue: 315, width: 45 },
] as const;

const N = HSL_RANGES.length;
const RAD = Math.PI / 180;
const HUE_TURN = 30 * RAD;
const LIGHT_STOPS = 0.75;
const GATE = 5;
const EPS = 1e-6;

const ASPECTS = [
  { key: 'Hue', group: 'Hue' },
  { key: 'Sat', group: 'Saturation' },
  { key: 'Light', group: 'Lightness' },
] as const;

const keyOf = (range: string, aspect: string) => `${range}${aspect}`;

/** Shown one aspect at a time (Hue, Saturation, Lightness), each with the eight ranges. */
const params: NumberParamDef[] = ASPECTS.flatMap((a) =>
  HSL_RANGES.map((r): NumberParamDef => ({
    type: 'number',
    key: keyOf(r.key, a.key),
    label: r.label,
    group: a.group,
    min: -1,
    max: 1,
    default: 0,
    step: 0.01,
  })),
);

/** Per range: cos and sin of its centre, cos of its half-width (constants of both paths). */
const CENTRES = HSL_RANGES.map((r) => ({
  cos: Math.cos(r.hue * RAD),
  sin: Math.sin(r.hue * RAD),
  edge: Math.cos(r.width * RAD),
}));

const f = (v: number) => {
  const s = String(Math.fround(v));
  return /[.e]/.test(s) ? s : `${s}.0`;
};

function wgslBody(): string {
  const lines = [
    'let m = (c.r + c.g + c.b) / 3.0;',
    'let a = c.r - 0.5 * (c.g + c.b);',
    `let b = ${f(Math.sqrt(3) / 2)} * (c.g - c.b);`,
    `let chroma = sqrt(a * a + b * b + ${f(EPS * EPS)});`,
    'var ws = 0.0;',
    'var dh = 0.0;',
    'var ds = 0.0;',
    'var dl = 0.0;',
  ];
  CENTRES.forEach((k, i) => {
    lines.push(
      `{ let t = clamp(((a * ${f(k.cos)} + b * ${f(k.sin)}) / chroma - ${f(k.edge)}) / ${f(1 - k.edge)}, 0.0, 1.0);`,
      `  let w = t * t; ws = ws + w; dh = dh + w * U(${3 * i}u); ds = ds + w * U(${3 * i + 1}u); dl = dl + w * U(${3 * i + 2}u); }`,
    );
  });
  lines.push(
    `let inv = 1.0 / (ws + ${f(EPS)});`,
    `let phi = dh * inv * ${f(HUE_TURN)};`,
    'let s = 1.0 + ds * inv;',
    `let gate = clamp(chroma * ${f(GATE)}, 0.0, 1.0);`,
    `let light = exp2(${f(LIGHT_STOPS)} * dl * inv * gate);`,
    'let a2 = (a * cos(phi) - b * sin(phi)) * s;',
    'let b2 = (a * sin(phi) + b * cos(phi)) * s;',
    `c = light * vec3f(m + a2 * ${f(2 / 3)}, m - a2 * ${f(1 / 3)} + b2 * ${f(1 / Math.sqrt(3))}, m - a2 * ${f(1 / 3)} - b2 * ${f(1 / Math.sqrt(3))});`,
  );
  return lines.join('\n');
}

const conv1x1 = {
  kernel_shape: { ints: [1, 1] },
  strides: { ints: [1, 1] },
  pads: { ints: [0, 0, 0, 0] },
  dilations: { ints: [1, 1] },
  group: { i: 1 },
};

function hslOnnx({ g, all }: OnnxCtx, x: string): string {
  const r3 = Math.sqrt(3) / 2;
  // [m, a, b] from [r, g, b]: one 1×1 convolution, then its channels.
  const mab = g.op(
    'Conv',
    [x, g.f32([1 / 3, 1 / 3, 1 / 3, 1, -0.5, -0.5, 0, r3, -r3], [3, 3, 1, 1])],
    conv1x1,
  );
  const ch = (i: number) => g.op('Slice', [mab, g.i64([i]), g.i64([i + 1]), g.i64([1])]);
  const [m, a, b] = [ch(0), ch(1), ch(2)];
  const ab = g.op('Slice', [mab, g.i64([1]), g.i64([3]), g.i64([1])]);
  const chroma = g.op('Sqrt', [
    g.op('Add', [g.op('Add', [g.op('Mul', [a, a]), g.op('Mul', [b, b])]), g.f32(EPS * EPS)]),
  ]);
  // cos Δ per range: [1, N, H, W] = (a cos θ + b sin θ) / C.
  const dots = g.op(
    'Conv',
    [
      ab,
      g.f32(
        CENTRES.flatMap((k) => [k.cos, k.sin]),
        [N, 2, 1, 1],
      ),
    ],
    conv1x1,
  );
  const edge = g.f32(
    CENTRES.map((k) => k.edge),
    [1, N, 1, 1],
  );
  const span = g.f32(
    CENTRES.map((k) => 1 - k.edge),
    [1, N, 1, 1],
  );
  const t = g.op('Clip', [
    g.op('Div', [g.op('Sub', [g.op('Div', [dots, chroma]), edge]), span]),
    g.f32(0, []),
    g.f32(1, []),
  ]);
  const w = g.op('Mul', [t, t]);
  const ws = g.op('ReduceSum', [w, g.i64([1])], { keepdims: { i: 1 } });
  // [dh, ds, dl] = Σ w·(the range's hue, saturation, lightness): a 1×1 convolution whose weights
  // are the uniforms, laid out [3, N, 1, 1].
  const order = [0, 1, 2].flatMap((aspect) => HSL_RANGES.map((_, i) => 3 * i + aspect));
  const weights = g.op('Reshape', [
    g.op('Gather', [all, g.i64(order)], { axis: { i: 0 } }),
    g.i64([3, N, 1, 1]),
  ]);
  const sums = g.op('Div', [g.op('Conv', [w, weights], conv1x1), g.op('Add', [ws, g.f32(EPS)])]);
  const part = (i: number) => g.op('Slice', [sums, g.i64([i]), g.i64([i + 1]), g.i64([1])]);
  const phi = g.op('Mul', [part(0), g.f32(HUE_TURN)]);
  const s = g.op('Add', [part(1), g.f32(1)]);
  const gate = g.op('Clip', [g.op('Mul', [chroma, g.f32(GATE)]), g.f32(0, []), g.f32(1, [])]);
  // 2^v as exp(v ln 2).
  const light = g.op('Exp', [
    g.op('Mul', [g.op('Mul', [part(2), gate]), g.f32(LIGHT_STOPS * Math.LN2)]),
  ]);
  const cos = g.op('Cos', [phi]);
  const sin = g.op('Sin', [phi]);
  const a2 = g.op('Mul', [g.op('Sub', [g.op('Mul', [a, cos]), g.op('Mul', [b, sin])]), s]);
  const b2 = g.op('Mul', [g.op('Add', [g.op('Mul', [a, sin]), g.op('Mul', [b, cos])]), s]);
  // [r, g, b] from [m, a2, b2], then the lightness.
  const back = g.op(
    'Conv',
    [
      g.op('Concat', [m, a2, b2], { axis: { i: 1 } }),
      g.f32([1, 2 / 3, 0, 1, -1 / 3, 1 / Math.sqrt(3), 1, -1 / 3, -1 / Math.sqrt(3)], [3, 3, 1, 1]),
    ],
    conv1x1,
  );
  return g.op('Mul', [back, light]);
}

export const hsl: PointEffectDef = {
  id: 'hsl',
  name: 'Colour mixer (HSL)',
  kind: 'point',
  space: 'srgb',
  params,
  // Per range: its hue, saturation and lightness (the layout both paths read).
  uniforms: (p) => HSL_RANGES.flatMap((r) => ASPECTS.map((a) => num(p, keyOf(r.key, a.key)))),
  wgsl: wgslBody(),
  onnx: hslOnnx,
};
