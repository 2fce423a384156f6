/**
 * The render worker: runs effect stacks on WebGPU (WGSL render graph, workers/render/gpu.ts) or
 * on the CPU (workers/render/cpu.ts: the CPU engine in WebAssembly for classic effects, ORT's WASM
 * backend with one ONNX model per stack for the rest). A stack with a scaler
 * (Upscale 2×) runs as stages (src/shared/effects/stages.ts): the effects before it, the scaler
 * (workers/render/scale.ts), the effects after it at the new size, each tiled; on WebGPU the
 * image stays in GPU buffers between stages (uploaded by the first, read back by the last). This
 * entry wires the Comlink API; ORT is imported dynamically (a static import hangs Vite production
 * workers with threads, see research/renderprobe.md).
 */
import { expose, transfer } from 'comlink';
import '../src/shared/compute/lifeline';
import '../src/shared/comlink-errors';
import type { BackendPreference } from '../src/shared/compute/backend';
import { isShared } from '../src/shared/compute/shared-pixels';
import { neuralEffect, type NeuralEffectDef } from '../src/shared/effects/registry';
import { planStages } from '../src/shared/effects/stages';
import type { EffectStack } from '../src/shared/effects/types';
import { abortError } from '../src/shared/errors/compute';
import { RenderError } from '../src/shared/errors/render';
import { AutoColor } from './render/autocolor';
import { CpuRenderer, type OrtModule } from './render/cpu';
import { OrtLanes } from './render/lanes';
import { LocalRunner, type SessionRunner } from './render/session-runner';
import { GpuRenderer, requestRenderDevice } from './render/gpu';
import type { GpuImage } from './render/gpu-image';
import { checkImage, type RgbaImage } from './render/image';
import { fetchModel, neuralModelsFrom, type NeuralModelSource } from './render/manifest';
import { renderStages, type StageRunners } from './render/pipeline';
import { PreviewMemo } from './render/preview-memo';
import { CpuScaler } from './render/scale';
import { probeAdapter, probeDevice, describeAdapter } from './shared/probe';

export interface RenderRequest {
  /** Lets `cancel(jobId)` stop the render between tiles. */
  jobId?: string;
  image: RgbaImage;
  stack: EffectStack;
  /**
   * The result's size, when smaller than the full render (previews); spatial params scale with
   * it. Scalers are skipped when `size` is no larger than the image (see `preview`).
   */
  size?: { width: number; height: number };
  /**
   * `image` is a copy of the work at `sourceScale` (≤ 1) for a preview in a `box` (device px):
   * spatial params scale with it, and a scaler runs only when `image` is the work itself and its
   * whole output fits the box (its pixels show 1:1). Otherwise the preview skips the scaler: the
   * upscaler is trained so that its output area-downscaled is its input, so at screen size the
   * result looks like its input, and every slider stays as fast as without it.
   */
  preview?: { sourceScale: number; box: { width: number; height: number } };
  backend?: BackendPreference;
  /** Pixels per tile crop (tests force tiling with a small budget). */
  budget?: number;
  /** Render only this part of `image`, exactly as in the whole render (see StageRequest.region). */
  region?: { x: number; y: number; width: number; height: number };
  /**
   * A buffer the caller is done with, transferred (the frame this render replaces): the CPU path
   * writes the result into it when it is the result's size, instead of into new memory.
   */
  into?: Uint8Array;
}

export interface RenderResult {
  width: number;
  height: number;
  data: Uint8Array;
  backend: 'webgpu' | 'wasm';
  adapter: string | null;
  ms: number;
  tiles: number;
  /**
   * Network stages run (Denoise, Upscale 2×): a preview that took its neural prefix from the
   * kept output of an earlier one ran none.
   */
  networks: number;
  /** σ (fraction of full range) each Denoise on Auto found in its input, by layer id. */
  noise?: Record<string, number>;
  /**
   * WASM only: the lanes that rendered tiles side by side, the lane workers started in this
   * render worker so far (a crashed lane is replaced: the count grows), and whether the CPU
   * engine rendered (false: ORT, for a network or an effect the engine does not know).
   */
  cpu?: { lanes: number; lanesStarted: number; engine: boolean };
  /**
   * WebGPU only: image uploads and readbacks in this render (one readback per tile of the
   * output: the image stays on the GPU between stages), and the GPU buffers and ORT output
   * tensors alive after it (cached tile buffers and a kept preview upscale; constant over
   * repeated renders).
   */
  gpu?: {
    uploads: number;
    readbacks: number;
    liveBuffers: number;
    liveTensors: number;
    /** Network runs (tiles of neural effects and scalers) in this render. */
    networks: number;
  };
}

