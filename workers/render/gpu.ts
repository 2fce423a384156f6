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
 */
import type * as Ort from 'onnxruntime-web';
import type { StackLayout } from '../../src/shared/effects/registry';
import {
  TO_PLANAR,
  areaShader,
  fromPlanarShader,
  planGpuSteps,
  pointShader,
  type GpuStep,
  uniformLayout,
} from '../../src/shared/effects/wgsl';
import type { ScaleStage } from '../../src/shared/effects/stages';
import { RenderError } from '../../src/shared/errors/render';
import {
  cropImage,
  pasteTile,
  planTiles,
  scaleTile,
  type RgbaImage,
  type Rect,
  type Tile,
} from './image';
import type { StageHooks, StageOutput } from './pipeline';
import { GPU_SCALE_BUDGET, SCALE_UNPACK, scalePackShader } from './scale';

type OrtModule = typeof Ort;

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

interface Buffers {
  capacity: number;
  packedIn: GPUBuffer;
  packedOut: GPUBuffer;
  staging: GPUBuffer;
  images: GPUBuffer[];
  planar: GPUBuffer;
  params: GPUBuffer;
  paramsLength: number;
}

type Step = GpuStep;

/** One horizontal band of a `GpuImage`: rows `y … y + rows − 1` as RGBA8, tightly packed. */
interface Band {
  y: number;
  rows: number;
  buffer: GPUBuffer;
}

/**
 * An RGBA8 image in GPU memory between render stages, its rows in bands of buffers (each at
 * most the band budget and the device's buffer size, so any image within the render budget
 * fits). Made and freed by a `GpuRenderer`; `release` is idempotent.
 */
export class GpuImage {
  readonly width: number;
  readonly height: number;
  readonly bands: readonly Band[];
  readonly #renderer: GpuRenderer;
  #released = false;

  constructor(renderer: GpuRenderer, width: number, height: number, bands: Band[]) {
    this.#renderer = renderer;
    this.width = width;
    this.height = height;
    this.bands = bands;
  }

  /** The band holding row `y`. */
  band(y: number): Band {
    for (const b of this.bands) if (y < b.y + b.rows) return b;
    throw new Error(`Row ${y} is outside a ${this.width}×${this.height} image.`);
  }

  /** A copy on the GPU (no readback). @throws RenderError `gpu-device-lost` */
  clone(): GpuImage {
    return this.#renderer.copyImage(this);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const b of this.bands) this.#renderer.free(b.buffer);
  }
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

export class GpuRenderer {
  readonly device: GPUDevice;
  #pipelines = new Map<string, Promise<GPUComputePipeline>>();
  #buffers: Buffers | undefined;
  #lost: string | undefined;
  #loseAfterTiles: number | undefined;
  #ort: (() => Promise<OrtModule>) | undefined;
  #loadModel: ((id: string) => Promise<Uint8Array>) | undefined;
  #sessions = new Map<string, Promise<Ort.InferenceSession>>();
  #live = new Set<GPUBuffer>();
  #liveTensors = 0;
  #uploads = 0;
  #readbacks = 0;
  #networks = 0;

  constructor(
    device: GPUDevice,
    neural:
      { ort: () => Promise<OrtModule>; loadModel: (id: string) => Promise<Uint8Array> } | undefined,
  ) {
    this.device = device;
    this.#ort = neural?.ort;
    this.#loadModel = neural?.loadModel;
    void device.lost.then((info) => {
      this.#lost = info.message || info.reason || 'lost';
    });
  }

  get lost(): boolean {
    return this.#lost !== undefined;
  }

  /** Test hook: destroy the device once `tiles` more tiles (of any stage) are done. */
  loseDeviceAfter(tiles: number): void {
    this.#loseAfterTiles = tiles;
  }

  /** What crossed between CPU and GPU so far, and what is alive now. */
  stats(): GpuStats {
    return {
      uploads: this.#uploads,
      readbacks: this.#readbacks,
      liveBuffers: this.#live.size,
      liveTensors: this.#liveTensors,
      networks: this.#networks,
    };
  }

  /** A buffer this renderer tracks until `free`. */
  #make(size: number, usage: number): GPUBuffer {
    const buffer = this.device.createBuffer({ size: Math.max(16, size), usage });
    this.#live.add(buffer);
    return buffer;
  }

