/**
 * The GPU render path: a small render graph on WebGPU. Per tile, the image is uploaded once as
 * RGBA8 words, runs of point effects execute as one fused compute dispatch, area effects as their
 * separable passes, neural effects through ORT's WebGPU EP on the same GPUDevice (planar buffers
 * exchanged with `Tensor.fromGpuBuffer`, outputs kept on the GPU), and the result is read back
 * once. Pipelines are cached by generated code, so parameter changes only rewrite the uniforms.
 * A stack split into stages by a scaler (Upscale 2×) keeps its image on the GPU between stages:
 * a stage whose result a later stage reads writes its tiles' cores into a `GpuImage` (RGBA8 rows
 * in bands of buffers), and the next stage copies its crops out of it, so only the first stage
 * uploads and only the last reads back (one readback per tile of the output).
 * A lost device makes every later step throw RenderError `gpu-device-lost`.
 * Modules: `gpu-context` (device, loss, tracked buffers, transfer counts), `gpu-image` (GpuImage),
 * `gpu-pipelines` (WGSL pipeline cache), `gpu-networks` (ORT sessions), `gpu-tiles` (one tile).
 */
import type { StackLayout } from '../../src/shared/effects/registry';
import { planGpuSteps, uniformLayout } from '../../src/shared/effects/wgsl';
import type { ScaleStage } from '../../src/shared/effects/stages';
import { pasteTile, planTiles, scaleTile, type RgbaImage } from './image';
import type { StageHooks, StageOutput } from './pipeline';
import { GPU_SCALE_BUDGET, SCALE_UNPACK, scalePackShader } from './scale';
import { GpuContext } from './gpu-context';
import { GpuImage, type Band } from './gpu-image';
import { GpuNetworks, type NeuralLoaders } from './gpu-networks';
import { GpuPipelines, dispatch } from './gpu-pipelines';
import { TileBufferCache, finishTile, loadCrop, renderTile } from './gpu-tiles';

