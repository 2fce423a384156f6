/**
 * When two renders are the same version: same source image, same stack, same engine and model
 * versions. The identity is a canonical serialisation of exactly what decides the pixels, so a
 * re-render of an unchanged stack finds the version it already made instead of saving a copy.
 *
 * Left out on purpose: layer ids (fresh for every preset applied), disabled layers (skipped by
 * the engine), the order of param keys, params spelled out at their default value, and where the
 * render ran (the GPU and CPU paths give the same picture within rounding).
 */
import { EFFECTS, resolveParams } from '../effects/registry';
import { parseStack } from '../render-room/stack-edit';

/** What decides a version's pixels. */
export interface VersionRecipe {
  /** SHA-256 of the source image (the work's original). */
  source: string;
  /** Which image the stack ran over ('original'). */
  base: string;
  /** Engine name and revision ("atelier-render/1"). */
  engine: string;
  /** `id@version` of each neural model used, comma-separated ('' when none). */
  models: string;
  /** The effect stack as stored. */
  stack: unknown;
}

type Params = Record<string, number | number[]>;

/** Keys sorted, so `{a, b}` and `{b, a}` serialise alike. */
function sorted(params: Params): Params {
  return Object.fromEntries(
    Object.keys(params)
      .sort()
      .map((k) => [k, params[k]!]),
  );
}

/**
 * The enabled layers as `[effectId, params]`, params with defaults filled in and clamped for the
 * classic effects (so `{}` and `{ ev: 0 }` are one exposure), as given for the others.
 */
export function canonicalStack(stack: unknown): [string, Params][] {
  const parsed = parseStack(stack);
  if (!parsed) return [];
  return parsed.effects
    .filter((e) => e.enabled)
    .map((e) => {
      const def = EFFECTS.get(e.effectId);
      let params: Params = e.params;
      if (def) {
        try {
          params = resolveParams(def, e.params);
        } catch {
          // A param the engine would refuse: compare it as written.
        }
      }
      return [e.effectId, sorted(params)];
    });
}

/** The canonical serialisation of a recipe: equal strings, same version. */
export function versionIdentity(recipe: VersionRecipe): string {
  return JSON.stringify([
    recipe.engine,
    recipe.source,
    recipe.base,
    recipe.models
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)
      .sort(),
    canonicalStack(recipe.stack),
  ]);
}

/** A stored version as the fields its identity reads. */
export interface StoredVersion {
  stack: unknown;
  engine: Record<string, string>;
}

/** The identity of a version already stored for a work whose original has hash `source`. */
export function storedIdentity(source: string, version: StoredVersion): string {
  return versionIdentity({
    source,
    base: version.engine.base ?? 'original',
    engine: version.engine.engine ?? '',
    models: version.engine.models ?? '',
    stack: version.stack,
  });
}

/** The first of `versions` that `recipe` would make again, or undefined. */
export function findSameVersion<V extends StoredVersion>(
  versions: readonly V[],
  recipe: VersionRecipe,
): V | undefined {
  const wanted = versionIdentity(recipe);
  return versions.find((v) => storedIdentity(recipe.source, v) === wanted);
}
