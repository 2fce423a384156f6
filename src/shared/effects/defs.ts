/**
 * Effect definitions: for each classic effect its parameters and two implementations of the same
 * math, a WGSL snippet (GPU path) and an ONNX subgraph (CPU path). This module holds their types
 * and the menu list; the effects live in ./point-effects, ./vignette and ./area-effects (all
 * re-exported here).
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
import type { GraphBuilder } from './onnx-graph';
import type { BlendMode, EffectDefBase, LayerMask, ResolvedParams } from './types';
import { blur, bloom, ink, pixelate, sharpen } from './area-effects';
import {
  colourMatrix,
  contrast,
  curve,
  exposure,
  grain,
  posterize,
  saturation,
  temperature,
} from './point-effects';
import { hsl } from './hsl';
import { vignette } from './vignette';

export * from './area-effects';
export * from './point-effects';
export * from './vignette';
export * from './hsl';

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
  /**
   * Separable blur with clamped edges; weights are uniforms [o+1 .. o+2R+1] (R = radius). The
   * result is multiplied by `scale` (folded into the weights).
   */
  blur(x: string, radius: number, weightsAt: number, scale?: number): string;
}

/**
 * What a blended layer's definition wraps (./blend `blendedDef`): the effect itself, the mode and
 * the mask's kind. Its uniforms are the effect's, the mask's, then the opacity.
 */
export interface BlendOf {
  inner: PointEffectDef | AreaEffectDef;
  mode: BlendMode;
  mask: 'none' | LayerMask['kind'];
}

export interface PointEffectDef extends EffectDefBase {
  kind: 'point';
  /** Set on a blended layer's definition: what it wraps. */
  blend?: BlendOf;
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
  /**
   * When a stack ends with this effect alone after non-linear ones (the usual last vignette):
   * `stride`·(the level of q = g^(1/2.4) among `levels` over [0, `qmax`]) per pixel, as int32
   * broadcasting with [1,3,H,W]. The CPU path then decodes, applies the gain and encodes in one
   * lookup in a [levels, stride] byte table (compile-onnx `gainTable`).
   */
  gainLevels?(ctx: OnnxCtx, levels: number, qmax: number, stride: number): string;
}

export interface GpuPass {
  /** Buffers read as ld0, ld1: the effect's input or a temporary. */
  reads: ('in' | 't1' | 't2')[];
  writes: 't1' | 't2' | 'out';
  body: string;
}

export interface AreaEffectDef extends EffectDefBase {
  kind: 'area';
  /** Set on a blended layer's definition: what it wraps. */
  blend?: BlendOf;
  uniforms(p: ResolvedParams): number[];
  /** Pixels of neighbourhood the effect reads on each side (tile halo). */
  reach(p: ResolvedParams): number;
  /** Parts of the params that change the shape of the computation (a blur's radius bucket). */
  structure(p: ResolvedParams): string;
  passes: GpuPass[];
  /** `scale` (≠ 1 only when `scalesOutput`): the result times `scale`, folded into a linear op. */
  onnx(ctx: OnnxCtx, x: string, p: ResolvedParams, scale?: number): string;
  /** The CPU path may ask for a scaled result (the next effect's table index) at no cost. */
  scalesOutput?: boolean;
  /**
   * Every output value is an average of input values with non-negative weights summing to 1, so
   * it stays in [0, 1] (× the scale) and the CPU path needs no clamp after it (a pass saved).
   */
  convex?: boolean;
}

export type ClassicEffectDef = PointEffectDef | AreaEffectDef;

/** Every classic effect, in the order a menu lists them. */
export const CLASSIC_EFFECTS: ClassicEffectDef[] = [
  exposure,
  contrast,
  saturation,
  temperature,
  curve,
  hsl,
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
