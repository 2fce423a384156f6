/**
 * Render stages: effects that change the image's size (a 2× upscaler, `NeuralEffectDef.scale`)
 * split a stack into stages. The effects before a scaler run at the input size; the scaler maps
 * each input tile plus its halo (its reach, in *input* pixels) to an output tile `scale` times
 * larger; the effects after it run at the new size (their spatial params are in the pixels they
 * see). Every same-size run of classic effects stays one layout (one ONNX model, one fused GPU
 * graph); a same-size network (Denoise) is a stage of its own.
 *
 * Previews at screen size skip scalers (`skipScaling`): the upscaler is trained so that its output
 * area-downscaled is its input, so at the screen's resolution an upscale looks like the image it
 * came from; the effects after it get their spatial params scaled down by the skipped factor.
 */
import { describeSize, MAX_SIDE } from '../library/budget';
import { RenderError } from '../errors/render';
import {
  findEffect,
  layoutStack,
  type EffectDef,
  type LayoutEntry,
  type NeuralEffectDef,
  type StackLayout,
} from './registry';
import type { EffectStack, StackEffect } from './types';

/**
 * The most pixels a render may produce: issue #7's memory budget ("a tablet must manage 40 MP").
 * The worker holds the input and the output as RGBA8 (4 B/px each, plus a stage's intermediate),
 * the room a PNG encode of it; 40 MP is 160 MB per copy.
 */
export const MAX_RENDER_PIXELS = 40_000_000;

/** A same-size run of effects: one layout, tiled with its own reach. */
export interface EffectsStage {
  kind: 'effects';
  layout: StackLayout;
}

/** A size-changing network: input tiles with a `reach` halo become output tiles × `factor`. */
export interface ScaleStage {
  kind: 'scale';
  entry: LayoutEntry;
  def: NeuralEffectDef;
  factor: number;
  /** Tile halo in input pixels. */
  reach: number;
}

export type RenderStage = EffectsStage | ScaleStage;

export interface StagePlan {
  stages: RenderStage[];
  /** Output size ÷ input size of this plan (1 when scalers are skipped). */
  factor: number;
}

/** A network whose output is larger (or smaller) than its input. */
export function isScaler(def: EffectDef): def is NeuralEffectDef {
  return def.kind === 'neural' && def.scale !== 1;
}

/**
 * How much `stack` scales an image: the product of its enabled scalers' factors. Effects it
 * cannot resolve count as 1 (the render itself reports them).
 */
export function stackFactor(
  stack: EffectStack,
  neural: ReadonlyMap<string, NeuralEffectDef> = new Map(),
): number {
  let f = 1;
  for (const layer of stack.effects) {
    if (!layer.enabled) continue;
    try {
      const def = findEffect(layer.effectId, neural);
      if (isScaler(def)) f *= def.scale;
    } catch {
      // Unknown here: not a scaler this build knows.
    }
  }
  return f;
}

/**
 * Splits `stack` into stages. `scale`: the input's size relative to the image the params were
 * set on (< 1 for previews); spatial params scale with it. `skipScaling`: leave scalers out (a
 * preview at screen size) and scale the params after each one down by its factor.
 * @throws RenderError `unknown-effect`, `invalid-param`
 */
export function planStages(
  stack: EffectStack,
  options: {
    neural?: ReadonlyMap<string, NeuralEffectDef>;
    scale?: number;
    skipScaling?: boolean;
  } = {},
): StagePlan {
  const neural = options.neural ?? new Map<string, NeuralEffectDef>();
  const scale = options.scale ?? 1;
  const stages: RenderStage[] = [];
  let run: StackEffect[] = [];
  let before = 1;
  let factor = 1;
  const flush = () => {
    if (run.length === 0) return;
    const at = options.skipScaling ? scale / before : scale;
    stages.push({ kind: 'effects', layout: layoutStack({ effects: run }, { neural, scale: at }) });
    run = [];
  };
  for (const layer of stack.effects) {
    if (!layer.enabled) continue;
    const def = findEffect(layer.effectId, neural);
    if (def.kind === 'neural' && !isScaler(def)) {
      // A same-size network is a stage of its own: its input is a whole image (Denoise's Auto
      // estimates σ on it) and its output a point a preview can keep (workers/render/preview-memo).
      flush();
      run.push(layer);
      flush();
      continue;
    }
    if (!isScaler(def)) {
      run.push(layer);
      continue;
    }
    flush();
    before *= def.scale;
    if (options.skipScaling) continue;
    const entry = layoutStack({ effects: [layer] }, { neural }).entries[0]!;
    stages.push({ kind: 'scale', entry, def, factor: def.scale, reach: def.reach });
    factor *= def.scale;
  }
  flush();
  if (stages.length === 0) stages.push({ kind: 'effects', layout: layoutStack({ effects: [] }) });
  return { stages, factor };
}

/**
 * Refuses a render whose output would not fit the device's budget, before any work is done.
 * @throws RenderError `too-large`
 */
export function checkOutputSize(
  width: number,
  height: number,
  factor: number,
  maxPixels = MAX_RENDER_PIXELS,
): { width: number; height: number } {
  const out = { width: Math.round(width * factor), height: Math.round(height * factor) };
  if (out.width * out.height > maxPixels || Math.max(out.width, out.height) > MAX_SIDE) {
    const mp = (n: number) => `${(n / 1e6).toFixed(1)} MP`;
    const what =
      factor === 1
        ? `This render would be ${describeSize(out.width, out.height)} (${mp(out.width * out.height)})`
        : `Upscaling ${describeSize(width, height)} ${factor}× would make ${describeSize(out.width, out.height)} (${mp(out.width * out.height)})`;
    throw new RenderError(
      'too-large',
      `${what}; this device renders up to ${mp(maxPixels)} and ${MAX_SIDE} px a side. Nothing was changed: remove the upscale or render a smaller work.`,
      { details: { width, height, factor, outWidth: out.width, outHeight: out.height, maxPixels } },
    );
  }
  return out;
}