export interface RenderProgress {
  done: number;
  total: number;
}

export interface NeuralEffectInfo {
  effectId: string;
  modelId: string;
  name: string;
  /** Halo in input pixels. */
  reach: number;
  /** Output size ÷ input size (2: Upscale 2×). */
  scale: number;
  /** A denoiser (its noise-level control), and the name of its σ input when it has one. */
  denoise?: { sigmaInput?: string };
}

let ortPromise: Promise<OrtModule> | undefined;
let gpuOrtPromise: Promise<OrtModule> | undefined;
let threads: number | undefined;
const withThreads = (ort: OrtModule) => {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = threads ?? (globalThis.crossOriginIsolated ? Math.min(8, cores) : 1);
  return ort;
};
/**
 * ORT for the CPU path (WASM sessions: networks on one lane, Auto colour): the plain WASM build.
 * The WebGPU build's runtime is compiled with Asyncify, which makes its CPU kernels about 1.7×
 * slower (Denoise at 1 MP in Node: 1.86 s against 1.11 s), so only the GPU path loads it.
 */
const getOrt = () =>
  (ortPromise ??= import('onnxruntime-web/wasm').then((ort) =>
    withThreads(ort as unknown as OrtModule),
  ));
/** ORT for the GPU path's networks (the WebGPU EP on the renderer's device). */
const getGpuOrt = () =>
  (gpuOrtPromise ??= import('onnxruntime-web/webgpu').then((ort) =>
    withThreads(ort as unknown as OrtModule),
  ));

const sources = new Map<string, NeuralModelSource>();
let manifestLoaded: Promise<void> | undefined;
let manifestJson: unknown = null;
const autoColor = new AutoColor(getOrt);
const loadManifest = () =>
  (manifestLoaded ??= (async () => {
    try {
      const response = await fetch('/models/manifest.json');
      if (!response.ok) return;
      manifestJson = await response.json();
      for (const s of neuralModelsFrom(manifestJson)) {
        if (!sources.has(s.def.id)) sources.set(s.def.id, s);
      }
    } catch {
      // No manifest yet: no neural effects.
    }
  })());

const neuralDefs = (): Map<string, NeuralEffectDef> =>
  new Map([...sources.values()].map((s) => [s.def.id, s.def]));

const loadModel = async (modelId: string) => {
  const source = [...sources.values()].find((s) => s.def.modelId === modelId);
  if (!source) {
    throw new RenderError('model-unavailable', `The model “${modelId}” is not installed.`, {
      details: { modelId },
    });
  }
  return fetchModel(source);
};

/** Lanes past four cost memory (an engine's and maybe an ORT heap each) for little more speed. */
const MAX_LANES = 4;

/**
 * The CPU path's lanes and WASM threads per lane: one lane per core up to four (tiles side by
 * side; see ./render/lanes), the cores left over as threads. A single lane is this worker itself.
 */
function cpuPlan(): { lanes: number; threads: number } {
  const cores = threads ?? globalThis.navigator?.hardwareConcurrency ?? 1;
  const lanes = Math.max(1, Math.min(MAX_LANES, cores));
  return { lanes, threads: Math.max(1, Math.floor(Math.min(8, cores) / lanes)) };
}

let runner: Promise<SessionRunner> | undefined;
const getRunner = () =>
  (runner ??= (async () => {
    const plan = cpuPlan();
    if (plan.lanes > 1) {
      const lanes = new OrtLanes({
        ...plan,
        create: () =>
          new Worker(new URL('./render/lane.worker.ts', import.meta.url), {
            type: 'module',
            name: 'atelier-render-lane',
          }),
      });
      try {
        lanes.start();
        return lanes;
      } catch {
        // No nested workers here: ORT in this worker, as on a one-core device.
        await lanes.dispose();
      }
    }
    return new LocalRunner(getOrt);
  })());
let cpu: CpuRenderer | undefined;
let alwaysSideBySide = false;
const getCpu = async () => {
  if (cpu) return cpu;
  const runner = await getRunner();
  return (cpu ??= new CpuRenderer(runner, loadModel, {
    engine: true,
    alwaysSideBySide,
    // the engine's single crops render here, not through a lane's messages
    ...(runner instanceof OrtLanes ? { local: new LocalRunner(getOrt) } : {}),
  }));
};
let cpuScaler: CpuScaler | undefined;
const getCpuScaler = async () => (cpuScaler ??= new CpuScaler(await getRunner(), loadModel));

