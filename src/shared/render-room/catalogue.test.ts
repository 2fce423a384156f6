import { describe, expect, it } from 'vitest';
import { EFFECTS, layoutStack } from '../effects/registry';
import type { EffectStack } from '../effects/types';
import { fitSize, scaleSpatial, SHOWCASE, STARTING } from './catalogue';

describe('catalogue', () => {
  it('has valid showcase and starting params for every classic effect', () => {
    for (const id of EFFECTS.keys()) {
      expect(SHOWCASE[id], id).toBeDefined();
      const stack = { effects: [{ id, effectId: id, enabled: true, params: SHOWCASE[id]! }] };
      expect(() => layoutStack(stack)).not.toThrow();
    }
    for (const [id, params] of Object.entries(STARTING)) {
      expect(() =>
        layoutStack({ effects: [{ id, effectId: id, enabled: true, params }] }),
      ).not.toThrow();
    }
  });

  it('scaling spatial params in the stack equals the engine’s own preview scaling', () => {
    const stack: EffectStack = {
      effects: [
        { id: 'b', effectId: 'blur', enabled: true, params: { sigma: 8 } },
        { id: 'g', effectId: 'grain', enabled: true, params: { amount: 0.3 } },
        { id: 'e', effectId: 'exposure', enabled: true, params: { ev: 1 } },
      ],
    };
    const ours = layoutStack(scaleSpatial(stack, 0.25));
    const engine = layoutStack(stack, { scale: 0.25 });
    expect(ours.key).toBe(engine.key);
    ours.entries.forEach((e, i) => expect(e.params).toEqual(engine.entries[i]!.params));
    expect(scaleSpatial(stack, 1)).toBe(stack);
  });

  it('fits a size inside a box without enlarging', () => {
    expect(fitSize(4000, 3000, 1000, 1000)).toEqual({ width: 1000, height: 750, scale: 0.25 });
    expect(fitSize(200, 100, 1000, 1000)).toEqual({ width: 200, height: 100, scale: 1 });
  });
});