  /** Destroys a buffer made by this renderer. */
  free(buffer: GPUBuffer): void {
    if (this.#live.delete(buffer)) buffer.destroy();
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
        bands.push({ y, rows: n, buffer: this.#make(n * width * 4, COPY_SRC | COPY_DST) });
      }
    } catch (error) {
      for (const b of bands) this.free(b.buffer);
      throw error;
    }
    return new GpuImage(this, width, height, bands);
  }

  /** A GPU copy of `image` with the same bands. @throws RenderError `gpu-device-lost` */
  copyImage(image: GpuImage): GpuImage {
    this.#check();
    const copy = this.#image(image.width, image.height, image.bands[0]!.rows * image.width);
    const encoder = this.device.createCommandEncoder();
    image.bands.forEach((b, k) => {
      encoder.copyBufferToBuffer(b.buffer, 0, copy.bands[k]!.buffer, 0, b.rows * image.width * 4);
    });
    this.device.queue.submit([encoder.finish()]);
    return copy;
  }

  /**
   * Encodes row copies between a tightly packed buffer of `w`-wide rows and a GpuImage: row `r`
   * of the `rect` (image coordinates) is at row `r + dy`, column `dx` of the buffer. Rows that
   * are contiguous on both sides merge into one copy.
   */
  #copyRows(
    encoder: GPUCommandEncoder,
    image: GpuImage,
    rect: Rect,
    buffer: GPUBuffer,
    at: { w: number; dx: number; dy: number },
    toImage: boolean,
  ): void {
    let run: { band: Band; img: number; buf: number; size: number } | undefined;
    const flush = () => {
      if (!run) return;
      if (toImage) encoder.copyBufferToBuffer(buffer, run.buf, run.band.buffer, run.img, run.size);
      else encoder.copyBufferToBuffer(run.band.buffer, run.img, buffer, run.buf, run.size);
      run = undefined;
    };
    const size = rect.w * 4;
    for (let r = 0; r < rect.h; r++) {
      const y = rect.y + r;
      const band = image.band(y);
      const img = ((y - band.y) * image.width + rect.x) * 4;
      const buf = ((r + at.dy) * at.w + at.dx) * 4;
      if (run && run.band === band && run.img + run.size === img && run.buf + run.size === buf) {
        run.size += size;
      } else {
        flush();
        run = { band, img, buf, size };
      }
    }
    flush();
  }

