/**
 * A stack's plan for the CPU engine (wasm/cpu-engine/engine.ts): its point effects as *runs*
 * (op codes and the effects' own uniforms, the numbers the WGSL path reads), and its area effects
 * as steps, each followed by the run of point effects after it. A blended layer (opacity, blend
 * mode, mask) is its effect bracketed by `base` (keep the layer's input) and `blend` (mode, mask
 * and opacity onto that input); after an area effect, its step's run starts with the `blend` and
 * the host passes the step's input image as the base. Plans are plain data (typed
 * arrays), sent to the lanes as they are. A stack with an effect the engine does not know (a
 * network, an effect added since) has no plan: the CPU path then runs its ONNX model.
 */
import { MASK_SIZE, type MaskKind } from '../../../src/shared/effects/blend';
import type { BlendOf } from '../../../src/shared/effects/defs';
import { HSL_RANGES } from '../../../src/shared/effects/hsl';
import type { LayoutEntry, StackLayout } from '../../../src/shared/effects/registry';
import type { BlendMode } from '../../../src/shared/effects/types';

/** Op codes of a run (as in the engine). */
export const OP = {
  decode: 1,
  encode: 2,
  gain: 3,
  vignette: 4,
  contrast: 5,
  saturation: 6,
  curve: 7,
  matrix: 8,
  grain: 9,
  posterize: 10,
  base: 11,
  blend: 12,
  hsl: 13,
} as const;

/** Blend modes and mask kinds as the engine numbers them. */
const MODE_CODE: Record<BlendMode, number> = {
  normal: 0,
  multiply: 1,
  screen: 2,
  overlay: 3,
  'soft-light': 4,
  colour: 5,
  luminosity: 6,
};
const MASK_CODE: Record<MaskKind, number> = { none: 0, linear: 1, radial: 2, brush: 3 };

export type AreaStep =
  | { kind: 'blur' | 'sharpen' | 'bloom'; weights: Float32Array; amount: number; threshold: number }
  | { kind: 'ink'; strength: number; sensitivity: number }
  | { kind: 'pixelate'; size: number };

/** An area step's blend: its run starts with it and it reads the step's input as the base. */
export interface AreaBlend {
  blended: boolean;
}

export interface EnginePlan {
  /** The point effects before the first area effect (all of them when there is none). */
  pre: Float32Array;
  /** Area effects in order, each with the run of point effects after it. */
  steps: (AreaStep & AreaBlend & { run: Float32Array })[];
  /** The crop's halo the stack needs (its reach), for the tile plan. */
  reach: number;
}

/** Effects whose maths the engine implements (by effect id). */
export const ENGINE_EFFECTS = new Set([
  'exposure',
  'contrast',
  'saturation',
  'temperature',
  'curve',
  'matrix',
  'vignette',
  'grain',
  'posterize',
  'hsl',
  'blur',
  'sharpen',
  'bloom',
  'ink',
  'pixelate',
]);

/** Per colour range of the mixer: its centre's cos and sin, cos of its half-width, 1 / (1 − that). */
const HSL_CONSTANTS = HSL_RANGES.flatMap((r) => {
  const edge = Math.cos((r.width * Math.PI) / 180);
  const hue = (r.hue * Math.PI) / 180;
  return [Math.cos(hue), Math.sin(hue), edge, 1 / (1 - edge)];
});

/** The centre and one side of a blur's [R, w(−R) … w(R)] uniforms, up to the last non-zero. */
function halfWeights(u: Float32Array, at: number): Float32Array {
  const r = Math.round(u[at]!);
  const half = Array.from(u.subarray(at + 1 + r, at + 2 + 2 * r));
  while (half.length > 1 && half[half.length - 1] === 0) half.pop();
  return Float32Array.from(half);
}

/** A point effect as [op, n, …uniforms] and whether it works in linear light. */
function pointOp(e: LayoutEntry): { linear: boolean; code: number[] } {
  const u = Array.from(e.uniforms);
  const op = (code: number, values: number[]) => [code, values.length, ...values];
  switch (e.def.id) {
    case 'exposure':
      return { linear: true, code: op(OP.gain, [u[0]!, u[0]!, u[0]!, 1]) };
    case 'temperature':
      return { linear: true, code: op(OP.gain, [u[0]!, u[1]!, u[2]!, 1]) };
    case 'vignette':
      return { linear: true, code: op(OP.vignette, u.slice(0, 3)) };
    case 'contrast':
      return { linear: false, code: op(OP.contrast, [u[0]!]) };
    case 'saturation':
      return { linear: false, code: op(OP.saturation, [u[0]!]) };
    case 'curve':
      return { linear: false, code: op(OP.curve, u) };
    case 'matrix': {
      // Rows [r0 r1 r2 bias] → columns (each a vector over the output channels) and the bias.
      const col = (j: number) => [u[j]!, u[4 + j]!, u[8 + j]!, 0];
      return { linear: false, code: op(OP.matrix, [...col(0), ...col(1), ...col(2), ...col(3)]) };
    }
    case 'grain':
      return { linear: false, code: op(OP.grain, u.slice(0, 3)) };
    case 'posterize':
      return { linear: false, code: op(OP.posterize, [u[0]!]) };
    case 'hsl':
      return { linear: false, code: op(OP.hsl, [...u.slice(0, 24), ...HSL_CONSTANTS]) };
    default:
      throw new Error(`The CPU engine has no point effect “${e.def.id}”.`);
  }
}

