/**
 * The text worker: runs causal language models through transformers.js, on WebGPU or WASM, and
 * analyses images for the Write room. This entry only wires the API; the runtime lives in
 * workers/text/. Calls: `load` then `generate` in one lane (one generation at a time), `stop` in
 * another lane so it reaches the worker while a generation runs.
 */
import { expose } from 'comlink';
import '../src/shared/compute/lifeline';
import '../src/shared/comlink-errors';
import type { ImageAnalysis } from '../src/shared/write/analysis';
import type { GenerationParams } from '../src/shared/write/params';
import type { Prompt } from '../src/shared/write/prompt';
import { analyzeBlob } from './text/analyze';
import { check, draft, type DraftRequest } from './text/drafting';
import type { DraftSet, DraftTask } from '../src/shared/write/drafts';
import type { TextCheck } from '../src/shared/write/quality';
import { ORT_WASM_PATHS } from './text/ort-files';
import {
  TextRuntime,
  type GenerateResult,
  type LoadedModel,
  type LoadOptions,
} from './text/runtime';
import { probeDevice } from './shared/probe';

const runtime = new TextRuntime({ localModelPath: '/models/text/', wasmPaths: ORT_WASM_PATHS });

const api = {
  /** What this device offers for text generation (adapter, f16, WASM threads). */
  probe: () => probeDevice('text'),

  /** Loads (once) and warms up a model. @throws TextError (see workers/text/runtime.ts) */
  load: (
    options: Omit<LoadOptions, 'onProgress'>,
    onProgress?: LoadOptions['onProgress'],
  ): Promise<LoadedModel> => runtime.load(onProgress ? { ...options, onProgress } : options),

  loaded: (): LoadedModel | undefined => runtime.loaded,

  unload: (): Promise<void> => runtime.unload(),

  /** Generates one text, streaming pieces to `onText`. @throws TextError */
  generate: (
    request: { prompt: Prompt; params: GenerationParams; stopFlag?: Int32Array },
    onText?: (text: string) => void,
  ): Promise<GenerateResult> => runtime.generate(onText ? { ...request, onText } : request),

  /** Stops the running generation within a token. */
  stop: (): boolean => runtime.stop(),

  /** Palette, brightness, contrast, warmth, saturation, orientation and detail of an image. */
  analyze: (image: Blob): Promise<ImageAnalysis> => analyzeBlob(image),

  /** Draft candidates for a task from the work's facts (no model; haiku by the dictionary). */
  draft: (request: DraftRequest): Promise<DraftSet> => draft(request),

  /** The quality check a model's text must pass before it is offered. */
  check: (task: DraftTask, text: string, facts: string[]): Promise<TextCheck> =>
    check(task, text, facts),
};

export type TextApi = typeof api;
expose(api);
