/**
 * The CPU render path. With `engine` on (the render worker), a stack of classic effects runs on
 * the CPU engine (./engine: one WebAssembly module, the stack as fused passes over each crop);
 * any other stack (a network, an effect the engine does not know) compiles into one ONNX model
 * (src/shared/effects/compile-onnx) run by onnxruntime-web's WASM backend — the Node reference
 * renderer the tests compare against. Models are cached by the stack's structure key, so a
 * parameter change only re-runs the session with new uniforms. Where crops render is a
 * `SessionRunner` (./lanes): this thread (`ort` passed in: Node tests import `onnxruntime-web`),
 * or the render worker's lanes, which render an image's tiles side by side.
 */
import { compileStack, uniformInputName } from '../../src/shared/effects/compile-onnx';
import { decodeModel, type DecodedModel } from '../../src/shared/effects/onnx-graph';
import type { StackLayout } from '../../src/shared/effects/registry';
import { RenderError } from '../../src/shared/errors/render';
import { planEngine, type EnginePlan } from './engine/plan';
import {
  cropImage,
  MIN_BAND_PIXELS,
  pasteTile,
  planTiles,
  type Rect,
  type RgbaImage,
  type Tile,
} from './image';
import { LaneChoice } from './lane-choice';
import { Spares } from './spares';
import { retryLaneCrash, runTiles } from './lanes';
import {
  LocalRunner,
  RecentCache,
  type Feeds,
  type OrtModule,
  type SessionRunner,
} from './session-runner';

export type { OrtModule } from './session-runner';

export interface TileHooks {
  /** Called after each tile; throw (e.g. an AbortError) to stop between tiles. */
  onTile?: (done: number, total: number) => void | Promise<void>;
  /**
   * Pixels per tile crop. Default: 1 MP, or (16 × reach)² when larger so halos stay small. 1 MP
   * crops keep ORT's intermediates (a blur's im2col buffer is 2R+1 images) near the cache: a
   * 12 MP render takes ~20% less CPU than with 4 MP crops (Node, one thread).
   */
  budget?: number;
  /**
   * The image is the `frame.width`×`frame.height` frame's pixels from (`frame.x`, `frame.y`) on
   * (a region render): effects that read a pixel's place (vignette, grain) see frame coordinates.
   */
  frame?: { x: number; y: number; width: number; height: number };
  /**
   * A buffer the caller is done with, for the result to be written into when it is the
   * result's size (see EngineJob.into); on the CPU engine only.
   */
  into?: Uint8Array;
}

/** A runner for `ort` in this thread, or the runner itself (e.g. the render worker's lanes). */
export function asRunner(target: OrtModule | SessionRunner): SessionRunner {
  return 'lanes' in target ? target : new LocalRunner(target);
}

export class CpuRenderer {
  readonly #runner: SessionRunner;
  readonly #loadModel: (modelId: string) => Promise<Uint8Array>;
  /** Compiled models by structure key, the recent ones (as the runners' sessions). */
  readonly #compiled = new RecentCache<Uint8Array>();
  readonly #models = new Map<string, Promise<DecodedModel>>();
  readonly #engine: boolean;
  /** Models compiled so far (tests check the cache with it). */
  created = 0;
  /** Crops rendered by the CPU engine so far (tests). */
  engineCrops = 0;
  /**
   * Side by side on the lanes or on one, by which has been faster lately (./lane-choice), kept
   * per stack structure: what pays differs between stacks (the lanes' fixed cost per render
   * outweighs what they save on a single point effect, not on a blur), and one choice for all
   * of them swung back and forth on the others' figures.
   */
  readonly #choices = new Map<string, LaneChoice>();
  /** False: always side by side (tests of the lanes themselves). */
  readonly #measureLanes: boolean;
  /**
   * This thread's runner, for the engine's renders on one lane: a crop posted to a lane and back
   * costs ~6 ms of messages at 1 MP (Chromium), as much as a short stack's whole render.
   */
  readonly #local: SessionRunner | undefined;
  /** Tile results already pasted, for the next render's tiles to be written into (./spares). */
  readonly #spares = new Spares();

