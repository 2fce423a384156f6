/**
 * The effect registry: looks effects up by id, resolves a layer's params (defaults, clamping)
 * and turns a stack into a *layout* — the enabled effects with their uniforms, a structure key
 * (equal keys ⇒ the same compiled ONNX model and WGSL shaders; only uniforms differ) and the
 * stack's reach (the tile halo). Effects that change the image's size (a 2× upscaler) split a stack
 * into *stages* (`planStages`): the effects before run at the input size, the scaler maps each
 * input tile (plus its halo, in input pixels) to an output tile `scale` times larger, and the
 * effects after run at the new size.
 */
import { RenderError } from '../errors/render';
import { CLASSIC_EFFECTS, type ClassicEffectDef } from './defs';
import { blendedDef, blendedUniforms } from './blend';
import { levelSigma, mixForSigma, NOISE_LEVEL_LABELS, NOISE_LEVELS, noiseLevelAt } from './noise';
import type { EffectDefBase, EffectStack, ResolvedParams, StackEffect } from './types';

/** An ONNX image-to-image network from models/manifest.json, run as an effect. */
export interface NeuralEffectDef extends EffectDefBase {
  kind: 'neural';
  modelId: string;
  /** Halo in pixels the network needs to make tiles seamless (its receptive field), in its input pixels. */
  reach: number;
  /** Output size ÷ input size (1: same size, e.g. denoise; 2: a 2× upscaler). */
  scale: number;
  /**
   * A denoiser: it gets a noise-level control (Auto, Light, Medium, Strong; ./noise). With
   * `sigmaInput` the network takes σ as that input ([1,1,1,1] float32); without, σ sets the mix.
   */
  denoise?: { sigmaInput?: string };
}

/** What a neural effect's model declares beyond its id and name (models/manifest.json). */
export interface NeuralOptions {
  reach?: number;
  scale?: number;
  denoise?: { sigmaInput?: string };
}

export type EffectDef = ClassicEffectDef | NeuralEffectDef;

export const NEURAL_PREFIX = 'neural:';

/** The effect id a model gets in a stack: `neural:<modelId>`. */
export function neuralEffectId(modelId: string): string {
  return NEURAL_PREFIX + modelId;
}

/** Denoise's noise-level control: 0 = Auto (estimated σ), 1–3 = Light, Medium, Strong. */
const NOISE_PARAM = {
  type: 'number',
  key: 'noise',
  label: 'Strength',
  min: 0,
  max: NOISE_LEVELS.length - 1,
  default: 0,
  step: 1,
  choices: NOISE_LEVELS.map((l) => NOISE_LEVEL_LABELS[l]),
} as const;

/**
 * A network as an effect. Same-size networks get a mix with the input (`strength`, kept as the
 * key stored stacks use); a denoiser also gets its noise-level control; a scaler (`scale` > 1)
 * has no params: its output has other dimensions than its input, nothing to mix.
 */
export function neuralEffect(
  modelId: string,
  name: string,
  reach = 8,
  scale = 1,
  options: Pick<NeuralOptions, 'denoise'> = {},
): NeuralEffectDef {
  const mix = {
    type: 'number',
    key: 'strength',
    label: options.denoise ? 'Mix' : 'Strength',
    min: 0,
    max: 1,
    default: 1,
    step: 0.01,
  } as const;
  return {
    id: neuralEffectId(modelId),
    name,
    kind: 'neural',
    space: 'srgb',
    modelId,
    reach,
    scale,
    ...(options.denoise ? { denoise: { ...options.denoise } } : {}),
    params:
      scale !== 1
        ? []
        : options.denoise
          ? [{ ...NOISE_PARAM, choices: [...NOISE_PARAM.choices] }, { ...mix }]
          : [{ ...mix }],
  };
}

/** σ in a denoiser's uniforms when it is to be estimated from the image (Auto). */
export const AUTO_SIGMA = -1;

export const EFFECTS: ReadonlyMap<string, ClassicEffectDef> = new Map(
  CLASSIC_EFFECTS.map((e) => [e.id, e]),
);

/** @throws RenderError `unknown-effect` */
export function findEffect(
  effectId: string,
  neural: ReadonlyMap<string, NeuralEffectDef> = new Map(),
): EffectDef {
  const def = EFFECTS.get(effectId) ?? neural.get(effectId);
  if (!def) {
    throw new RenderError('unknown-effect', `There is no effect called “${effectId}”.`, {
      details: { effectId },
    });
  }
  return def;
}

/**
 * Fills in defaults and clamps to each param's range. `scale` (< 1 for previews) scales spatial
 * params so a preview looks like the full-size render.
 * @throws RenderError `invalid-param` for a wrong type or array length.
 */
