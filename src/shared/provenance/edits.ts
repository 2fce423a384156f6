/**
 * A version's effect stack as C2PA history steps: classic point effects are colour adjustments,
 * area effects filters, neural effects edits by a trained model (upscaling a resize by one).
 * The stack's framing comes first, as it is applied first: turns and mirrors as an orientation
 * change, straightening as a rotation, a crop or a ratio as a crop.
 */
import { EFFECTS, NEURAL_PREFIX } from '../effects/registry';
import type { EffectStack } from '../effects/types';
import { cleanGeometry } from '../render-room/geometry';
import type { EditStep } from './manifest';

function framingSteps(geometry: unknown): EditStep[] {
  const g = cleanGeometry(geometry);
  if (!g) return [];
  const steps: EditStep[] = [];
  if (g.rotate90 || g.flipH || g.flipV) {
    const words = [
      ...(g.rotate90 ? [`Rotate ${g.rotate90 * 90}°`] : []),
      ...(g.flipH ? ['Flip horizontal'] : []),
      ...(g.flipV ? ['Flip vertical'] : []),
    ];
    steps.push({ kind: 'orientation', name: words.join(', ') });
  }
  if (g.straighten) steps.push({ kind: 'orientation', name: `Straighten ${g.straighten}°` });
  if (g.crop || g.ratio !== 'free') steps.push({ kind: 'crop', name: 'Crop' });
  return steps;
}

/** The enabled layers of `stack` (anything else, e.g. a missing stack, gives no steps). */
export function editStepsOf(stack: unknown): EditStep[] {
  const effects = (stack as EffectStack | null | undefined)?.effects;
  if (!Array.isArray(effects)) return [];
  const framing = framingSteps((stack as EffectStack).geometry);
  return framing.concat(
    effects
      .filter((e) => e && e.enabled && typeof e.effectId === 'string')
      .map((e): EditStep => {
        if (e.effectId.startsWith(NEURAL_PREFIX)) {
          const model = e.effectId.slice(NEURAL_PREFIX.length);
          return { kind: /upscale|x2|2x/i.test(model) ? 'neural-resize' : 'neural', name: model };
        }
        const def = EFFECTS.get(e.effectId);
        return { kind: def?.kind === 'area' ? 'filter' : 'color', name: def?.name ?? e.effectId };
      }),
  );
}
