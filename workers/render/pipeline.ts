/**
 * A render request as stages: what the request renders (the input, possibly downscaled for a
 * preview; the spatial scale of the params; whether scalers are skipped) and the loop that runs
 * the stages one after the other, each tiled by its renderer, with progress counted in tiles over
 * all stages. Backend-neutral: the worker passes the CPU or GPU renderers; Node tests the CPU ones.
 */
import type { NeuralEffectDef, StackLayout } from '../../src/shared/effects/registry';
import {
  checkOutputSize,
  planStages,
  stackFactor,
  type RenderStage,
  type ScaleStage,
} from '../../src/shared/effects/stages';
import type { EffectStack } from '../../src/shared/effects/types';
import type { TileHooks } from './cpu';
import { downscale, planTiles, type RgbaImage } from './image';
import { CPU_SCALE_BUDGET } from './scale';

export interface StageRequest {
  image: RgbaImage;
  stack: EffectStack;
  /** The result's size when smaller than the full render. */
  size?: { width: number; height: number };
  /** `image` is the work at `sourceScale` for a preview in `box` (see RenderRequest.preview). */
  preview?: { sourceScale: number; box: { width: number; height: number } };
  /** Pixels per tile crop (a scaler's: input pixels). */
  budget?: number;
}

export interface StageRunners {
  effects(
    image: RgbaImage,
    layout: StackLayout,
    hooks: TileHooks,
  ): Promise<{ data: Uint8Array; tiles: number }>;
  scale(
    image: RgbaImage,
    stage: ScaleStage,
    hooks: TileHooks,
  ): Promise<{ data: Uint8Array; tiles: number; width: number; height: number }>;
}

/**
 * What a request renders: the input (downscaled to `size` when that is no larger than the
 * image), the spatial scale of its params, whether scalers are skipped, and a size to downscale
 * the result to (a `size` between the image's and the full output's).
 */
export function fitRequest(
  request: StageRequest,
  neural: ReadonlyMap<string, NeuralEffectDef>,
): {
  input: RgbaImage;
  scale: number;
  skipScaling: boolean;
  finalSize?: { width: number; height: number };
} {
  const { image, size, preview } = request;
  const factor = stackFactor(request.stack, neural);
  let scale = 1;
  let skipScaling = false;
  if (preview) {
    scale = preview.sourceScale;
    const fits =
      image.width * factor <= preview.box.width && image.height * factor <= preview.box.height;
    skipScaling = factor !== 1 && !(preview.sourceScale >= 1 && fits);
  }
  const full = skipScaling ? 1 : factor;
  if (!size || (size.width >= image.width * full && size.height >= image.height * full)) {
    return { input: image, scale, skipScaling };
  }
  if (size.width <= image.width && size.height <= image.height) {
    const input = downscale(image, size.width, size.height);
    return { input, scale: (scale * size.width) / image.width, skipScaling: factor !== 1 };
  }
  return { input: image, scale, skipScaling, finalSize: size };
}

/** Tiles each stage will take (the progress total): estimates with the renderers' defaults. */
export function estimateTiles(
  stages: RenderStage[],
  input: { width: number; height: number },
  budget: number | undefined,
): number[] {
  let { width, height } = input;
  return stages.map((stage) => {
    if (stage.kind === 'scale') {
      const n = planTiles(width, height, stage.reach, budget ?? CPU_SCALE_BUDGET).length;
      width *= stage.factor;
      height *= stage.factor;
      return n;
    }
    const reach = stage.layout.reach;
    return planTiles(width, height, reach, budget ?? Math.max(1 << 20, (16 * reach) ** 2)).length;
  });
}

/**
 * Renders a request through its stages. `onTile(done, total)` runs after every tile of every
 * stage (throw to stop: cancellation within one tile).
 * @throws RenderError `too-large` (before any work), `unknown-effect`, `invalid-param`; whatever
 *   the runners or `onTile` throw.
 */
export async function renderStages(
  request: StageRequest,
  neural: ReadonlyMap<string, NeuralEffectDef>,
  runners: StageRunners,
  onTile?: (done: number, total: number) => void | Promise<void>,
): Promise<{ image: RgbaImage; tiles: number; stages: number }> {
  const { input, scale, skipScaling, finalSize } = fitRequest(request, neural);
  const plan = planStages(request.stack, { neural, scale, skipScaling });
  // Refused before any work: nothing is rendered, nothing is lost.
  checkOutputSize(input.width, input.height, plan.factor);
  const estimates = estimateTiles(plan.stages, input, request.budget);
  let image = input;
  let tiles = 0;
  for (let k = 0; k < plan.stages.length; k++) {
    const stage = plan.stages[k]!;
    const later = estimates.slice(k + 1).reduce((a, b) => a + b, 0);
    const before = tiles;
    const hooks: TileHooks = {
      ...(request.budget ? { budget: request.budget } : {}),
      onTile: (done, total) => onTile?.(before + done, before + total + later),
    };
    if (stage.kind === 'scale') {
      const out = await runners.scale(image, stage, hooks);
      image = { width: out.width, height: out.height, data: out.data };
      tiles += out.tiles;
    } else {
      const out = await runners.effects(image, stage.layout, hooks);
      image = { width: image.width, height: image.height, data: out.data };
      tiles += out.tiles;
    }
  }
  if (finalSize) image = downscale(image, finalSize.width, finalSize.height);
  return { image, tiles, stages: plan.stages.length };
}

/**
 * Keeps a scaler's last result: previews that change only the effects after an upscale (or
 * nothing before it) reuse it instead of re-running the network. The input is compared byte for
 * byte; results are copied in and out (a render's buffer is transferred to the caller).
 */
export class ScaleMemo {
  #last: {
    key: string;
    input: Uint8Array;
    out: { data: Uint8Array; width: number; height: number };
  } | null = null;
  /** Network runs saved (tests). */
  hits = 0;

  wrap(run: StageRunners['scale']): StageRunners['scale'] {
    return async (image, stage, hooks) => {
      const key = `${stage.def.modelId}×${stage.factor}:${image.width}×${image.height}`;
      const last = this.#last;
      if (last && last.key === key && equalBytes(last.input, image.data)) {
        this.hits++;
        await hooks.onTile?.(1, 1);
        return { ...last.out, data: last.out.data.slice(), tiles: 1 };
      }
      const out = await run(image, stage, hooks);
      this.#last = {
        key,
        input: Uint8Array.from(image.data),
        out: { data: out.data.slice(), width: out.width, height: out.height },
      };
      return out;
    };
  }

  clear(): void {
    this.#last = null;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array | Uint8ClampedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