export function resolveParams(
  def: EffectDefBase,
  params: StackEffect['params'],
  scale = 1,
): ResolvedParams {
  const out: ResolvedParams = {};
  for (const p of def.params) {
    const value = params[p.key] ?? p.default;
    if (p.type === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RenderError('invalid-param', `${def.name}: “${p.label}” must be a number.`, {
          details: { effectId: def.id, param: p.key },
        });
      }
      const scaled = p.spatial ? value * scale : value;
      out[p.key] = Math.min(p.max, Math.max(p.spatial ? Math.min(p.min, scaled) : p.min, scaled));
    } else {
      const ok =
        Array.isArray(value) &&
        value.length >= p.minLength &&
        value.length <= p.maxLength &&
        (p.type !== 'points' || value.length % 2 === 0) &&
        value.every((v) => typeof v === 'number' && Number.isFinite(v));
      if (!ok) {
        throw new RenderError(
          'invalid-param',
          `${def.name}: “${p.label}” needs ${p.minLength === p.maxLength ? p.minLength : `${p.minLength}–${p.maxLength}`} numbers.`,
          { details: { effectId: def.id, param: p.key } },
        );
      }
      out[p.key] = (value as number[]).map((v) => Math.min(p.max, Math.max(p.min, v)));
    }
  }
  return out;
}

export interface LayoutEntry {
  layer: StackEffect;
  def: EffectDef;
  params: ResolvedParams;
  uniforms: Float32Array;
  structure: string;
  reach: number;
}

export interface StackLayout {
  entries: LayoutEntry[];
  /** Equal keys compile to the same model and shaders. */
  key: string;
  /** Sum of the effects' reaches: the halo a tile needs. */
  reach: number;
}

/**
 * A neural effect's uniforms: [mix] (a scaler: none); a denoiser's [mix, σ], σ = AUTO_SIGMA until
 * the render estimates it (`resolveNoise`). `scale`: the image's size to the full size (previews
 * see less noise: a fixed level's σ shrinks with it).
 */
function uniformsOf(def: EffectDef, params: ResolvedParams, scale: number): number[] {
  if (def.kind !== 'neural') return def.uniforms(params);
  if (def.scale !== 1) return [];
  const mix = params.strength as number;
  if (!def.denoise) return [mix];
  const level = noiseLevelAt(params.noise as number);
  if (level === 'auto') return [mix, AUTO_SIGMA];
  const sigma = levelSigma(level, scale);
  return [def.denoise.sigmaInput ? mix : mix * mixForSigma(sigma), sigma];
}

/** A denoiser whose σ is still to be estimated from its input image. */
export function needsNoiseEstimate(entry: LayoutEntry): boolean {
  return entry.def.kind === 'neural' && !!entry.def.denoise && entry.uniforms[1] === AUTO_SIGMA;
}

/**
 * The entry with σ filled in from the estimate (`sigma`, of its whole input image): a network with
 * a σ input gets it; one without mixes in as much as that noise calls for.
 */
export function resolveNoise(entry: LayoutEntry, sigma: number): LayoutEntry {
  if (!needsNoiseEstimate(entry) || entry.def.kind !== 'neural') return entry;
  const mix = entry.params.strength as number;
  const m = entry.def.denoise!.sigmaInput ? mix : mix * mixForSigma(sigma);
  return { ...entry, uniforms: new Float32Array([m, sigma]) };
}

/**
 * The enabled effects of `stack`, resolved.
 * @throws RenderError `unknown-effect`, `invalid-param`
 */
export function layoutStack(
  stack: EffectStack,
  options: { neural?: ReadonlyMap<string, NeuralEffectDef>; scale?: number } = {},
): StackLayout {
  const entries: LayoutEntry[] = [];
  for (const layer of stack.effects) {
    if (!layer.enabled) continue;
    const found = findEffect(layer.effectId, options.neural);
    const params = resolveParams(found, layer.params ?? {}, options.scale ?? 1);
    // A classic layer at less than full opacity or another blend mode: its effect, then the blend.
    const opacity = layer.opacity ?? 1;
    const mode = layer.blend ?? 'normal';
    const mask = found.kind !== 'neural' ? layer.mask : undefined;
    const blended = found.kind !== 'neural' && (opacity < 1 || mode !== 'normal' || !!mask);
    const def = blended ? blendedDef(found, mode, mask?.kind ?? 'none') : found;
    const structure =
      def.kind === 'area' ? def.structure(params) : def.kind === 'neural' ? def.modelId : '';
    const reach = def.kind === 'area' ? def.reach(params) : def.kind === 'neural' ? def.reach : 0;
    entries.push({
      layer,
      def,
      params,
      uniforms: new Float32Array(
        blended
          ? blendedUniforms(uniformsOf(def, params, options.scale ?? 1), opacity, mask)
          : uniformsOf(def, params, options.scale ?? 1),
      ),
      structure,
      reach,
    });
  }
  return {
    entries,
    key: entries.map((e) => `${e.def.id}(${e.structure}:${e.uniforms.length})`).join('>'),
    reach: entries.reduce((sum, e) => sum + e.reach, 0),
  };
}

/** A stack of one layer with default params: handy for menus and tests. */
export function layer(
  effectId: string,
  params: StackEffect['params'] = {},
  id = effectId,
): StackEffect {
  return { id, effectId, enabled: true, params };
}