  /** Puts the crop's RGBA8 words into `target`: an upload from memory, or copies on the GPU. */
  #load(
    encoder: GPUCommandEncoder,
    source: RgbaImage | GpuImage,
    crop: Rect,
    target: GPUBuffer,
  ): void {
    if (source instanceof GpuImage) {
      this.#copyRows(encoder, source, crop, target, { w: crop.w, dx: 0, dy: 0 }, false);
      return;
    }
    const input = cropImage(source, crop);
    this.device.queue.writeBuffer(target, 0, input.buffer, input.byteOffset, crop.w * crop.h * 4);
    this.#uploads++;
  }

  /**
   * Finishes a tile whose RGBA8 result (covering `tile.crop`) is in `result`: its core is copied
   * into `sink` on the GPU (and the queue drained, so progress and cancellation follow the GPU),
   * or, without a sink, read back once and returned.
   * @throws RenderError `gpu-device-lost`, `gpu-failed`
   */
  async #finish(
    encoder: GPUCommandEncoder,
    result: GPUBuffer,
    tile: Tile,
    sink: GpuImage | undefined,
    staging: GPUBuffer | undefined,
  ): Promise<Uint8Array | undefined> {
    const d = this.device;
    const { core, crop } = tile;
    if (sink) {
      this.#copyRows(
        encoder,
        sink,
        core,
        result,
        { w: crop.w, dx: core.x - crop.x, dy: core.y - crop.y },
        true,
      );
      d.queue.submit([encoder.finish()]);
      await d.queue.onSubmittedWorkDone();
      this.#check();
      return undefined;
    }
    const bytes = crop.w * crop.h * 4;
    encoder.copyBufferToBuffer(result, 0, staging!, 0, bytes);
    d.queue.submit([encoder.finish()]);
    try {
      this.#readbacks++;
      await staging!.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (cause) {
      this.#check();
      throw new RenderError(
        'gpu-failed',
        `Reading the rendered tile back failed: ${String(cause)}`,
        {
          cause,
        },
      );
    }
    const pixels = new Uint8Array(staging!.getMappedRange(0, bytes).slice(0));
    staging!.unmap();
    return pixels;
  }

  /** After each tile: the device-loss test hook, then the caller's hook, then a loss check. */
  async #tileDone(hooks: StageHooks, done: number, total: number): Promise<void> {
    if (this.#loseAfterTiles !== undefined && --this.#loseAfterTiles <= 0) {
      this.#loseAfterTiles = undefined;
      this.device.destroy();
    }
    await hooks.onTile?.(done, total);
    this.#check();
  }

  /** A pixel budget per tile crop that fits the device's binding limits. */
  budget(): number {
    const l = this.device.limits;
    const perBinding = Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize) / 16;
    // Four vec4f images per tile at 16 B/px: 4 MP keeps a tile near 256 MB of GPU memory.
    return Math.max(64 * 64, Math.min(perBinding, 4 << 20));
  }

  #check(): void {
    if (this.#lost !== undefined) {
      throw new RenderError('gpu-device-lost', `The GPU device was lost (${this.#lost}).`, {
        details: { reason: this.#lost },
      });
    }
  }

  async #pipeline(code: string): Promise<GPUComputePipeline> {
    let p = this.#pipelines.get(code);
    if (!p) {
      const device = this.device;
      p = (async () => {
        device.pushErrorScope('validation');
        const module = device.createShaderModule({ code });
        let pipeline: GPUComputePipeline | undefined;
        let failure: unknown;
        try {
          pipeline = await device.createComputePipelineAsync({
            layout: 'auto',
            compute: { module, entryPoint: 'main' },
          });
        } catch (e) {
          failure = e;
        }
        const error = await device.popErrorScope();
        if (error || !pipeline) {
          const info = await module.getCompilationInfo();
          const messages = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
          throw new RenderError(
            'gpu-failed',
            `A render shader failed to build: ${error?.message ?? String(failure)}`,
            { details: { messages } },
          );
        }
        return pipeline;
      })();
      this.#pipelines.set(code, p);
      p.catch(() => this.#pipelines.delete(code));
    }
    return p;
  }

  #ensureBuffers(pixels: number, paramsLength: number): Buffers {
    const b = this.#buffers;
    if (b && b.capacity >= pixels && b.paramsLength >= paramsLength) return b;
    this.#releaseBuffers();
    const make = (size: number, usage: number) => this.#make(size, usage);
    const next: Buffers = {
      capacity: pixels,
      packedIn: make(pixels * 4, STORAGE | COPY_DST),
      packedOut: make(pixels * 4, STORAGE | COPY_SRC),
      staging: make(pixels * 4, GPUBufferUsage.MAP_READ | COPY_DST),
      images: [0, 1, 2, 3].map(() => make(pixels * 16, STORAGE | COPY_SRC | COPY_DST)),
      planar: make(pixels * 12, STORAGE | COPY_SRC | COPY_DST),
      params: make(paramsLength * 4, STORAGE | COPY_DST),
      paramsLength,
    };
    this.#buffers = next;
    return next;
  }

  #releaseBuffers(): void {
    const b = this.#buffers;
    this.#buffers = undefined;
    if (!b) return;
    for (const buf of [b.packedIn, b.packedOut, b.staging, b.planar, b.params, ...b.images]) {
      this.free(buf);
    }
  }

  async #session(modelId: string): Promise<Ort.InferenceSession> {
    let s = this.#sessions.get(modelId);
    if (!s) {
      const ortLoader = this.#ort;
      const loadModel = this.#loadModel;
      if (!ortLoader || !loadModel) {
        throw new RenderError('gpu-failed', 'Neural effects need ORT on this GPU path.');
      }
      s = (async () => {
        const ort = await ortLoader();
        const bytes = await loadModel(modelId);
        try {
          return await ort.InferenceSession.create(bytes, {
            executionProviders: [
              {
                name: 'webgpu',
                device: this.device,
              } as Ort.InferenceSession.ExecutionProviderConfig,
            ],
            preferredOutputLocation: 'gpu-buffer',
          });
        } catch (cause) {
          throw new RenderError(
            'gpu-failed',
            `The neural effect could not start on the GPU: ${String(cause)}`,
            {
              cause,
            },
          );
        }
      })();
      this.#sessions.set(modelId, s);
      s.catch(() => this.#sessions.delete(modelId));
    }
    return s;
  }

  /** Builds the pipelines `layout` needs ahead of its first render. @throws RenderError */
  async prepare(layout: StackLayout): Promise<void> {
    this.#check();
    await this.#buildPipelines(planGpuSteps(layout.entries));
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
    this.#check();
    const budget = hooks.budget ?? this.budget();
    const tiles = planTiles(image.width, image.height, layout.reach, budget);
    const steps = planGpuSteps(layout.entries);
    const { bases, length } = uniformLayout(layout.entries);
    const params = new Float32Array(length);
    layout.entries.forEach((e, k) => params.set(e.uniforms, bases[k]));
    params.set([0, 0, 0, 0, image.width, image.height, 0, 0]);
    const maxCrop = Math.max(...tiles.map((t) => t.crop.w * t.crop.h));
    const pipelines = await this.#buildPipelines(steps);
    this.#check();
    const buffers = this.#ensureBuffers(maxCrop, length);
    const sink = hooks.keep ? this.#image(image.width, image.height, budget) : undefined;
    const out =
      sink || tiles.length === 1 ? undefined : new Uint8Array(image.width * image.height * 4);
    let single: Uint8Array | undefined;
    try {
      for (let i = 0; i < tiles.length; i++) {
        const tile = tiles[i]!;
        const pixels = await this.#renderTile(image, tile, steps, pipelines, buffers, params, sink);
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
    this.#check();
    const f = stage.factor;
    const width = image.width * f;
    const height = image.height * f;
    const budget = hooks.budget ?? this.scaleBudget(f);
    const tiles = planTiles(image.width, image.height, stage.reach, budget);
    const [unpack, pack] = await Promise.all([
      this.#pipeline(SCALE_UNPACK),
      this.#pipeline(scalePackShader(f)),
    ]);
    const session = await this.#session(stage.def.modelId);
    const ort = await this.#ort!();
    this.#check();
    const d = this.device;
    const maxCrop = Math.max(...tiles.map((t) => t.crop.w * t.crop.h));
    const made: GPUBuffer[] = [];
    const make = (size: number, usage: number) => {
      const b = this.#make(size, usage);
      made.push(b);
      return b;
    };
    const dispatch = this.#dispatch.bind(this);
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
        this.#load(encoder, image, crop, packedIn);
        dispatch(encoder, unpack, { 0: packedIn, 1: planar, 2: params }, crop.w, crop.h);
        d.queue.submit([encoder.finish()]);
        const net = await this.#runSession(session, ort, planar, crop.w, crop.h, stage.def.name);
        let pixels: Uint8Array | undefined;
        try {
          encoder = d.createCommandEncoder();
          dispatch(
            encoder,
            pack,
            { 0: packedIn, 3: net.buffer, 1: packedOut, 2: params },
            crop.w * f,
            crop.h * f,
          );
          pixels = await this.#finish(encoder, packedOut, scaleTile(tile, f), sink, staging);
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

  async #buildPipelines(steps: Step[]): Promise<GPUComputePipeline[][]> {
    const last = steps.length - 1;
    return Promise.all(
      steps.map((step, i) => {
        if (step.kind === 'point') {
          return Promise.all([this.#pipeline(pointShader(step.entries, i === 0, i === last))]);
        }
        if (step.kind === 'area') {
          const def = step.entry.def;
          if (def.kind !== 'area') throw new Error('unreachable');
          return Promise.all(def.passes.map((pass) => this.#pipeline(areaShader(pass, step.base))));
        }
        return Promise.all([
          this.#pipeline(TO_PLANAR),
          this.#pipeline(fromPlanarShader(step.base)),
        ]);
      }),
    );
  }

  /**
   * One tile through the steps: its crop loaded from pixels or a GpuImage, its result copied
   * into `sink` (returns nothing) or read back (returns the crop's pixels).
   */
  async #renderTile(
    source: RgbaImage | GpuImage,
    tile: Tile,
    steps: Step[],
    pipelines: GPUComputePipeline[][],
    b: Buffers,
    params: Float32Array,
    sink: GpuImage | undefined,
  ): Promise<Uint8Array | undefined> {
    const d = this.device;
    const { crop } = tile;
    params.set([crop.w, crop.h, crop.x, crop.y], 0);
    d.queue.writeBuffer(b.params, 0, params);
    let encoder = d.createCommandEncoder();
    this.#load(encoder, source, crop, b.packedIn);
    const dispatch = (pipeline: GPUComputePipeline, bindings: Record<number, GPUBuffer>) =>
      this.#dispatch(encoder, pipeline, bindings, crop.w, crop.h);
    // images[0] holds the current image; the others are the output and temporaries.
    const [a, bb, t1, t2] = b.images as [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];
    let cur = a;
    let next = bb;
    const last = steps.length - 1;
    for (let s = 0; s < steps.length; s++) {
      const step = steps[s]!;
      const ps = pipelines[s]!;
      if (step.kind === 'point') {
        const src = s === 0 ? b.packedIn : cur;
        const dst = s === last ? b.packedOut : next;
        dispatch(ps[0]!, { 0: src, 1: dst, 2: b.params });
      } else if (step.kind === 'area') {
        const def = step.entry.def;
        if (def.kind !== 'area') throw new Error('unreachable');
        const named = { in: cur, t1, t2, out: next };
        def.passes.forEach((pass, k) => {
          const bindings: Record<number, GPUBuffer> = {
            0: named[pass.reads[0]!],
            1: named[pass.writes],
            2: b.params,
          };
          if (pass.reads[1]) bindings[3] = named[pass.reads[1]];
          dispatch(ps[k]!, bindings);
        });
      } else {
        // A same-size network (e.g. Denoise): planar floats in, its GPU output mixed back in.
        const def = step.entry.def;
        if (def.kind !== 'neural') throw new Error('unreachable');
        dispatch(ps[0]!, { 0: cur, 1: b.planar, 2: b.params });
        d.queue.submit([encoder.finish()]);
        const session = await this.#session(def.modelId);
        const ort = await this.#ort!();
        const net = await this.#runSession(session, ort, b.planar, crop.w, crop.h, def.name);
        try {
          encoder = d.createCommandEncoder();
          dispatch(ps[1]!, { 0: cur, 3: net.buffer, 1: next, 2: b.params });
          d.queue.submit([encoder.finish()]);
          await d.queue.onSubmittedWorkDone();
        } finally {
          net.dispose();
        }
        encoder = d.createCommandEncoder();
      }
      if (s !== last) [cur, next] = [next, cur];
    }
    return this.#finish(encoder, b.packedOut, tile, sink, b.staging);
  }

  /** Records one compute pass of `pipeline` over w×h pixels (8×8 workgroups). */
  #dispatch(
    encoder: GPUCommandEncoder,
    pipeline: GPUComputePipeline,
    bindings: Record<number, GPUBuffer>,
    w: number,
    h: number,
  ): void {
    const entries = Object.entries(bindings).map(([binding, buffer]) => ({
      binding: Number(binding),
      resource: { buffer },
    }));
    const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.ceil(w / 8), Math.ceil(h / 8));
    pass.end();
  }

  /**
   * Runs `session` on the planar [1,3,h,w] floats in `planar` (no copy), its output kept on the
   * GPU; `dispose` the result once the queue no longer reads it.
   * @throws RenderError `gpu-device-lost`, `gpu-failed`
   */
  async #runSession(
    session: Ort.InferenceSession,
    ort: OrtModule,
    planar: GPUBuffer,
    w: number,
    h: number,
    name: string,
  ): Promise<{ buffer: GPUBuffer; dispose: () => void }> {
    const input = ort.Tensor.fromGpuBuffer(planar, { dataType: 'float32', dims: [1, 3, h, w] });
    let result: Ort.InferenceSession.OnnxValueMapType;
    try {
      this.#networks++;
      result = await session.run({ [session.inputNames[0]!]: input });
    } catch (cause) {
      this.#check();
      throw new RenderError('gpu-failed', `${name} failed on the GPU: ${String(cause)}`, {
        cause,
      });
    }
    const outputs = Object.values(result);
    this.#liveTensors += outputs.length;
    let disposed = false;
    const dispose = () => {
      if (disposed) return;
      disposed = true;
      for (const t of outputs) t.dispose();
      this.#liveTensors -= outputs.length;
    };
    const out = result[session.outputNames[0]!];
    if (out?.location !== 'gpu-buffer') {
      dispose();
      this.#check();
      throw new RenderError('gpu-failed', `${name} did not leave its output on the GPU.`, {
        details: { location: out?.location },
      });
    }
    return { buffer: out.gpuBuffer as GPUBuffer, dispose };
  }

  /** Frees buffers, pipelines and sessions (the device stays with its owner). */
  async dispose(): Promise<void> {
    this.#releaseBuffers();
    // Whatever is still alive (a kept preview's image) goes too: the device may stay.
    for (const buffer of [...this.#live]) this.free(buffer);
    this.#pipelines.clear();
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.then((x) => x.release()).catch(() => undefined)));
  }
}
