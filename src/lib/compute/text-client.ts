/**
 * The one client of the text worker, and the calls the Write room makes through it:
 * - `loadTextModel` picks WebGPU or WASM with `chooseBackend`, and when WebGPU fails to run the
 *   model it retries on WASM in a fresh worker (never in the poisoned one);
 * - `generateText` streams pieces through a Comlink proxy, one generation at a time (lane 'model');
 * - `stopText` reaches the worker in another lane, so it lands while a generation runs;
 * - `analyzeImage` runs the image analysis in the worker.
 */
import { proxy } from 'comlink';
import type { TextApi } from '../../../workers/text.worker';
import type { GenerateResult, LoadedModel, ModelSource } from '../../../workers/text/runtime';
import {
  chooseBackend,
  decodeThreads,
  type BackendPreference,
  type DeviceProbe,
} from '../../shared/compute/backend';
import { hasCode } from '../../shared/errors/base';
import type { ImageAnalysis } from '../../shared/write/analysis';
import type { GenerationParams } from '../../shared/write/params';
import type { Prompt } from '../../shared/write/prompt';
import { WorkerClient } from './worker-client';

export type { GenerateResult, LoadedModel, ModelSource };
import type { DraftRequest } from '../../../workers/text/drafting';
import type { DraftSet, DraftTask } from '../../shared/write/drafts';
import type { TextCheck } from '../../shared/write/quality';

export const textClient = new WorkerClient<TextApi>({
  name: 'text',
  create: () =>
    new Worker(new URL('../../../workers/text.worker.ts', import.meta.url), {
      type: 'module',
      name: 'atelier-text',
    }),
});

export interface LoadRequest {
  source: ModelSource;
  preference: BackendPreference;
  probe: DeviceProbe | null;
  onProgress?: (info: { file: string; loaded: number; total: number }) => void;
  signal?: AbortSignal;
}

export interface LoadOutcome extends LoadedModel {
  /** Set when WebGPU failed and the model runs on WASM instead: why. */
  fallbackReason?: string;
}

const LOAD_TIMEOUT_MS = 10 * 60_000;

type TextClient = WorkerClient<TextApi>;

async function loadOn(
  client: TextClient,
  request: LoadRequest,
  backend: 'webgpu' | 'wasm',
): Promise<LoadedModel> {
  const { probe, onProgress, source } = request;
  const options = {
    source,
    backend,
    shaderF16: probe?.webgpu?.shaderF16 ?? false,
    threads: probe ? decodeThreads(probe.wasm.crossOriginIsolated, probe.hardwareConcurrency) : 1,
  };
  return client.call((api) => api.load(options, onProgress ? proxy(onProgress) : undefined), {
    lane: 'model',
    signal: request.signal,
    timeoutMs: LOAD_TIMEOUT_MS,
  });
}

/**
 * Loads a model (once) on the backend the device and settings allow.
 * @throws TextError from the worker (model-invalid, model-load-failed, tokenizer-mismatch, …),
 *   ComputeError when the worker itself fails, AbortError on abort.
 */
export async function loadTextModel(
  request: LoadRequest,
  client: TextClient = textClient,
): Promise<LoadOutcome> {
  try {
    return await loadWithFallback(request, client);
  } catch (error) {
    // In the browser transformers.js chains every ORT session creation on one promise
    // (`webInitChain = webInitChain.then(load)` in src/backends/onnx.js), so after one failed
    // creation every later one rejects with the same error: the worker is poisoned. Start the
    // next load in a fresh worker.
    if (hasCode(error) && (error.code === 'model-load-failed' || error.code === 'backend-failed')) {
      client.restart('reset after a model failed to load');
    }
    throw error;
  }
}

async function loadWithFallback(request: LoadRequest, client: TextClient): Promise<LoadOutcome> {
  const choice = request.probe
    ? chooseBackend(request.preference, request.probe)
    : { backend: 'wasm' as const, reason: 'device not probed yet' };
  if (choice.backend === 'wasm') return loadOn(client, request, 'wasm');
  try {
    return await loadOn(client, request, 'webgpu');
  } catch (error) {
    const retry =
      hasCode(error) && (error.code === 'backend-failed' || error.code === 'worker-crashed');
    if (!retry || request.signal?.aborted) throw error;
    // A backend that failed to start may have poisoned the worker: start over in a fresh one.
    client.restart('restarted to retry on WASM');
    const loaded = await loadOn(client, request, 'wasm');
    return { ...loaded, fallbackReason: error.message };
  }
}

export interface GenerateRequest {
  prompt: Prompt;
  params: GenerationParams;
  onText: (text: string) => void;
  signal?: AbortSignal;
}

/**
 * The running generation's stop flag. On WASM the worker does not yield to its event loop
 * while generating, so Stop writes this shared flag (read after every token) instead of sending
 * a message that would arrive only at the end. Without cross-origin isolation there is no
 * SharedArrayBuffer, and Stop falls back to the message.
 */
let stopFlag: Int32Array | null = null;

function newStopFlag(): Int32Array | null {
  return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true
    ? new Int32Array(new SharedArrayBuffer(4))
    : null;
}

/** @throws TextError not-ready | busy | generation-failed; AbortError on abort */
export async function generateText(request: GenerateRequest): Promise<GenerateResult> {
  const { prompt, params, onText, signal } = request;
  const flag = newStopFlag();
  stopFlag = flag;
  try {
    return await textClient.call(
      (api) => api.generate({ prompt, params, ...(flag ? { stopFlag: flag } : {}) }, proxy(onText)),
      { lane: 'model', signal, timeoutMs: LOAD_TIMEOUT_MS },
    );
  } finally {
    if (stopFlag === flag) stopFlag = null;
  }
}

/** Asks the running generation to stop after its current token. Never starts a worker. */
export async function stopText(): Promise<boolean> {
  if (stopFlag) {
    Atomics.store(stopFlag, 0, 1);
    return true;
  }
  if (!textClient.alive) return false;
  return textClient.call((api) => api.stop(), { lane: 'control', timeoutMs: 10_000 });
}

/** @throws Error when the image cannot be decoded. */
export function analyzeImage(image: Blob, signal?: AbortSignal): Promise<ImageAnalysis> {
  return textClient.call((api) => api.analyze(image), {
    lane: 'analyze',
    signal,
    timeoutMs: 60_000,
  });
}

/** Draft candidates for a task (composed in the worker, which holds the dictionary). */
export function draftText(request: DraftRequest): Promise<DraftSet> {
  return textClient.call((api) => api.draft(request), { lane: 'analyze', timeoutMs: 60_000 });
}

/** The quality check of a model's text. */
export function checkModelText(task: DraftTask, text: string, facts: string[]): Promise<TextCheck> {
  return textClient.call((api) => api.check(task, text, facts), {
    lane: 'analyze',
    timeoutMs: 60_000,
  });
}