let gpu: Promise<{ renderer: GpuRenderer; adapter: string } | null> | undefined;
let pendingLoss: number | undefined;
const getGpu = () =>
  (gpu ??= (async () => {
    const { adapter } = await probeAdapter();
    if (!adapter) return null;
    const info = describeAdapter(adapter);
    let device: GPUDevice;
    try {
      device = await requestRenderDevice(adapter);
    } catch {
      return null;
    }
    const renderer = new GpuRenderer(device, { ort: getGpuOrt, loadModel });
    return { renderer, adapter: info.description || info.vendor || info.architecture || 'WebGPU' };
  })());

const cancelled = new Set<string>();
/** Previews keep their neural prefix's output: a slider after a network skips it. */
const previewMemo = {
  webgpu: new PreviewMemo<GpuImage>({ clone: (image) => image.clone() }),
  wasm: new PreviewMemo(),
};

const api = {
  /** What this device offers for rendering (adapter, f16, limits, WASM threads). */
  probe: () => probeDevice('render'),

  /**
   * Cores the CPU path may use (lanes × WASM threads); only before its first render (benchmarks
   * compare 1 vs all).
   */
  configure(options: { threads?: number; sideBySide?: 'measure' | 'always' }): void {
    threads = options.threads;
    // Tests of the lanes themselves: every render that can be cut into bands is.
    alwaysSideBySide = options.sideBySide === 'always';
  },

  /** The neural effects available (from models/manifest.json and registered models). */
  async neuralEffects(): Promise<NeuralEffectInfo[]> {
    await loadManifest();
    return [...sources.values()].map((s) => ({
      effectId: s.def.id,
      modelId: s.def.modelId,
      name: s.def.name,
      reach: s.def.reach,
      scale: s.def.scale,
      ...(s.def.denoise ? { denoise: { ...s.def.denoise } } : {}),
    }));
  },

  /**
   * Auto colour: the linear per-channel gains that remove `image`'s colour cast (pass a small
   * preview; the model sees it area-averaged to 8×8).
   * @throws RenderError `model-unavailable`, `cpu-failed`.
   */
  async autoColorGains(image: RgbaImage): Promise<{ gains: [number, number, number]; ms: number }> {
    const t0 = performance.now();
    checkImage(image);
    await loadManifest();
    const gains = await autoColor.gains(image, manifestJson);
    return { gains, ms: performance.now() - t0 };
  },

  /** Adds a model by its bytes (tests, and models the person imports). */
  registerModel(model: {
    modelId: string;
    name: string;
    bytes: Uint8Array;
    reach?: number;
    scale?: number;
    denoise?: { sigmaInput?: string };
  }) {
    const def = neuralEffect(
      model.modelId,
      model.name,
      model.reach,
      model.scale,
      model.denoise ? { denoise: model.denoise } : {},
    );
    sources.set(def.id, { def, bytes: model.bytes });
    return def.id;
  },

  /**
   * Compiles what `stack` needs ahead of a render (the ONNX session or the WGSL pipelines).
   * @throws RenderError as `render` does.
   */
  async prepare(stack: EffectStack, backend: BackendPreference = 'auto'): Promise<void> {
    await loadManifest();
    const { stages } = planStages(stack, { neural: neuralDefs() });
    const target = await pickBackend(backend);
    for (const stage of stages) {
      if (stage.kind === 'scale') {
        if (target === 'wasm') await (await getCpuScaler()).prepare(stage);
      } else if (target === 'wasm') await (await getCpu()).prepare(stage.layout);
      else await (await getGpu())!.renderer.prepare(stage.layout);
    }
  },

  /**
   * Renders `request.image` through `request.stack`. The result's pixels are transferred.
   * @throws RenderError (`gpu-device-lost`/`gpu-failed` mean: retry on the CPU), AbortError
   *   after `cancel(jobId)`.
   */
  async render(
    request: RenderRequest,
    onProgress?: (p: RenderProgress) => void,
  ): Promise<RenderResult> {
    const t0 = performance.now();
    checkImage(request.image);
    await loadManifest();
    const backend = await pickBackend(request.backend ?? 'auto');
    let adapter: string | null = null;
    let g: { renderer: GpuRenderer; adapter: string } | null = null;
    if (backend === 'webgpu') {
      g = (await getGpu())!;
      adapter = g.adapter;
      if (pendingLoss !== undefined) {
        g.renderer.loseDeviceAfter(pendingLoss);
        pendingLoss = undefined;
      }
    }
    const gpuRenderer = g?.renderer;
    const before = gpuRenderer?.stats();
    const engineBefore = cpu?.engineCrops ?? 0;
    const onTile = async (done: number, total: number) => {
      // Let queued messages (a `cancel`) in: ORT's run does not yield to the event loop. A
      // cancelled job stays cancelled for its other tiles in flight (lanes run several).
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (request.jobId && cancelled.has(request.jobId)) throw abortError();
      // Awaited: reports travel on their own message port, and unawaited the last ones could
      // reach the caller after the result.
      await Promise.resolve(onProgress?.({ done, total })).catch(() => undefined);
    };
    let image: RgbaImage;
    let tiles: number;
    let noise: Record<string, number>;
    let networks: number;
    try {
      if (gpuRenderer) {
        // Between stages the image stays on the GPU (GpuImage); only the last stage reads back.
        const runners: StageRunners<GpuImage> = {
          effects: (image, layout, hooks) => gpuRenderer.render(image, layout, hooks),
          scale: (image, stage, hooks) => gpuRenderer.renderScaled(image, stage, hooks),
        };
        // Previews keep their neural prefix: a slider after it (or a no-op) skips the network.
        ({ image, tiles, noise, networks } = await renderStages(
          request,
          neuralDefs(),
          runners,
          onTile,
          previewMemo.webgpu,
        ));
      } else {
        const runners: StageRunners = {
          effects: async (image, layout, hooks) => (await getCpu()).render(image, layout, hooks),
          scale: async (image, stage, hooks) => (await getCpuScaler()).render(image, stage, hooks),
        };
        const parallel = (await getRunner()).lanes;
        ({ image, tiles, noise, networks } = await renderStages(
          { ...request, parallel },
          neuralDefs(),
          runners,
          onTile,
          previewMemo.wasm,
        ));
      }
    } catch (error) {
      if (gpuRenderer?.lost) {
        previewMemo.webgpu.clear();
        gpu = undefined;
      }
      throw error;
    } finally {
      if (request.jobId) cancelled.delete(request.jobId);
    }
    const data = image.data as Uint8Array;
    const result: RenderResult = {
      width: image.width,
      height: image.height,
      data,
      backend,
      adapter,
      ms: performance.now() - t0,
      tiles,
      networks,
      ...(Object.keys(noise).length ? { noise } : {}),
    };
    if (backend === 'wasm') {
      const r = await getRunner();
      result.cpu = {
        lanes: r.lanes,
        lanesStarted: r instanceof OrtLanes ? r.started : 0,
        engine: (cpu?.engineCrops ?? 0) > engineBefore,
      };
    }
    if (gpuRenderer && before) {
      const after = gpuRenderer.stats();
      result.gpu = {
        uploads: after.uploads - before.uploads,
        readbacks: after.readbacks - before.readbacks,
        liveBuffers: after.liveBuffers,
        liveTensors: after.liveTensors,
        networks: after.networks - before.networks,
      };
    }
    // A render that changed nothing hands back the request's own buffer: shared memory cannot be
    // transferred (and stays the caller's), so it goes back as a copy.
    if (data.buffer === request.image.data.buffer && isShared(data)) {
      const into = request.into;
      result.data = into?.length === data.length ? (into.set(data), into) : data.slice();
    }
    return transfer(result, [result.data.buffer]);
  },

  /** Stops the render `jobId` after its current tile. */
  cancel(jobId: string): void {
    cancelled.add(jobId);
  },

  /** Test hook: the CPU lane of the next run dies before it replies (the tile is re-run). */
  async simulateLaneCrash(): Promise<void> {
    const r = await getRunner();
    if (r instanceof OrtLanes) r.crashNext();
  },

  /** Test hook: the next GPU render loses its device after `tiles` tiles. */
  simulateDeviceLoss(tiles = 1): void {
    pendingLoss = tiles;
  },

  /** Frees sessions and GPU buffers. */
  async dispose(): Promise<void> {
    await cpu?.dispose();
    cpu = undefined;
    await cpuScaler?.dispose();
    cpuScaler = undefined;
    runner = undefined;
    previewMemo.webgpu.clear();
    previewMemo.wasm.clear();
    const g = await gpu;
    await g?.renderer.dispose();
    g?.renderer.device.destroy();
    gpu = undefined;
  },
};

/** `auto` and `webgpu` use the GPU when an adapter and a device exist; otherwise WASM. */
async function pickBackend(preference: BackendPreference): Promise<'webgpu' | 'wasm'> {
  if (preference === 'wasm') return 'wasm';
  return (await getGpu()) ? 'webgpu' : 'wasm';
}

export type RenderApi = typeof api;
expose(api);
