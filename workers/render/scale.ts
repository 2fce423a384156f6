/**
 * Scalers (size-changing networks, e.g. Upscale 2×) on both paths, tile by tile. A scaler's tiles
 * are planned on its input with its reach as the halo (input pixels); each crop's output is
 * `factor` times larger and its core is pasted at `factor` × the input position.
 *
 * - CPU: the model is wrapped into one ONNX graph (RGBA8 in → float planar → network → clamp →
 *   RGBA8 out, alpha repeated to the new size) run on ORT's WASM backend.
 * - GPU: the same math as two WGSL passes around ORT's WebGPU session (see GpuRenderer.renderScaled):
 *   `SCALE_UNPACK` (RGBA8 words → planar floats) and `scalePackShader` (network output → RGBA8,
 *   alpha from the input pixel it came from). Both round with round-half-even, as ONNX's Round.
 */
import { DT, GraphBuilder, decodeModel, inlineModel } from '../../src/shared/effects/onnx-graph';
import type { ScaleStage } from '../../src/shared/effects/stages';
import { RenderError } from '../../src/shared/errors/render';
import { asRunner, type TileHooks } from './cpu';
import { pasteTile, planTiles, scaleTile, type RgbaImage, type Tile } from './image';
import { runTiles } from './lanes';
import type { OrtModule, SessionRunner } from './session-runner';

/** Input pixels per scaler tile crop on the CPU: 512² → a 1 MP output tile, ~1 s on one thread. */
export const CPU_SCALE_BUDGET = 512 * 512;
/**
 * On the GPU the same 512² input crops: each 32-channel activation of the net is then 32 MB (at
 * 1024², 128 MB, too much next to a tablet's other buffers); the 6 px halo costs ~5% extra work.
 */
export const GPU_SCALE_BUDGET = 512 * 512;

/** The tiles of a scaler over a `width`×`height` input (`parallel`: the runner's lanes). */
export function scaleTiles(
  stage: ScaleStage,
  width: number,
  height: number,
  budget: number,
  parallel = 1,
): Tile[] {
  return planTiles(width, height, stage.reach, budget, parallel);
}

/**
 * Wraps a scaler's ONNX model: `image` uint8 [1,h,w,4] → `out` uint8 [1,f·h,f·w,4].
 * @throws Error when the model has no output.
 */
export function scalerModel(model: Uint8Array, factor: number): Uint8Array {
  const g = new GraphBuilder();
  const image = g.input('image', DT.uint8, [1, 'h', 'w', 4]);
  const planes = g.op('Transpose', [image], { perm: { ints: [0, 3, 1, 2] } });
  const rgb = g.op('Slice', [planes, g.i64([0]), g.i64([3]), g.i64([1])]);
  const alpha = g.op('Slice', [planes, g.i64([3]), g.i64([4]), g.i64([1])]);
  const x = g.op('Div', [g.op('Cast', [rgb], { to: { i: DT.float } }), g.f32(255)]);
  const y = g.op('Clip', [inlineModel(g, decodeModel(model), x), g.f32(0, []), g.f32(1, [])]);
  const bytes = g.op('Cast', [g.op('Round', [g.op('Mul', [y, g.f32(255)])])], {
    to: { i: DT.uint8 },
  });
  // Each input alpha repeated into its f×f output block: f² equal channels, then DepthToSpace.
  const a = g.op('Cast', [alpha], { to: { i: DT.float } });
  const copies = g.op('Concat', Array<string>(factor * factor).fill(a), { axis: { i: 1 } });
  const up = g.op('DepthToSpace', [copies], { blocksize: { i: factor }, mode: { s: 'DCR' } });
  const rgba = g.op('Concat', [bytes, g.op('Cast', [up], { to: { i: DT.uint8 } })], {
    axis: { i: 1 },
  });
  g.alias(g.op('Transpose', [rgba], { perm: { ints: [0, 2, 3, 1] } }), 'out');
  g.output('out', DT.uint8, [1, 'H', 'W', 4]);
  return g.encode('atelier-scaler');
}

/** A scaler on ORT's WASM backend (in this thread or the lanes); models cached per network. */
export class CpuScaler {
  readonly #runner: SessionRunner;
  readonly #loadModel: (modelId: string) => Promise<Uint8Array>;
  readonly #models = new Map<string, Promise<Uint8Array>>();

  constructor(
    runner: OrtModule | SessionRunner,
    loadModel: (modelId: string) => Promise<Uint8Array>,
  ) {
    this.#runner = asRunner(runner);
    this.#loadModel = loadModel;
  }

