/** Stages: a scaler splits a stack; spatial params per stage; the output-size budget. */
import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors/base';
import { layer, layoutStack, neuralEffect } from './registry';
import { checkOutputSize, isScaler, MAX_RENDER_PIXELS, planStages, stackFactor } from './stages';
import type { EffectStack } from './types';

const up = neuralEffect('up', 'Upscale 2×', 6, 2);
const den = neuralEffect('den', 'Denoise', 8);
const neural = new Map([
  [up.id, up],
  [den.id, den],
]);
const stackOf = (...effects: EffectStack['effects']): EffectStack => ({ effects });

describe('render stages', () => {
  it('a scaler has no params and no uniforms; a same-size network keeps Strength', () => {
    expect(up.params).toEqual([]);
    expect(isScaler(up)).toBe(true);
    expect(isScaler(den)).toBe(false);
    expect(den.params.map((p) => p.key)).toEqual(['strength']);
    const layout = layoutStack(stackOf(layer(up.id)), { neural });
    expect([...layout.entries[0]!.uniforms]).toEqual([]);
  });

  it('splits at the scaler (effects before, the scaler with its reach, effects after); a same-size network is a stage of its own', () => {
    const plan = planStages(
      stackOf(
        layer('exposure', { ev: 0.5 }),
        layer('blur', { sigma: 2 }),
        layer(den.id),
        layer(up.id),
        layer('vignette'),
        layer('sharpen', { sigma: 1 }),
      ),
      { neural },
    );
    expect(plan.factor).toBe(2);
    expect(plan.stages.map((s) => s.kind)).toEqual(['effects', 'effects', 'scale', 'effects']);
    const [a, d, b, c] = plan.stages;
    if (a?.kind !== 'effects' || b?.kind !== 'scale' || c?.kind !== 'effects') throw new Error();
    if (d?.kind !== 'effects') throw new Error();
    expect(a.layout.entries.map((e) => e.def.id)).toEqual(['exposure', 'blur']);
    expect(d.layout.entries.map((e) => e.def.id)).toEqual([den.id]);
    expect(b.factor).toBe(2);
    expect(b.reach).toBe(6);
    expect(c.layout.entries.map((e) => e.def.id)).toEqual(['vignette', 'sharpen']);
  });

  it('disabled scalers do nothing; two scalers multiply with no empty stage between', () => {
    const off = planStages(stackOf({ ...layer(up.id), enabled: false }, layer('contrast')), {
      neural,
    });
    expect(off.factor).toBe(1);
    expect(off.stages.map((s) => s.kind)).toEqual(['effects']);
    const twice = planStages(stackOf(layer(up.id, {}, 'a'), layer(up.id, {}, 'b')), { neural });
    expect(twice.factor).toBe(4);
    expect(twice.stages.map((s) => s.kind)).toEqual(['scale', 'scale']);
    expect(stackFactor(stackOf(layer(up.id, {}, 'a'), layer(up.id, {}, 'b')), neural)).toBe(4);
    // An effect this build does not know is no scaler (the render reports it).
    expect(stackFactor(stackOf(layer('neural:gone'), layer(up.id)), neural)).toBe(2);
  });

  it('an empty stack is one empty effects stage', () => {
    const plan = planStages(stackOf());
    expect(plan.stages).toHaveLength(1);
    expect(plan.stages[0]!.kind).toBe('effects');
  });

  it('spatial params: scaled alike when the scaler runs; after it, divided by its factor when skipped', () => {
    const stack = stackOf(layer('blur', { sigma: 4 }), layer(up.id), layer('blur', { sigma: 4 }));
    const sigmas = (plan: ReturnType<typeof planStages>) =>
      plan.stages.flatMap((s) => (s.kind === 'effects' ? [s.layout.entries[0]!.params.sigma] : []));
    expect(sigmas(planStages(stack, { neural, scale: 0.5 }))).toEqual([2, 2]);
    const skipped = planStages(stack, { neural, scale: 0.5, skipScaling: true });
    expect(skipped.factor).toBe(1);
    expect(skipped.stages.every((s) => s.kind === 'effects')).toBe(true);
    // Before: the preview is half the original; after: a quarter of the 2× output.
    expect(sigmas(skipped)).toEqual([2, 1]);
  });

  it('refuses an output above the budget before any work, with a clear message', () => {
    expect(MAX_RENDER_PIXELS).toBe(40_000_000);
    expect(checkOutputSize(3000, 3000, 2)).toEqual({ width: 6000, height: 6000 });
    let error: unknown;
    try {
      checkOutputSize(4000, 3000, 2);
    } catch (e) {
      error = e;
    }
    expect(hasCode(error) && error.code).toBe('too-large');
    expect((error as Error).message).toBe(
      'Upscaling 4000×3000 2× would make 8000×6000 (48.0 MP); this device renders up to 40.0 MP and 32767 px a side. Nothing was changed: remove the upscale or render a smaller work.',
    );
    // A very long strip: few pixels, but a side no canvas can hold.
    expect(() => checkOutputSize(20000, 10, 2)).toThrow(/32767 px a side/);
  });
});
