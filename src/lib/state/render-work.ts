/**
 * Rendering a work at full size into a new version (shared by the Render room and batches), the
 * engine/model version record kept with it, and small helpers of the room's plumbing.
 */
import {
  neuralEffects,
  render,
  type NeuralEffectInfo,
  type RenderOutcome,
} from '../compute/render-client';
import { db } from '../db/instance';
import type { Version, Work } from '../db/schema';
import { addVersion, getOriginalBlob, listVersions } from '../db/works';
import { track } from '../db/events';
import { settings } from './settings.svelte';
import { neuralEffect, type NeuralEffectDef } from '../../shared/effects/registry';
import { checkOutputSize, stackFactor } from '../../shared/effects/stages';
import type { EffectStack } from '../../shared/effects/types';
import { hasCode } from '../../shared/errors/base';
import { findSameVersion, type VersionRecipe } from '../../shared/library/version-identity';
import { fitSize } from '../../shared/render-room/catalogue';
import { stackOutputSize } from '../../shared/render-room/geometry';
import { parseStack } from '../../shared/render-room/stack-edit';
import { decodeImage, encodePng, thumbnail, toRgba, type Rgba } from './image-io';

/** The engine's name and revision, recorded with every version it renders. */
export const ENGINE = 'atelier-render/1';
/** "Learn a look" works on copies whose longest side is this. */
const LOOK_SIDE = 256;

let nextLayer = 0;
export const newLayerId = (): string => `l${Date.now().toString(36)}${(nextLayer++).toString(36)}`;

/** The worker's neural effects as definitions (their reach and scale included). */
export function neuralDefsOf(infos: readonly NeuralEffectInfo[]): Map<string, NeuralEffectDef> {
  return new Map(
    infos.map((n) => [
      n.effectId,
      neuralEffect(
        n.modelId,
        n.name,
        n.reach,
        n.scale ?? 1,
        n.denoise ? { denoise: n.denoise } : {},
      ),
    ]),
  );
}

export interface OutputSize {
  width: number;
  height: number;
  /** Output ÷ original (2 with one Upscale 2×). */
  factor: number;
  /** Why a full render would be refused (too many pixels), or null. */
  refusal: string | null;
}

/**
 * What a full render of `stack` over a `width`×`height` work produces (framed by the stack's
 * crop, turns and straighten, then scaled), and whether it may.
 */
export function outputSizeOf(
  size: { width: number; height: number },
  stack: EffectStack,
  neural: ReadonlyMap<string, NeuralEffectDef>,
): OutputSize {
  const factor = stackFactor(stack, neural);
  const framed = stackOutputSize(size, stack);
  const width = framed.width * factor;
  const height = framed.height * factor;
  try {
    checkOutputSize(framed.width, framed.height, factor);
    return { width, height, factor, refusal: null };
  } catch (error) {
    if (hasCode(error) && error.code === 'too-large') {
      return { width, height, factor, refusal: error.message };
    }
    throw error;
  }
}

/** The stored stack of a version, or null when it has none the room can read. */
export function versionStack(version: Version): EffectStack | null {
  return parseStack(version.stack);
}

let manifest: Promise<Map<string, string>> | undefined;
/** Model id → a version tag (its manifest version, or the first 12 hex of its weights' SHA-256). */
function modelTags(): Promise<Map<string, string>> {
  manifest ??= fetch('/models/manifest.json')
    .then((r) => (r.ok ? (r.json() as Promise<unknown>) : null))
    .then((json) => {
      const tags = new Map<string, string>();
      const models = (json as { models?: unknown } | null)?.models;
      if (!Array.isArray(models)) return tags;
      for (const m of models as { id?: unknown; version?: unknown; files?: unknown }[]) {
        if (typeof m.id !== 'string') continue;
        const files = Array.isArray(m.files) ? (m.files as { sha256?: unknown }[]) : [];
        const sha = files.find((f) => typeof f.sha256 === 'string')?.sha256 as string | undefined;
        tags.set(m.id, typeof m.version === 'string' ? m.version : (sha?.slice(0, 12) ?? '?'));
      }
      return tags;
    })
    .catch(() => new Map<string, string>());
  return manifest;
}

