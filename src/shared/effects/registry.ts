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
import type { EffectDefBase, EffectStack, ResolvedParams, StackEffect } from './types';

/** An ONNX image-to-image network from models/manifest.json, run as an effect. */
export interface NeuralEffectDef extends EffectDefBase {
  kind: 'neural';
  modelId: string;
  /** Halo in pixels the network needs to make tiles seamless (its receptive field), in its input pixels. */
  reach: number;
  /** Output size ÷ input size (1: same size, e.g. denoise; 2: a 2× upscaler). */
  scale: number;
}

export type EffectDef = ClassicEffectDef | NeuralEffectDef;

export const NEURAL_PREFIX = 'neural:';

/** The effect id a model gets in a stack: `neural:<modelId>`. */
export function neuralEffectId(modelId: string): string {
  return NEURAL_PREFIX + modelId;
}

/**
 * A network as an effect. Same-size networks get a Strength (a mix with the input); a scaler
 * (`scale` > 1) has no params: its output has other dimensions than its input, nothing to mix.
 */
export function neuralEffect(modelId: string, name: string, reach = 8, scale = 1): NeuralEffectDef {
  return {
    id: neuralEffectId(modelId),
    name,
    kind: 'neural',
    space: 'srgb',
    modelId,
    reach,
    scale,
    params:
      scale !== 1
        ? []
        : [
            {
              type: 'number',
              key: 'strength',
              label: 'Strength',
              min: 0,
              max: 1,
              default: 1,
              step: 0.01,
            },
          ],
  };
}

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

function uniformsOf(def: EffectDef, params: ResolvedParams): number[] {
  if (def.kind === 'neural') return def.scale === 1 ? [params.strength as number] : [];
  return def.uniforms(params);
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
    const def = findEffect(layer.effectId, options.neural);
    const params = resolveParams(def, layer.params ?? {}, options.scale ?? 1);
    const structure =
      def.kind === 'area' ? def.structure(params) : def.kind === 'neural' ? def.modelId : '';
    const reach = def.kind === 'area' ? def.reach(params) : def.kind === 'neural' ? def.reach : 0;
    entries.push({
      layer,
      def,
      params,
      uniforms: new Float32Array(uniformsOf(def, params)),
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
