/**
 * A version's effect stack as C2PA history steps: classic point effects are colour adjustments,
 * area effects filters, neural effects edits by a trained model (upscaling a resize by one).
 */
import { EFFECTS, NEURAL_PREFIX } from '../effects/registry';
import type { EffectStack } from '../effects/types';
import type { EditStep } from './manifest';

/** The enabled layers of `stack` (anything else, e.g. a missing stack, gives no steps). */
export function editStepsOf(stack: unknown): EditStep[] {
  const effects = (stack as EffectStack | null | undefined)?.effects;
  if (!Array.isArray(effects)) return [];
  return effects
    .filter((e) => e && e.enabled && typeof e.effectId === 'string')
    .map((e): EditStep => {
      if (e.effectId.startsWith(NEURAL_PREFIX)) {
        const model = e.effectId.slice(NEURAL_PREFIX.length);
        return { kind: /upscale|x2|2x/i.test(model) ? 'neural-resize' : 'neural', name: model };
      }
      const def = EFFECTS.get(e.effectId);
      return { kind: def?.kind === 'area' ? 'filter' : 'color', name: def?.name ?? e.effectId };
    });
}