/** `id@version` for each neural model the stack uses, comma-separated ('' when none). */
async function modelsOf(stack: EffectStack): Promise<string> {
  const ids = stack.effects
    .filter((e) => e.enabled && e.effectId.startsWith('neural:'))
    .map((e) => e.effectId.slice('neural:'.length));
  if (!ids.length) return '';
  const tags = await modelTags();
  return ids.map((id) => `${id}@${tags.get(id) ?? 'registered'}`).join(',');
}

/** What a full render of `stack` over `work` ran with: its identity (see version-identity). */
async function recipeOf(work: Work, stack: EffectStack): Promise<VersionRecipe> {
  return {
    source: work.sha256,
    base: 'original',
    engine: ENGINE,
    models: await modelsOf(stack),
    stack,
  };
}

/** A full render's result: a new version, or the one the same recipe already made. */
export type FullRender =
  | { version: Version; outcome: RenderOutcome; reused: false }
  | { version: Version; outcome: null; reused: true };

/**
 * Renders `stack` over a work's original at full size (times the stack's scale: Upscale 2×
 * doubles it) into a new version: shared by the room and batches. When the work already has a
 * version of the same recipe (same original, stack, engine and model versions), nothing is
 * rendered and that version comes back with `reused: true`.
 * @throws RenderError `too-large` before any work when the output exceeds the render budget;
 *   whatever the render throws. Nothing is written unless the whole version is.
 */
export async function renderWorkFull(options: {
  work: Work;
  stack: EffectStack;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  label?: string;
}): Promise<FullRender> {
  const { work, stack, signal } = options;
  // Refuse an upscale past the render budget before decoding anything (the worker checks too).
  const neural = neuralDefsOf(await neuralEffects().catch(() => []));
  const framed = stackOutputSize(work, stack);
  checkOutputSize(framed.width, framed.height, stackFactor(stack, neural));
  const recipe = await recipeOf(work, stack);
  const same = findSameVersion(await listVersions(db, work.id), recipe);
  if (same) {
    options.onProgress?.(1);
    return { version: same, outcome: null, reused: true };
  }
  const image = await decodeImage(await getOriginalBlob(db, work.id), undefined, {
    width: work.width,
    height: work.height,
    name: work.title,
  });
  signal?.throwIfAborted();
  const outcome = await render({
    image,
    stack,
    backend: settings.backend,
    ...(signal ? { signal } : {}),
    onProgress: (p) => options.onProgress?.(p.total ? (0.95 * p.done) / p.total : 0),
  });
  const pixels = toRgba(outcome);
  const [png, thumb] = await Promise.all([encodePng(pixels), thumbnail(pixels)]);
  // Past this point the version is written whole or not at all (one transaction).
  signal?.throwIfAborted();
  const version = await addVersion(db, {
    workId: work.id,
    image: png,
    thumb,
    width: outcome.width,
    height: outcome.height,
    stack: structuredClone(stack),
    engine: {
      engine: recipe.engine,
      backend: outcome.backend,
      adapter: outcome.adapter ?? '',
      ms: String(Math.round(outcome.ms)),
      tiles: String(outcome.tiles),
      base: recipe.base,
      models: recipe.models,
    },
    label: options.label ?? 'Rendered',
  });
  options.onProgress?.(1);
  track({
    type: 'render.finished',
    workId: work.id,
    megapixels: (outcome.width * outcome.height) / 1e6,
    ms: outcome.ms,
    backend: outcome.backend,
    ...(outcome.adapter ? { adapter: outcome.adapter } : {}),
  });
  return { version, outcome, reused: false };
}

/** A copy of `blob` for learning a look: at `size`, or with its longest side LOOK_SIDE. */
export async function lookCopy(
  blob: Blob,
  size?: { width: number; height: number },
): Promise<Rgba> {
  if (size) return decodeImage(blob, size);
  const probe = await createImageBitmap(blob);
  const fit = fitSize(probe.width, probe.height, LOOK_SIDE, LOOK_SIDE);
  probe.close();
  return decodeImage(blob, fit);
}
