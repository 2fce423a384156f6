/**
 * The GPU render path: a small render graph on WebGPU. Per tile, the image is uploaded once as
 * RGBA8 words, runs of point effects execute as one fused compute dispatch, area effects as their
 * separable passes, neural effects through ORT's WebGPU EP on the same GPUDevice (planar buffers
 * exchanged with `Tensor.fromGpuBuffer`, outputs kept on the GPU), and the result is read back
 * once. Pipelines are cached by generated code, so parameter changes only rewrite the uniforms.
 * A lost device makes every later step throw RenderError `gpu-device-lost`.
 */
import type * as Ort from 'onnxruntime-web';
import type { LayoutEntry, StackLayout } from '../../src/shared/effects/registry';
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
import { cropImage, pasteTile, planTiles, scaleTile, type RgbaImage, type Tile } from './image';
import type { TileHooks } from './cpu';
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

  /** Test hook: destroy the device once `tiles` tiles of the next render are done. */
  loseDeviceAfter(tiles: number): void {
    this.#loseAfterTiles = tiles;
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
    const d = this.device;
    const make = (size: number, usage: number) =>
      d.createBuffer({ size: Math.max(16, size), usage });
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
      buf.destroy();
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
   * Renders `image` through `layout`, tile by tile.
   * @throws RenderError `gpu-device-lost` or `gpu-failed`; whatever `hooks.onTile` throws.
   */
  async render(
    image: RgbaImage,
    layout: StackLayout,
    hooks: TileHooks = {},
  ): Promise<{
    data: Uint8Array;
    tiles: number;
  }> {
    this.#check();
    const tiles = planTiles(image.width, image.height, layout.reach, hooks.budget ?? this.budget());
    const steps = planGpuSteps(layout.entries);
    const { bases, length } = uniformLayout(layout.entries);
    const params = new Float32Array(length);
    layout.entries.forEach((e, k) => params.set(e.uniforms, bases[k]));
    params.set([0, 0, 0, 0, image.width, image.height, 0, 0]);
    const maxCrop = Math.max(...tiles.map((t) => t.crop.w * t.crop.h));
    const pipelines = await this.#buildPipelines(steps);
    this.#check();
    const buffers = this.#ensureBuffers(maxCrop, length);
    const out = tiles.length === 1 ? undefined : new Uint8Array(image.width * image.height * 4);
    let single: Uint8Array | undefined;
    for (let i = 0; i < tiles.length; i++) {
      const tile = tiles[i]!;
      const pixels = await this.#renderTile(image, tile, steps, pipelines, buffers, params);
      if (out) pasteTile(out, image.width, tile, pixels);
      else single = pixels;
      if (this.#loseAfterTiles !== undefined && i + 1 >= this.#loseAfterTiles) {
        this.#loseAfterTiles = undefined;
        this.device.destroy();
      }
      await hooks.onTile?.(i + 1, tiles.length);
      this.#check();
    }
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
   * Runs a scaler (e.g. Upscale 2×) over `image`, tile by tile: each crop is unpacked to planar
   * floats on the GPU, run through ORT's WebGPU session on this device (the output stays a GPU
   * buffer), packed back to RGBA8 at `factor`× its size and read back once.
   * @throws RenderError `gpu-device-lost`, `gpu-failed`; whatever `hooks.onTile` throws.
   */
  async renderScaled(
    image: RgbaImage,
    stage: ScaleStage,
    hooks: TileHooks = {},
  ): Promise<{ data: Uint8Array; tiles: number; width: number; height: number }> {
    this.#check();
    const f = stage.factor;
    const width = image.width * f;
    const height = image.height * f;
    const tiles = planTiles(
      image.width,
      image.height,
      stage.reach,
      hooks.budget ?? this.scaleBudget(f),
    );
    const [unpack, pack] = await Promise.all([
      this.#pipeline(SCALE_UNPACK),
      this.#pipeline(scalePackShader(f)),
    ]);
    const session = await this.#session(stage.def.modelId);
    const ort = await this.#ort!();
    this.#check();
    const d = this.device;
    const maxCrop = Math.max(...tiles.map((t) => t.crop.w * t.crop.h));
    const make = (size: number, usage: number) =>
      d.createBuffer({ size: Math.max(16, size), usage });
    const packedIn = make(maxCrop * 4, STORAGE | COPY_DST);
    const planar = make(maxCrop * 12, STORAGE | COPY_SRC | COPY_DST);
    const params = make(16, STORAGE | COPY_DST);
    const packedOut = make(maxCrop * f * f * 4, STORAGE | COPY_SRC);
    const staging = make(maxCrop * f * f * 4, GPUBufferUsage.MAP_READ | COPY_DST);
    const dispatch = (
      encoder: GPUCommandEncoder,
      pipeline: GPUComputePipeline,
      bindings: Record<number, GPUBuffer>,
      w: number,
      h: number,
    ) => {
      const entries = Object.entries(bindings).map(([binding, buffer]) => ({
        binding: Number(binding),
        resource: { buffer },
      }));
      const group = d.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(Math.ceil(w / 8), Math.ceil(h / 8));
      pass.end();
    };
    const out = new Uint8Array(width * height * 4);
    try {
      for (let i = 0; i < tiles.length; i++) {
        const tile = tiles[i]!;
        const { crop } = tile;
        const n = crop.w * crop.h * f * f;
        d.queue.writeBuffer(params, 0, new Float32Array([crop.w, crop.h, 0, 0]));
        const input = cropImage(image, crop);
        d.queue.writeBuffer(packedIn, 0, input.buffer, input.byteOffset, crop.w * crop.h * 4);
        let encoder = d.createCommandEncoder();
        dispatch(encoder, unpack, { 0: packedIn, 1: planar, 2: params }, crop.w, crop.h);
        d.queue.submit([encoder.finish()]);
        let net: Ort.Tensor;
        try {
          const feed = ort.Tensor.fromGpuBuffer(planar, {
            dataType: 'float32',
            dims: [1, 3, crop.h, crop.w],
          });
          const result = await session.run({ [session.inputNames[0]!]: feed });
          net = result[session.outputNames[0]!]!;
        } catch (cause) {
          this.#check();
          throw new RenderError(
            'gpu-failed',
            `${stage.def.name} failed on the GPU: ${String(cause)}`,
            { cause },
          );
        }
        try {
          encoder = d.createCommandEncoder();
          const netBuffer = net.gpuBuffer as GPUBuffer;
          dispatch(
            encoder,
            pack,
            { 0: packedIn, 3: netBuffer, 1: packedOut, 2: params },
            crop.w * f,
            crop.h * f,
          );
          encoder.copyBufferToBuffer(packedOut, 0, staging, 0, n * 4);
          d.queue.submit([encoder.finish()]);
          await staging.mapAsync(GPUMapMode.READ, 0, n * 4);
        } catch (cause) {
          this.#check();
          throw new RenderError(
            'gpu-failed',
            `Reading the scaled tile back failed: ${String(cause)}`,
            {
              cause,
            },
          );
        } finally {
          net.dispose();
        }
        const pixels = new Uint8Array(staging.getMappedRange(0, n * 4).slice(0));
        staging.unmap();
        pasteTile(out, width, scaleTile(tile, f), pixels);
        if (this.#loseAfterTiles !== undefined && i + 1 >= this.#loseAfterTiles) {
          this.#loseAfterTiles = undefined;
          this.device.destroy();
        }
        await hooks.onTile?.(i + 1, tiles.length);
        this.#check();
      }
    } finally {
      for (const b of [packedIn, planar, params, packedOut, staging]) b.destroy();
    }
    return { data: out, tiles: tiles.length, width, height };
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

  async #renderTile(
    image: RgbaImage,
    tile: Tile,
    steps: Step[],
    pipelines: GPUComputePipeline[][],
    b: Buffers,
    params: Float32Array,
  ): Promise<Uint8Array> {
    const d = this.device;
    const { crop } = tile;
    const n = crop.w * crop.h;
    params.set([crop.w, crop.h, crop.x, crop.y], 0);
    d.queue.writeBuffer(b.params, 0, params);
    const input = cropImage(image, crop);
    d.queue.writeBuffer(b.packedIn, 0, input.buffer, input.byteOffset, n * 4);
    const groups: [number, number] = [Math.ceil(crop.w / 8), Math.ceil(crop.h / 8)];
    let encoder = d.createCommandEncoder();
    const dispatch = (pipeline: GPUComputePipeline, bindings: Record<number, GPUBuffer>) => {
      const entries = Object.entries(bindings).map(([binding, buffer]) => ({
        binding: Number(binding),
        resource: { buffer },
      }));
      const group = d.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(...groups);
      pass.end();
    };
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
        dispatch(ps[0]!, { 0: cur, 1: b.planar, 2: b.params });
        d.queue.submit([encoder.finish()]);
        const net = await this.#runNeural(step.entry, b.planar, crop.w, crop.h);
        encoder = d.createCommandEncoder();
        dispatch(ps[1]!, { 0: cur, 3: net.buffer, 1: next, 2: b.params });
        d.queue.submit([encoder.finish()]);
        await d.queue.onSubmittedWorkDone();
        net.dispose();
        encoder = d.createCommandEncoder();
      }
      if (s !== last) [cur, next] = [next, cur];
    }
    encoder.copyBufferToBuffer(b.packedOut, 0, b.staging, 0, n * 4);
    d.queue.submit([encoder.finish()]);
    try {
      await b.staging.mapAsync(GPUMapMode.READ, 0, n * 4);
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
    const pixels = new Uint8Array(b.staging.getMappedRange(0, n * 4).slice(0));
    b.staging.unmap();
    return pixels;
  }

  async #runNeural(
    entry: LayoutEntry,
    planar: GPUBuffer,
    w: number,
    h: number,
  ): Promise<{ buffer: GPUBuffer; dispose: () => void }> {
    const def = entry.def;
    if (def.kind !== 'neural') throw new Error('unreachable');
    const session = await this.#session(def.modelId);
    const ort = await this.#ort!();
    const input = ort.Tensor.fromGpuBuffer(planar, { dataType: 'float32', dims: [1, 3, h, w] });
    try {
      const result = await session.run({ [session.inputNames[0]!]: input });
      const out = result[session.outputNames[0]!]!;
      return { buffer: out.gpuBuffer as GPUBuffer, dispose: () => out.dispose() };
    } catch (cause) {
      this.#check();
      throw new RenderError('gpu-failed', `The neural effect failed on the GPU: ${String(cause)}`, {
        cause,
      });
    }
  }

  /** Frees buffers, pipelines and sessions (the device stays with its owner). */
  async dispose(): Promise<void> {
    this.#releaseBuffers();
    this.#pipelines.clear();
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.then((x) => x.release()).catch(() => undefined)));
  }
}
