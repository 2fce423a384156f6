import { describe, expect, it } from 'vitest';
import {
  canonicalStack,
  findSameVersion,
  storedIdentity,
  versionIdentity,
  type VersionRecipe,
} from './version-identity';

const stack = {
  effects: [
    { id: 'l1', effectId: 'exposure', enabled: true, params: { ev: 1.5 } },
    { id: 'l2', effectId: 'vignette', enabled: true, params: { radius: 0.4, amount: 0.3 } },
    { id: 'l3', effectId: 'neural:denoise', enabled: true, params: {} },
  ],
};
const recipe: VersionRecipe = {
  source: 'ab'.repeat(32),
  base: 'original',
  engine: 'atelier-render/1',
  models: 'denoise@78ffa9990d7d',
  stack,
};
const stored = (over: Partial<VersionRecipe> = {}, id = 'v1') => {
  const r = { ...recipe, ...over };
  return {
    id,
    stack: r.stack,
    engine: { engine: r.engine, backend: 'wasm', ms: '12', base: r.base, models: r.models },
  };
};

describe('version identity', () => {
  it('is the same for a re-render of the same stack, whatever the layer ids or key order', () => {
    const again = {
      effects: [
        { id: 'x9', effectId: 'exposure', enabled: true, params: { ev: 1.5 } },
        // Spelled-out defaults and reordered keys change nothing; a disabled layer is skipped.
        { id: 'x8', effectId: 'grain', enabled: false, params: { amount: 0.5 } },
        {
          id: 'x7',
          effectId: 'vignette',
          enabled: true,
          params: { amount: 0.3, radius: 0.4, feather: 0.5 },
        },
        { id: 'x6', effectId: 'neural:denoise', enabled: true, params: {} },
      ],
    };
    expect(versionIdentity({ ...recipe, stack: again })).toBe(versionIdentity(recipe));
    expect(storedIdentity(recipe.source, stored())).toBe(versionIdentity(recipe));
  });

  it('differs when anything that decides the pixels differs', () => {
    const base = versionIdentity(recipe);
    const changed: Partial<VersionRecipe>[] = [
      { source: 'cd'.repeat(32) },
      { base: 'version:v7' },
      { engine: 'atelier-render/2' },
      { models: 'denoise@0000aaaa1111' },
      {
        stack: {
          effects: [{ ...stack.effects[0]!, params: { ev: 1.55 } }, ...stack.effects.slice(1)],
        },
      },
      // Order matters: effects run top to bottom.
      { stack: { effects: [stack.effects[1]!, stack.effects[0]!, stack.effects[2]!] } },
      { stack: { effects: stack.effects.slice(0, 2) } },
    ];
    for (const over of changed) {
      expect(versionIdentity({ ...recipe, ...over }), JSON.stringify(over)).not.toBe(base);
    }
  });

  it('reads the enabled layers with their resolved params', () => {
    expect(canonicalStack(stack)[1]).toEqual([
      'vignette',
      expect.objectContaining({ amount: 0.3, radius: 0.4 }),
    ]);
    expect(canonicalStack({ effects: [] })).toEqual([]);
    expect(canonicalStack('not a stack')).toEqual([]);
  });

  it('finds the stored version a recipe would make again, and only that one', () => {
    const versions = [
      stored({ models: 'denoise@0000aaaa1111' }, 'old-model'),
      stored({}, 'same'),
      stored({ stack: { effects: [] } }, 'plain'),
    ];
    expect(findSameVersion(versions, recipe)?.id).toBe('same');
    expect(findSameVersion(versions, { ...recipe, stack: { effects: [] } })?.id).toBe('plain');
    expect(findSameVersion(versions, { ...recipe, base: 'version:v7' })).toBeUndefined();
    expect(findSameVersion([], recipe)).toBeUndefined();
  });
});