/** Requests a device with the adapter's full buffer limits (tiles and ORT both need them). */
export async function requestRenderDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const l = adapter.limits;
  return adapter.requestDevice({
    requiredFeatures: adapter.features.has('shader-f16') ? ['shader-f16'] : [],
    requiredLimits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxComputeWorkgroupSizeZ: l.maxComputeWorkgroupSizeZ,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
}

/** Counts of what crossed between CPU and GPU memory, and what is alive (tests, leak checks). */
export interface GpuStats {
  /** Image uploads (`writeBuffer` of pixels), one per tile of a stage that reads CPU pixels. */
  uploads: number;
  /** Image readbacks (`mapAsync`), one per tile of a stage whose result is returned as pixels. */
  readbacks: number;
  /** GPU buffers this renderer made and has not destroyed (the cached tile buffers included). */
  liveBuffers: number;
  /** ORT output tensors not yet disposed. */
  liveTensors: number;
  /** Network runs (ORT sessions run, one per tile of a neural effect or scaler). */
  networks: number;
}

const STORAGE = GPUBufferUsage.STORAGE;
const COPY_DST = GPUBufferUsage.COPY_DST;
const COPY_SRC = GPUBufferUsage.COPY_SRC;

/** Renders stacks and scalers tile by tile on one GPUDevice (see the purpose block above). */
export class GpuRenderer {
  readonly device: GPUDevice;
  readonly #ctx: GpuContext;
  readonly #pipelines: GpuPipelines;
  readonly #buffers: TileBufferCache;
  readonly #networks: GpuNetworks;
  #loseAfterTiles: number | undefined;

  constructor(device: GPUDevice, neural: NeuralLoaders | undefined) {
    this.device = device;
    this.#ctx = new GpuContext(device);
    this.#pipelines = new GpuPipelines(device);
    this.#buffers = new TileBufferCache(this.#ctx);
    this.#networks = new GpuNetworks(this.#ctx, neural);
  }

  get lost(): boolean {
    return this.#ctx.lost;
  }

  /** Test hook: destroy the device once `tiles` more tiles (of any stage) are done. */
  loseDeviceAfter(tiles: number): void {
    this.#loseAfterTiles = tiles;
  }

  /** What crossed between CPU and GPU so far, and what is alive now. */
  stats(): GpuStats {
    return {
      uploads: this.#ctx.uploads,
      readbacks: this.#ctx.readbacks,
      liveBuffers: this.#ctx.live.size,
      liveTensors: this.#networks.liveTensors,
      networks: this.#networks.runs,
    };
  }

  /** Destroys a buffer made by this renderer. */
  free(buffer: GPUBuffer): void {
    this.#ctx.free(buffer);
  }

  /**
   * A `width`×`height` RGBA8 image on the GPU in bands of at most `bandPixels` (at least one
   * row each; never over the device's buffer size).
   */
  #image(width: number, height: number, bandPixels: number): GpuImage {
    const maxPixels = Math.floor(this.device.limits.maxBufferSize / 4);
    const rows = Math.max(1, Math.floor(Math.min(bandPixels, maxPixels) / width));
    const bands: Band[] = [];
    try {
      for (let y = 0; y < height; y += rows) {
        const n = Math.min(rows, height - y);
        bands.push({ y, rows: n, buffer: this.#ctx.make(n * width * 4, COPY_SRC | COPY_DST) });
      }
    } catch (error) {
      for (const b of bands) this.free(b.buffer);
      throw error;
    }
    return new GpuImage(this, width, height, bands);
  }

  /** A GPU copy of `image` with the same bands. @throws RenderError `gpu-device-lost` */
  copyImage(image: GpuImage): GpuImage {
    this.#ctx.check();
    const copy = this.#image(image.width, image.height, image.bands[0]!.rows * image.width);
    const encoder = this.device.createCommandEncoder();
    image.bands.forEach((b, k) => {
      encoder.copyBufferToBuffer(b.buffer, 0, copy.bands[k]!.buffer, 0, b.rows * image.width * 4);
    });
    this.device.queue.submit([encoder.finish()]);
    return copy;
  }

  /** After each tile: the device-loss test hook, then the caller's hook, then a loss check. */
  async #tileDone(hooks: StageHooks, done: number, total: number): Promise<void> {
    if (this.#loseAfterTiles !== undefined && --this.#loseAfterTiles <= 0) {
      this.#loseAfterTiles = undefined;
      this.device.destroy();
    }
    await hooks.onTile?.(done, total);
    this.#ctx.check();
  }

  /** A pixel budget per tile crop that fits the device's binding limits. */
  budget(): number {
    const l = this.device.limits;
    const perBinding = Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize) / 16;
    // Four vec4f images per tile at 16 B/px: 4 MP keeps a tile near 256 MB of GPU memory.
    return Math.max(64 * 64, Math.min(perBinding, 4 << 20));
  }

  /** Builds the pipelines `layout` needs ahead of its first render. @throws RenderError */
  async prepare(layout: StackLayout): Promise<void> {
    this.#ctx.check();
    await this.#pipelines.build(planGpuSteps(layout.entries));
  }

  /**
   * Renders `image` (pixels, or a previous stage's GpuImage) through `layout`, tile by tile.
   * With `hooks.keep` the result stays on the GPU (`{ resident }`, the caller releases it);
   * otherwise each tile is read back once.
   * @throws RenderError `gpu-device-lost` or `gpu-failed`; whatever `hooks.onTile` throws.
   */
  async render(
    image: RgbaImage | GpuImage,
    layout: StackLayout,
    hooks: StageHooks = {},
  ): Promise<StageOutput<GpuImage>> {
    this.#ctx.check();
    const budget = hooks.budget ?? this.budget();
    const tiles = planTiles(image.width, image.height, layout.reach, budget);
    const steps = planGpuSteps(layout.entries);
    const { bases, length } = uniformLayout(layout.entries);
    const params = new Float32Array(length);
    layout.entries.forEach((e, k) => params.set(e.uniforms, bases[k]));
    const frame = hooks.frame;
    params.set([0, 0, 0, 0, frame?.width ?? image.width, frame?.height ?? image.height, 0, 0]);
    const maxCrop = Math.max(...tiles.map((t) => t.crop.w * t.crop.h));
    const pipelines = await this.#pipelines.build(steps);
    this.#ctx.check();
    const buffers = this.#buffers.ensure(maxCrop, length);
    const sink = hooks.keep ? this.#image(image.width, image.height, budget) : undefined;
    const out =
      sink || tiles.length === 1 ? undefined : new Uint8Array(image.width * image.height * 4);
    let single: Uint8Array | undefined;
    try {
      for (let i = 0; i < tiles.length; i++) {
        const tile = tiles[i]!;
        const pixels = await renderTile(
          this.#ctx,
          this.#networks,
          image,
          tile,
          steps,
          pipelines,
          buffers,
          params,
          sink,
          frame,
        );
        if (out) pasteTile(out, image.width, tile, pixels!);
        else single = pixels;
        await this.#tileDone(hooks, i + 1, tiles.length);
      }
    } catch (error) {
      sink?.release();
      throw error;
    }
    if (sink) return { resident: sink, tiles: tiles.length };
    return { data: out ?? single!, tiles: tiles.length };
  }

  /** Input pixels per scaler tile: its output tile's planar floats must fit one binding. */
  scaleBudget(factor: number): number {
    const l = this.device.limits;
    const perBinding =
      Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize) / (12 * factor ** 2);
    return Math.max(64 * 64, Math.min(perBinding, GPU_SCALE_BUDGET));
  }

  /**
   * Runs a scaler (e.g. Upscale 2×) over `image` (pixels, or a previous stage's GpuImage), tile
   * by tile: each crop is unpacked to planar floats on the GPU, run through ORT's WebGPU session
   * on this device (its output stays a GPU buffer) and packed back to RGBA8 at `factor`× its
   * size; the output tile's core goes into a GpuImage (`hooks.keep`) or is read back once.
   * @throws RenderError `gpu-device-lost`, `gpu-failed`; whatever `hooks.onTile` throws.
   */
  async renderScaled(
    image: RgbaImage | GpuImage,
    stage: ScaleStage,
    hooks: StageHooks = {},
  ): Promise<StageOutput<GpuImage> & { width: number; height: number }> {
    this.#ctx.check();
    const f = stage.factor;
    const width = image.width * f;
    const height = image.height * f;
    const budget = hooks.budget ?? this.scaleBudget(f);
    const tiles = planTiles(image.width, image.height, stage.reach, budget);
    const [unpack, pack] = await Promise.all([
      this.#pipelines.get(SCALE_UNPACK),
      this.#pipelines.get(scalePackShader(f)),
    ]);
    const session = await this.#networks.session(stage.def.modelId);
    const ort = await this.#networks.ort();
    this.#ctx.check();
    const d = this.device;
    const maxCrop = Math.max(...tiles.map((t) => t.crop.w * t.crop.h));
    const made: GPUBuffer[] = [];
    const make = (size: number, usage: number) => {
      const b = this.#ctx.make(size, usage);
      made.push(b);
      return b;
    };
    let sink: GpuImage | undefined;
    const out = hooks.keep ? undefined : new Uint8Array(width * height * 4);
    try {
      const packedIn = make(maxCrop * 4, STORAGE | COPY_DST);
      const planar = make(maxCrop * 12, STORAGE | COPY_SRC | COPY_DST);
      const params = make(16, STORAGE | COPY_DST);
      const packedOut = make(maxCrop * f * f * 4, STORAGE | COPY_SRC);
      const staging = out
        ? make(maxCrop * f * f * 4, GPUBufferUsage.MAP_READ | COPY_DST)
        : undefined;
      if (hooks.keep) sink = this.#image(width, height, budget * f * f);
      for (let i = 0; i < tiles.length; i++) {
        const tile = tiles[i]!;
        const { crop } = tile;
        d.queue.writeBuffer(params, 0, new Float32Array([crop.w, crop.h, 0, 0]));
        let encoder = d.createCommandEncoder();
        loadCrop(this.#ctx, encoder, image, crop, packedIn);
        dispatch(d, encoder, unpack, { 0: packedIn, 1: planar, 2: params }, crop.w, crop.h);
        d.queue.submit([encoder.finish()]);
        const net = await this.#networks.run(session, ort, planar, crop.w, crop.h, stage.def.name);
        let pixels: Uint8Array | undefined;
        try {
          encoder = d.createCommandEncoder();
          dispatch(
            d,
            encoder,
            pack,
            { 0: packedIn, 3: net.buffer, 1: packedOut, 2: params },
            crop.w * f,
            crop.h * f,
          );
          pixels = await finishTile(
            this.#ctx,
            encoder,
            packedOut,
            scaleTile(tile, f),
            sink,
            staging,
          );
        } finally {
          // Both finishes wait for the queue (mapAsync or onSubmittedWorkDone) before this.
          net.dispose();
        }
        if (out) pasteTile(out, width, scaleTile(tile, f), pixels!);
        await this.#tileDone(hooks, i + 1, tiles.length);
      }
    } catch (error) {
      sink?.release();
      throw error;
    } finally {
      for (const b of made) this.free(b);
    }
    if (sink) return { resident: sink, tiles: tiles.length, width, height };
    return { data: out!, tiles: tiles.length, width, height };
  }

  /** Frees buffers, pipelines and sessions (the device stays with its owner). */
  async dispose(): Promise<void> {
    this.#buffers.release();
    // Whatever is still alive (a kept preview's image) goes too: the device may stay.
    for (const buffer of [...this.#ctx.live]) this.free(buffer);
    this.#pipelines.clear();
    await this.#networks.dispose();
  }
}