  #key(stage: ScaleStage): string {
    return `scale:${stage.def.modelId}×${stage.factor}`;
  }

  #model(stage: ScaleStage): Promise<Uint8Array> {
    const key = this.#key(stage);
    let p = this.#models.get(key);
    if (!p) {
      p = this.#loadModel(stage.def.modelId).then((bytes) => scalerModel(bytes, stage.factor));
      this.#models.set(key, p);
      p.catch(() => this.#models.delete(key));
    }
    return p;
  }

  /** Creates the scaler's session(s) ahead of a render. @throws RenderError `model-unavailable`, `cpu-failed` */
  prepare(stage: ScaleStage): Promise<void> {
    return this.#runner
      .prepare(this.#key(stage), () => this.#model(stage))
      .catch((cause) => {
        throw this.#failure(stage, cause);
      });
  }

  #failure(stage: ScaleStage, cause: unknown): unknown {
    if (!(cause instanceof RenderError) || cause.code !== 'cpu-failed') return cause;
    return new RenderError('cpu-failed', `${stage.def.name} failed on the CPU: ${cause.message}`, {
      cause,
    });
  }

  /**
   * Scales `image` tile by tile (`hooks.budget`: input pixels per crop), tiles side by side in
   * the runner's lanes.
   * @throws RenderError `cpu-failed`, `model-unavailable`; whatever `hooks.onTile` throws.
   */
  async render(
    image: RgbaImage,
    stage: ScaleStage,
    hooks: TileHooks = {},
  ): Promise<{ data: Uint8Array; tiles: number; width: number; height: number }> {
    const f = stage.factor;
    const width = image.width * f;
    const height = image.height * f;
    const lanes = this.#runner.lanes;
    const tiles = scaleTiles(
      stage,
      image.width,
      image.height,
      hooks.budget ?? CPU_SCALE_BUDGET,
      lanes,
    );
    const out = new Uint8Array(width * height * 4);
    try {
      await runTiles(
        image,
        tiles,
        lanes,
        ({ pixels, owned }, crop, live) =>
          this.#runner.run(
            this.#key(stage),
            () => this.#model(stage),
            { image: { type: 'uint8', data: pixels, dims: [1, crop.h, crop.w, 4] } },
            owned ? [pixels.buffer as ArrayBuffer] : [],
            live,
          ),
        (tile, result) => pasteTile(out, width, scaleTile(tile, f), result),
        hooks.onTile,
      );
    } catch (cause) {
      throw this.#failure(stage, cause);
    }
    return { data: out, tiles: tiles.length, width, height };
  }

  async dispose(): Promise<void> {
    this.#models.clear();
    await this.#runner.dispose();
  }
}

/** WGSL: RGBA8 words → planar [3,h,w] floats in [0, 1]. Binding 0: words, 1: planar, 2: [w, h]. */
export const SCALE_UNPACK = `@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> P: array<f32>;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = vec2u(u32(P[0]), u32(P[1]));
  if (id.x >= dims.x || id.y >= dims.y) { return; }
  let n = dims.x * dims.y;
  let idx = id.y * dims.x + id.x;
  let v = src[idx];
  dst[idx] = f32(v & 255u) / 255.0;
  dst[n + idx] = f32((v >> 8u) & 255u) / 255.0;
  dst[2u * n + idx] = f32((v >> 16u) & 255u) / 255.0;
}
`;

/**
 * WGSL: a scaler's planar [3, f·h, f·w] output → RGBA8 words, alpha from the input pixel each
 * output pixel came from. Binding 0: input words, 3: network output, 1: output words, 2: [w, h].
 */
export function scalePackShader(factor: number): string {
  return `@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(3) var<storage, read> net: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<storage, read> P: array<f32>;
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let inDims = vec2u(u32(P[0]), u32(P[1]));
  let dims = inDims * ${factor}u;
  if (id.x >= dims.x || id.y >= dims.y) { return; }
  let n = dims.x * dims.y;
  let idx = id.y * dims.x + id.x;
  let a = src[(id.y / ${factor}u) * inDims.x + id.x / ${factor}u] >> 24u;
  let c = vec3f(net[idx], net[n + idx], net[2u * n + idx]);
  let q = vec3u(round(clamp(c, vec3f(0.0), vec3f(1.0)) * 255.0));
  dst[idx] = q.x | (q.y << 8u) | (q.z << 16u) | (a << 24u);
}
`;
}