/**
 * Point effects → one run. Consecutive linear-light effects share one decode and one encode
 * (each clamps in linear light, as the definitions do; encode∘decode is the identity).
 */
function pointRun(entries: LayoutEntry[], first: readonly number[] = []): Float32Array {
  const out: number[] = [];
  // Appends one by one: a brush mask's blend op holds its whole grid (too long to spread).
  const append = (values: readonly number[]) => {
    for (const v of values) out.push(v);
  };
  append(first);
  let linear = false;
  for (const e of entries) {
    const { inner, blend } = unwrap(e);
    const { linear: lin, code } = pointOp(inner);
    if (blend) {
      // The base is the layer's input in sRGB; the effect decodes and encodes on its own.
      if (linear) out.push(OP.encode, 0);
      out.push(OP.base, 0);
      if (lin) out.push(OP.decode, 0, ...code, OP.encode, 0);
      else out.push(...code);
      append(blend);
      linear = false;
      continue;
    }
    if (lin && !linear) out.push(OP.decode, 0);
    if (!lin && linear) out.push(OP.encode, 0);
    linear = lin;
    out.push(...code);
  }
  if (linear) out.push(OP.encode, 0);
  return Float32Array.from(out);
}

function areaStep(e: LayoutEntry): AreaStep {
  const u = e.uniforms;
  switch (e.def.id) {
    case 'blur':
      return { kind: 'blur', weights: halfWeights(u, 0), amount: 0, threshold: -1 };
    case 'sharpen':
      return { kind: 'sharpen', weights: halfWeights(u, 1), amount: u[0]!, threshold: -1 };
    case 'bloom':
      return { kind: 'bloom', weights: halfWeights(u, 2), amount: u[0]!, threshold: u[1]! };
    case 'ink':
      return { kind: 'ink', strength: u[0]!, sensitivity: u[1]! };
    case 'pixelate':
      return { kind: 'pixelate', size: Math.max(1, Math.round(u[0]!)) };
    default:
      throw new Error(`The CPU engine has no area effect “${e.def.id}”.`);
  }
}

/** A blended entry as its effect alone (the effect's own uniforms) and its blend op. */
function unwrap(e: LayoutEntry): { inner: LayoutEntry; blend: number[] | null } {
  const of: BlendOf | undefined = e.def.kind === 'neural' ? undefined : e.def.blend;
  if (!of) return { inner: e, blend: null };
  const n = e.uniforms.length - MASK_SIZE[of.mask] - 1;
  const opacity = e.uniforms.at(-1)!;
  let values: number[];
  if (of.mask === 'brush') {
    // Mode, kind, invert, five unused, the opacity, then the coverage grid (src/shared/effects/brush).
    const grid = e.uniforms.subarray(n + 1, n + MASK_SIZE.brush);
    values = [MODE_CODE[of.mode], MASK_CODE.brush, e.uniforms[n]!, 0, 0, 0, 0, 0, opacity];
    for (const v of grid) values.push(v);
  } else {
    const mask = Array.from(e.uniforms.subarray(n, n + MASK_SIZE[of.mask]));
    while (mask.length < 6) mask.push(0);
    values = [MODE_CODE[of.mode], MASK_CODE[of.mask], ...mask, opacity];
  }
  return {
    inner: { ...e, def: of.inner, uniforms: e.uniforms.subarray(0, n) },
    blend: [OP.blend, values.length].concat(values),
  };
}

const engineKnows = (e: LayoutEntry) =>
  e.def.kind !== 'neural' && ENGINE_EFFECTS.has((e.def.blend?.inner ?? e.def).id);

/** The engine's plan for `layout`, or null when an effect is not the engine's. */
export function planEngine(layout: StackLayout): EnginePlan | null {
  if (!layout.entries.every(engineKnows)) return null;
  const groups: { area: LayoutEntry | null; points: LayoutEntry[] }[] = [
    { area: null, points: [] },
  ];
  for (const e of layout.entries) {
    if (e.def.kind === 'area') groups.push({ area: e, points: [] });
    else groups[groups.length - 1]!.points.push(e);
  }
  return {
    pre: pointRun(groups[0]!.points),
    steps: groups.slice(1).map((g) => {
      const { inner, blend } = unwrap(g.area!);
      return { ...areaStep(inner), blended: !!blend, run: pointRun(g.points, blend ?? []) };
    }),
    reach: layout.reach,
  };
}
