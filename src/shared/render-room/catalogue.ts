/**
 * What the Render room's catalogue shows: each effect with "showcase" params for its small
 * preview, the params a freshly added layer starts with, and the scaling of spatial params for
 * previews rendered from a smaller copy of the image (so a blur looks the same at every size).
 */
import { EFFECTS } from '../effects/registry';
import type { EffectStack, StackEffect } from '../effects/types';

/** Params that make each effect visible in a thumbnail. */
export const SHOWCASE: Readonly<Record<string, StackEffect['params']>> = {
  exposure: { ev: 1 },
  contrast: { amount: 0.6 },
  saturation: { amount: -1 },
  temperature: { temperature: 0.8 },
  curve: { points: [0, 0, 0.25, 0.15, 0.75, 0.88, 1, 1] },
  hsl: { redsHue: 1, orangesSat: 1, bluesSat: 1, greensHue: -1, yellowsLight: -0.6 },
  matrix: { matrix: [0.39, 0.77, 0.19, 0, 0.35, 0.69, 0.17, 0, 0.27, 0.53, 0.13, 0] },
  vignette: { amount: 0.9, radius: 0.2 },
  grain: { amount: 0.35 },
  posterize: { levels: 4 },
  blur: { sigma: 2 },
  sharpen: { amount: 3 },
  bloom: { amount: 1.2, threshold: 0.4, sigma: 3 },
  ink: { strength: 1, sensitivity: 4 },
  pixelate: { size: 6 },
};

/**
 * Params a layer starts with when added from the catalogue: a visible but moderate amount, so
 * adding an effect shows what it does (the defaults of most effects are the identity).
 */
export const STARTING: Readonly<Record<string, StackEffect['params']>> = {
  exposure: { ev: 0.3 },
  contrast: { amount: 0.2 },
  saturation: { amount: 0.2 },
  temperature: { temperature: 0.2 },
  vignette: { amount: 0.4 },
  grain: { amount: 0.1 },
  posterize: { levels: 8 },
  blur: { sigma: 1.5 },
  sharpen: { amount: 1 },
  bloom: { amount: 0.5 },
  ink: { strength: 0.6 },
  pixelate: { size: 4 },
};

/** A copy of `stack` whose spatial params are multiplied by `scale` (a preview's size ratio). */
export function scaleSpatial(stack: EffectStack, scale: number): EffectStack {
  if (scale === 1) return stack;
  return {
    ...stack,
    effects: stack.effects.map((layer) => {
      const def = EFFECTS.get(layer.effectId);
      if (!def) return layer;
      const params = { ...layer.params };
      for (const p of def.params) {
        if (p.type !== 'number' || !p.spatial) continue;
        const value = params[p.key] ?? p.default;
        if (typeof value === 'number') params[p.key] = value * scale;
      }
      return { ...layer, params };
    }),
  };
}

/** The size that fits `width`×`height` inside `maxW`×`maxH` (never larger than the image). */
export function fitSize(
  width: number,
  height: number,
  maxW: number,
  maxH: number,
): { width: number; height: number; scale: number } {
  const scale = Math.min(1, maxW / width, maxH / height);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
    scale,
  };
}
