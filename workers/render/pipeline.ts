/**
 * A render request as stages: what the request renders (the input, possibly downscaled for a
 * preview; the spatial scale of the params; whether scalers are skipped) and the loop that runs
 * the stages one after the other, each tiled by its renderer, with progress counted in tiles over
 * all stages. Backend-neutral: the worker passes the CPU or GPU renderers; Node tests the CPU ones.
 * A runner may keep a stage's result resident in its own memory (the GPU path: GPU buffers) when a
 * later stage reads it (`StageHooks.keep`), so an image crosses to the CPU only after the last stage.
 */
import {
  needsNoiseEstimate,
  resolveNoise,
  type NeuralEffectDef,
  type StackLayout,
} from '../../src/shared/effects/registry';
import { estimateSigma } from '../../src/shared/effects/noise';
import {
  checkOutputSize,
  planStages,
  stackFactor,
  type RenderStage,
  type ScaleStage,
} from '../../src/shared/effects/stages';
import type { EffectStack } from '../../src/shared/effects/types';
import { RenderError } from '../../src/shared/errors/render';
import { cleanGeometry, outputSize, type Geometry } from '../../src/shared/render-room/geometry';
import type { TileHooks } from './cpu';
import { applyGeometry } from './geometry';
import { cropImage, downscale, planTiles, type RgbaImage } from './image';
import type { PreviewMemo } from './preview-memo';
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
  /** Tiles the runners render side by side (the CPU path's lanes; 1 on the GPU). */
  parallel?: number;
  /**
   * Render only this rectangle of `image` (a zoomed-in view): the result is its pixels exactly as
   * in a render of the whole image, read from the rectangle plus the stack's reach around it.
   * Not with `size` or a scaler in the stack. With a geometry in the stack, the rectangle is
   * of the framed image (the output's pixels).
   */
  region?: { x: number; y: number; width: number; height: number };
  /**
   * A buffer the caller is done with (the frame this render replaces): the last stage may write
   * the result into it when the result is its size and nothing is done to it after (see
   * TileHooks.into).
   */
  into?: Uint8Array;
}

/**
 * An image a runner keeps in its own memory between stages (the GPU path: RGBA8 in GPU buffers).
 * `renderStages` releases it once the next stage has read it, or when the render fails.
 */
export interface Resident {
  width: number;
  height: number;
  release(): void;
}

export interface StageHooks extends TileHooks {
  /**
   * A later stage reads this result: the runner may return it resident (`{ resident }`) instead
   * of pixels in memory. The last stage's result is always pixels.
   */
  keep?: boolean;
  /**
   * What this stage's input was made from: the request's input and a description of the stages
   * before it (equal origins make equal inputs; `ScaleMemo` compares it for a resident input).
   */
  origin?: { image: RgbaImage; key: string };
}

/** A stage's result: pixels in memory, or (when `hooks.keep`) a runner's resident image. */
export type StageOutput<R> = { data: Uint8Array; tiles: number } | { resident: R; tiles: number };

export interface StageRunners<R extends Resident = never> {
  effects(image: RgbaImage | R, layout: StackLayout, hooks: StageHooks): Promise<StageOutput<R>>;
  scale(
    image: RgbaImage | R,
    stage: ScaleStage,
    hooks: StageHooks,
  ): Promise<StageOutput<R> & { width: number; height: number }>;
}

/** Whether `image` is a runner's resident image rather than pixels in memory. */
export function isResident<R extends Resident>(image: RgbaImage | R): image is R {
  return !('data' in image);
}