  /** `options.engine`: classic stacks on the CPU engine (otherwise every stack on ORT). */
  constructor(
    runner: OrtModule | SessionRunner,
    loadModel: (modelId: string) => Promise<Uint8Array> = (id) =>
      Promise.reject(new RenderError('model-unavailable', `No model loader for “${id}”.`)),
    options: { engine?: boolean; alwaysSideBySide?: boolean; local?: SessionRunner } = {},
  ) {
    this.#runner = asRunner(runner);
    this.#local = options.local;
    this.#loadModel = loadModel;
    this.#engine = options.engine ?? false;
    this.#measureLanes = !options.alwaysSideBySide;
  }

  /** The engine's plan for `layout` (null: ORT renders it). */
  #plan(layout: StackLayout): EnginePlan | null {
    return this.#engine ? planEngine(layout) : null;
  }

  async #decoded(modelId: string): Promise<DecodedModel> {
    let p = this.#models.get(modelId);
    if (!p) {
      p = this.#loadModel(modelId).then(decodeModel);
      this.#models.set(modelId, p);
      p.catch(() => this.#models.delete(modelId));
    }
    return p;
  }

  /** The stack's model (compiled once per structure while it is among the recent ones). */
  #model(layout: StackLayout): Promise<Uint8Array> {
    const cached = this.#compiled.get(layout.key);
    if (cached) return cached;
    const p = (async () => {
      const models = new Map<string, DecodedModel>();
      for (const e of layout.entries) {
        if (e.def.kind === 'neural') models.set(e.def.modelId, await this.#decoded(e.def.modelId));
      }
      const bytes = compileStack(layout, models);
      this.created += 1;
      return bytes;
    })();
    this.#compiled.set(layout.key, p);
    return p;
  }

  /**
   * Compiles the stack and creates its session(s) ahead of a render.
   * @throws RenderError `cpu-failed`, `model-unavailable`
   */
  prepare(layout: StackLayout): Promise<void> {
    if (this.#plan(layout)) return Promise.resolve();
    return this.#runner.prepare(`stack:${layout.key}`, () => this.#model(layout));
  }

  /**
   * Renders one crop (no tiling). `owned` pixels may be handed to a lane without a copy;
   * `proceed` may call the run off once a lane is free (see SessionRunner.run); `into`: a buffer
   * the engine may write the result into (see EngineJob.into; handed over to a lane); `stride`:
   * pixels from one row of `pixels` to the next, when not the crop's width (the engine only).
   */
  async renderCrop(
    layout: StackLayout,
    pixels: Uint8Array,
    crop: { x: number; y: number; w: number; h: number },
    full: { width: number; height: number },
    options: {
      owned?: boolean;
      proceed?: () => boolean;
      plan?: EnginePlan | null;
      runner?: SessionRunner;
      into?: Uint8Array;
      stride?: number;
    } = {},
  ): Promise<Uint8Array> {
    const { owned = false, proceed, into, stride } = options;
    const plan = options.plan === undefined ? this.#plan(layout) : options.plan;
    const runner = options.runner ?? this.#runner;
    const transfer = owned ? [pixels.buffer as ArrayBuffer] : [];
    if (plan) {
      this.engineCrops += 1;
      if (into && into.buffer instanceof ArrayBuffer) transfer.push(into.buffer);
      return runner.engine(
        { plan, pixels, crop, full, ...(into ? { into } : {}), ...(stride ? { stride } : {}) },
        transfer,
        proceed,
      );
    }
    const feeds: Feeds = {
      image: { type: 'uint8', data: pixels, dims: [1, crop.h, crop.w, 4] },
      ctx: {
        type: 'float32',
        data: new Float32Array([crop.x, crop.y, full.width, full.height]),
        dims: [4],
      },
    };
    layout.entries.forEach((e, k) => {
      const u = Float32Array.from(e.uniforms);
      feeds[uniformInputName(k)] = { type: 'float32', data: u, dims: [u.length] };
    });
    return this.#runner.run(
      `stack:${layout.key}`,
      () => this.#model(layout),
      feeds,
      transfer,
      proceed,
    );
  }

  /** The lane choice of a stack structure (the last 16 structures are kept). */
  lanesChoice(layout: StackLayout): LaneChoice {
    let c = this.#choices.get(layout.key);
    if (c) {
      this.#choices.delete(layout.key); // most recent last
    } else {
      c = new LaneChoice();
      if (this.#choices.size >= 16) this.#choices.delete(this.#choices.keys().next().value!);
    }
    this.#choices.set(layout.key, c);
    return c;
  }

  /**
   * Renders a whole image, tiled by the budget (and cut into bands for the runner's lanes, while
   * side by side measures faster than one lane), returning new RGBA bytes.
   * @throws RenderError `cpu-failed`, `model-unavailable`; whatever `hooks.onTile` throws.
   */
  async render(
    image: RgbaImage,
    layout: StackLayout,
    hooks: TileHooks = {},
  ): Promise<{
    data: Uint8Array;
    tiles: number;
  }> {
    // Images big enough for bands go side by side only while that measures faster than one lane.
    // A stack with a network always does: it is compute-bound (a second per megapixel, where
    // the bands' halos and messages cost a few ms), and its times would drown the choice that the
    // classic stacks' (tens of ms) need.
    const choosing =
      this.#measureLanes &&
      this.#runner.lanes > 1 &&
      image.width * image.height >= 2 * MIN_BAND_PIXELS &&
      !layout.entries.some((e) => e.def.kind === 'neural');
    const choice = choosing ? this.lanesChoice(layout) : undefined;
    const sideBySide = !choice || choice.sideBySide();
    const lanes = sideBySide ? this.#runner.lanes : 1;
    const started = performance.now();
    const result = await this.#render(image, layout, hooks, lanes);
    choice?.record(sideBySide, performance.now() - started, image.width * image.height);
    return result;
  }

  async #render(
    image: RgbaImage,
    layout: StackLayout,
    hooks: TileHooks,
    lanes: number,
  ): Promise<{ data: Uint8Array; tiles: number }> {
    const plan = this.#plan(layout);
    const frame = hooks.frame;
    const full = frame ?? image;
    const place = (c: Rect): Rect => (frame ? { ...c, x: c.x + frame.x, y: c.y + frame.y } : c);
    const tiles: Tile[] = planTiles(
      image.width,
      image.height,
      layout.reach,
      hooks.budget ?? Math.max(1 << 20, (16 * layout.reach) ** 2),
      lanes,
    );
    if (tiles.length === 1) {
      const crop = tiles[0]!.crop;
      // One crop of the engine's: rendered here when this thread has its own runner.
      const runner = plan && this.#local ? this.#local : this.#runner;
      // A lane that died under it took `into` with it (detached): the retry writes into new memory.
      const data = await retryLaneCrash(() => {
        const into = hooks.into?.byteLength ? hooks.into : undefined;
        return this.renderCrop(layout, cropImage(image, crop), place(crop), full, {
          plan,
          runner,
          ...(into ? { into } : {}),
        });
      });
      await hooks.onTile?.(1, 1);
      return { data, tiles: 1 };
    }
    const bytes = image.width * image.height * 4;
    const out = hooks.into?.length === bytes ? hooks.into : new Uint8Array(bytes);
    // Each tile's result comes back in a spare buffer of an earlier render's tile, when there is one.
    await runTiles(
      image,
      tiles,
      lanes,
      ({ pixels, owned, stride }, crop, live) => {
        const into = plan ? this.#spares.take(crop.w * crop.h * 4) : undefined;
        return this.renderCrop(layout, pixels, place(crop), full, {
          owned,
          proceed: live,
          plan,
          ...(into ? { into } : {}),
          ...(stride !== crop.w ? { stride } : {}),
        });
      },
      (tile, result) => {
        pasteTile(out, image.width, tile, result);
        if (plan) this.#spares.give(result);
      },
      hooks.onTile,
      // The engine reads its tiles in place from shared pixels (ORT takes copies).
      !!plan,
    );
    return { data: out, tiles: tiles.length };
  }

  /** Releases every session. */
  async dispose(): Promise<void> {
    await this.#compiled.clear();
    await this.#runner.dispose();
    await this.#local?.dispose();
  }
}
