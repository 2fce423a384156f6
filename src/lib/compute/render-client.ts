/**
 * The render worker's clients and the one typed entry point, `render()`.
 * A render runs in the main render worker (WebGPU when available); if the GPU path fails (device
 * lost, shader or session failure) the same job re-runs on the CPU path in a fresh, separate
 * worker and the result carries a `notice`. Cancelling stops the job after its current tile.
 */
import { proxy, transfer } from 'comlink';
import type {
  NeuralEffectInfo,
  RenderApi,
  RenderProgress,
  RenderResult,
} from '../../../workers/render.worker';
import type { BackendPreference } from '../../shared/compute/backend';
import type { EffectStack } from '../../shared/effects/types';
import { abortError } from '../../shared/errors/compute';
import { GPU_FAILURE_CODES } from '../../shared/errors/render';
import { hasCode } from '../../shared/errors/base';
import { isShared, isWholeBuffer } from '../../shared/compute/shared-pixels';
import { WorkerClient } from './worker-client';

const createWorker = () =>
  new Worker(new URL('../../../workers/render.worker.ts', import.meta.url), {
    type: 'module',
    name: 'atelier-render',
  });

export const renderClient = new WorkerClient<RenderApi>({ name: 'render', create: createWorker });

/** The CPU-only fallback worker, started fresh when the GPU path fails. */
export const renderCpuClient = new WorkerClient<RenderApi>({
  name: 'render (CPU)',
  create: createWorker,
});

export type { NeuralEffectInfo, RenderProgress, RenderResult };

export interface RenderImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export interface RenderOptions {
  image: RenderImage;
  stack: EffectStack;
  /** Render at this smaller size (previews). */
  size?: { width: number; height: number };
  /**
   * `image` is the work at `sourceScale` for a preview in `box` (device px): the worker scales
   * spatial params and decides whether an upscale runs (see RenderRequest.preview).
   */
  preview?: { sourceScale: number; box: { width: number; height: number } };
  signal?: AbortSignal;
  onProgress?: (progress: RenderProgress) => void;
  /** Defaults to `auto` (WebGPU when there is an adapter). */
  backend?: BackendPreference;
  /** Pixels per tile (tests). */
  budget?: number;
  /** Render only this part of `image`, exactly as in the whole render (a zoomed-in view). */
  region?: { x: number; y: number; width: number; height: number };
  /**
   * Pixels the caller is done with (the frame this render replaces), handed to the worker: they
   * are detached here. When the result has their size it comes back in them, so the render
   * writes no new memory (a fresh 4 MB costs ~14 ms of page faults in Chromium here).
   */
  into?: Uint8Array | Uint8ClampedArray;
}

export interface RenderOutcome extends RenderResult {
  /** Set when the job had to change path, e.g. finished on the CPU after a GPU failure. */
  notice?: string;
}

let jobs = 0;

export interface ModelRegistration {
  modelId: string;
  name: string;
  bytes: Uint8Array;
  reach?: number;
  /** Output size ÷ input size (2 for a 2× upscaler). */
  scale?: number;
  /** A denoiser, and the name of its σ input when it has one. */
  denoise?: { sigmaInput?: string };
}
const registered: ModelRegistration[] = [];
const syncedStart = new WeakMap<WorkerClient<RenderApi>, number>();

/** Adds a model by its bytes to every render worker (now and after restarts). */
export function registerModel(model: ModelRegistration): void {
  registered.push(model);
}

async function runOn(
  client: WorkerClient<RenderApi>,
  options: RenderOptions,
  backend: BackendPreference,
): Promise<RenderResult> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal.reason);
  jobs += 1;
  const jobId = `job-${jobs}`;
  // Shared pixels go as they are (no copy); others as a copy the worker owns, transferred: one
  // copy instead of a structured clone's two. The caller keeps its image either way.
  const { width, height, data } = options.image;
  const shared = isShared(data);
  const pixels = shared ? data : data.slice();
  // Only a whole buffer may be handed over (one detached by an earlier try will not do).
  const into =
    options.into && isWholeBuffer(options.into) ? new Uint8Array(options.into.buffer) : undefined;
  const request = {
    jobId,
    image: { width, height, data: pixels },
    stack: options.stack,
    backend,
    ...(options.size ? { size: options.size } : {}),
    ...(options.preview ? { preview: options.preview } : {}),
    ...(options.budget ? { budget: options.budget } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(into ? { into } : {}),
  };
  const progress = options.onProgress ? proxy(options.onProgress) : undefined;
  const job = client.call(
    async (api) => {
      if (registered.length && syncedStart.get(client) !== client.starts) {
        for (const m of registered) await api.registerModel(m);
        syncedStart.set(client, client.starts);
      }
      const moved = [...(shared ? [] : [pixels.buffer]), ...(into ? [into.buffer] : [])];
      return api.render(transfer(request, moved as ArrayBuffer[]), progress);
    },
    { lane: 'render' },
  );
  if (!signal) return job;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(abortError(signal.reason));
      // The worker stops after its current tile and keeps its sessions warm.
      void client.call((api) => api.cancel(jobId), { lane: 'control' }).catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  job.catch(() => undefined);
  try {
    return await Promise.race([job, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Renders an image through a stack. The result's size is the image's times the stack's scale
 * (Upscale 2× doubles it), or the preview's.
 * @throws RenderError (`unknown-effect`, `invalid-param`, `invalid-image`, `model-unavailable`,
 *   `cpu-failed`, `too-large` when the output would exceed the render budget), ComputeError from
 *   the worker plumbing, AbortError when `signal` aborts.
 */
export async function render(options: RenderOptions): Promise<RenderOutcome> {
  const backend = options.backend ?? 'auto';
  try {
    return await runOn(renderClient, options, backend);
  } catch (error) {
    // A worker that died mid-render (e.g. out of GPU memory) gets the same second chance.
    const retry = hasCode(error) && [...GPU_FAILURE_CODES, 'worker-crashed'].includes(error.code);
    if (backend === 'wasm' || !retry) {
      throw error;
    }
    // The GPU worker's device is gone or broken: start it over next time, and finish this job
    // on the CPU path in a fresh worker.
    renderClient.restart('restarted after a GPU failure');
    renderCpuClient.restart('restarted for a CPU fallback');
    const result = await runOn(renderCpuClient, options, 'wasm');
    return {
      ...result,
      notice: `The GPU stopped during this render (${error.message}); it was finished on the CPU.`,
    };
  }
}

/**
 * Renders on the CPU-only worker, as `render` does on the main one (benchmarks: one core, as
 * configured there, against all).
 */
export function renderOnCpuWorker(options: RenderOptions): Promise<RenderResult> {
  return runOn(renderCpuClient, options, 'wasm');
}

/** The neural effects the render worker found in models/manifest.json. */
export function neuralEffects(): Promise<NeuralEffectInfo[]> {
  return renderClient.call((api) => api.neuralEffects(), { lane: 'control' });
}

/**
 * Auto colour's gains for an image (a preview is enough: the model sees 8×8).
 * @throws RenderError `model-unavailable`, `cpu-failed`; ComputeError from the plumbing.
 */
export function autoColorGains(image: RenderImage): Promise<{ gains: number[]; ms: number }> {
  return renderClient.call((api) => api.autoColorGains(image), { lane: 'autocolor' });
}