/** Identifies a stage by what it computes (its effects' structure and uniforms, or its network). */
function describeStage(stage: RenderStage): string {
  if (stage.kind === 'scale') return `${stage.def.modelId}×${stage.factor}`;
  const { key, entries } = stage.layout;
  return `${key}#${entries.map((e) => Array.from(e.uniforms).join(',')).join(';')}`;
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

/**
 * A region render's input: the region plus every stage's reach around it (clipped to the
 * image, framed by `geometry`: only that part is resampled), where that crop sits in the
 * image, and the region within the crop.
 * @throws RenderError `invalid-param`
 */
function regionOf(
  request: StageRequest,
  image: RgbaImage,
  plan: { stages: RenderStage[]; factor: number },
  geometry: Geometry | null,
): {
  input: RgbaImage;
  frame: { x: number; y: number; width: number; height: number };
  core: { x: number; y: number; width: number; height: number };
} {
  const r = request.region!;
  const size = geometry ? outputSize(image, geometry) : image;
  const inside =
    [r.x, r.y, r.width, r.height].every(Number.isInteger) &&
    r.x >= 0 &&
    r.y >= 0 &&
    r.width >= 1 &&
    r.height >= 1 &&
    r.x + r.width <= size.width &&
    r.y + r.height <= size.height;
  if (!inside || image !== request.image || plan.factor !== 1) {
    throw new RenderError(
      'invalid-param',
      'Only a whole-pixel part of the image, at its own size and without Upscale, can be rendered alone.',
      { details: { region: r, width: size.width, height: size.height, factor: plan.factor } },
    );
  }
  const reach = plan.stages.reduce(
    (sum, s) => sum + (s.kind === 'scale' ? s.reach : s.layout.reach),
    0,
  );
  const x0 = Math.max(0, r.x - reach);
  const y0 = Math.max(0, r.y - reach);
  const x1 = Math.min(size.width, r.x + r.width + reach);
  const y1 = Math.min(size.height, r.y + r.height + reach);
  const crop = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  const data = geometry
    ? applyGeometry(image, geometry, { x: x0, y: y0, width: crop.w, height: crop.h }).data
    : cropImage(image, crop);
  return {
    input: { width: crop.w, height: crop.h, data },
    frame: { x: x0, y: y0, width: size.width, height: size.height },
    core: { x: r.x - x0, y: r.y - y0, width: r.width, height: r.height },
  };
}

/** The pixels of `rect` of `image`. */
function cropOf(
  image: RgbaImage,
  rect: { x: number; y: number; width: number; height: number },
): RgbaImage {
  if (rect.x === 0 && rect.y === 0 && rect.width === image.width && rect.height === image.height) {
    return image;
  }
  const data = cropImage(image, { x: rect.x, y: rect.y, w: rect.width, h: rect.height });
  return { width: rect.width, height: rect.height, data };
}

/** Tiles each stage will take (the progress total): estimates with the renderers' defaults. */
export function estimateTiles(
  stages: RenderStage[],
  input: { width: number; height: number },
  budget: number | undefined,
  parallel = 1,
): number[] {
  let { width, height } = input;
  return stages.map((stage) => {
    if (stage.kind === 'scale') {
      const n = planTiles(width, height, stage.reach, budget ?? CPU_SCALE_BUDGET, parallel).length;
      width *= stage.factor;
      height *= stage.factor;
      return n;
    }
    const reach = stage.layout.reach;
    const b = budget ?? Math.max(1 << 20, (16 * reach) ** 2);
    return planTiles(width, height, reach, b, parallel).length;
  });
}

/** Whether a stage is a network (a same-size one such as Denoise, or a scaler). */
function isNetwork(stage: RenderStage): boolean {
  return stage.kind === 'scale' || stage.layout.entries.some((e) => e.def.kind === 'neural');
}

/** Whether a stage reads its input as pixels in memory (Denoise's Auto estimates σ on them). */
function needsPixels(stage: RenderStage | undefined): boolean {
  return stage?.kind === 'effects' && stage.layout.entries.some(needsNoiseEstimate);
}

export interface StagesResult {
  image: RgbaImage;
  tiles: number;
  stages: number;
  /** σ (fraction of full range) each Auto denoise layer found, by layer id. */
  noise: Record<string, number>;
  /** Network stages run (not taken from the preview memo). */
  networks: number;
}

/**
 * Renders a request through its stages, its source first framed by the stack's geometry (one
 * resample; a region render resamples only its part). `onTile(done, total)` runs after every tile of every
 * stage (throw to stop: cancellation within one tile). A preview with a `memo` starts from the
 * kept output of its neural prefix (the stages up to the last network) when it has it, and
 * keeps it when not.
 * @throws RenderError `too-large` (before any work), `unknown-effect`, `invalid-param`; whatever
 *   the runners or `onTile` throw.
 */
export async function renderStages<R extends Resident = never>(
  request: StageRequest,
  neural: ReadonlyMap<string, NeuralEffectDef>,
  runners: StageRunners<R>,
  onTile?: (done: number, total: number) => void | Promise<void>,
  memo?: PreviewMemo<R>,
): Promise<StagesResult> {
  const geometry = cleanGeometry(request.stack.geometry);
  if (geometry && !request.region) {
    request = { ...request, image: applyGeometry(request.image, geometry) };
  }
  const fitted = fitRequest(request, neural);
  const { scale, skipScaling, finalSize } = fitted;
  const plan = planStages(request.stack, { neural, scale, skipScaling });
  // Refused before any work: nothing is rendered, nothing is lost.
  checkOutputSize(fitted.input.width, fitted.input.height, plan.factor);
  const region = request.region ? regionOf(request, fitted.input, plan, geometry) : null;
  const input = region ? region.input : fitted.input;
  const estimates = estimateTiles(plan.stages, input, request.budget, request.parallel);
  const originKey = (k: number) =>
    [`${input.width}×${input.height}`, ...plan.stages.slice(0, k).map(describeStage)].join('|');
  // The neural prefix: stages 0..prefix (the last network); -1 without one or without a memo.
  const prefix = request.preview && memo && !region ? plan.stages.findLastIndex(isNetwork) : -1;
  const last = plan.stages.length - 1;
  let image: RgbaImage | R = input;
  let tiles = 0;
  let networks = 0;
  let noise: Record<string, number> = {};
  let start = 0;
  if (prefix >= 0) {
    const kept = memo!.get(originKey(prefix + 1), input.data, prefix === last);
    if (kept) {
      ({ image, noise } = kept);
      start = prefix + 1;
      tiles = 1;
      const later = estimates.slice(start).reduce((a, b) => a + b, 0);
      await onTile?.(1, 1 + later);
    }
  }
  try {
    for (let k = start; k < plan.stages.length; k++) {
      let stage = plan.stages[k]!;
      const later = estimates.slice(k + 1).reduce((a, b) => a + b, 0);
      const before = tiles;
      if (stage.kind === 'effects' && needsPixels(stage)) {
        // Estimated once over the whole input; every tile gets the same σ.
        if (isResident(image)) throw new Error('Denoise needs its input as pixels.');
        const sigma = estimateSigma(image);
        const entries = stage.layout.entries.map((e) => {
          if (!needsNoiseEstimate(e)) return e;
          noise[e.layer.id] = sigma;
          return resolveNoise(e, sigma);
        });
        stage = { ...stage, layout: { ...stage.layout, entries } };
      }
      const hooks: StageHooks = {
        ...(request.budget ? { budget: request.budget } : {}),
        onTile: (done, total) => onTile?.(before + done, before + total + later),
        keep: k < last && !needsPixels(plan.stages[k + 1]),
        origin: { image: input, key: originKey(k) },
        ...(region ? { frame: region.frame } : {}),
        ...(k === last && request.into && !finalSize && !region ? { into: request.into } : {}),
      };
      const { width, height }: { width: number; height: number } = image;
      const out: StageOutput<R> & { width?: number; height?: number } =
        stage.kind === 'scale'
          ? await runners.scale(image, stage, hooks)
          : await runners.effects(image, stage.layout, hooks);
      if (isNetwork(stage)) networks++;
      const size: { width: number; height: number } = {
        width: out.width ?? width,
        height: out.height ?? height,
      };
      const next: RgbaImage | R = 'resident' in out ? out.resident : { ...size, data: out.data };
      // The stage has read its input: a resident one is freed now (the next is in its place).
      if (isResident(image)) image.release();
      image = next;
      tiles += out.tiles;
      if (k === prefix) memo!.put(originKey(prefix + 1), input.data, image, noise);
    }
  } catch (error) {
    if (isResident(image)) image.release();
    throw error;
  }
  if (isResident(image)) {
    image.release();
    throw new Error('The last render stage returned no pixels.');
  }
  let result: RgbaImage = image;
  if (finalSize) result = downscale(result, finalSize.width, finalSize.height);
  if (region) result = cropOf(result, region.core);
  return { image: result, tiles, stages: plan.stages.length, noise, networks };
}
