/**
 * The text runtime: one causal LM loaded through transformers.js's own
 * `pipeline('text-generation', id)`, generating one text at a time, streamed token by token,
 * stoppable within a token. Runs in the text worker (browser) and in Node tests alike.
 *
 * - Remote models are off: files come from our origin (/models/text/<folder>/), or, for models the
 *   person imported or downloaded, from Blobs handed in by the client (served by `env.fetch`).
 * - A model loads once and is warmed up (one short generation) before it counts as ready.
 * - Errors are TextErrors with a code: `model-invalid` (a file is missing), `model-load-failed`
 *   (corrupt ONNX or JSON), `tokenizer-mismatch`, `backend-failed` (WebGPU could not run it: the
 *   client retries on WASM in a fresh worker), `busy`, `not-ready`, `generation-failed`.
 */
import {
  env,
  InterruptableStoppingCriteria,
  pipeline,
  random,
  Tensor,
  TextStreamer,
} from '@huggingface/transformers';
import type { Backend } from '../../src/shared/compute/backend';
import { TextError } from '../../src/shared/errors/text';
import { hasCode } from '../../src/shared/errors/base';
import {
  chooseDtype,
  contextLengthOf,
  DTYPE_FILES,
  type TextDtype,
} from '../../src/shared/write/model-files';
import { contextNotice, planContext, type GenerationParams } from '../../src/shared/write/params';
import type { Prompt } from '../../src/shared/write/prompt';

/** Where a model's files come from. */
export interface ModelSource {
  /** Unique key: 'bundled:<id>' or 'stored:<id>'. */
  key: string;
  /** Folder name under the local model path: the id given to `pipeline()`. */
  folder: string;
  /** Files handed in as Blobs (imported / downloaded models), by path relative to the folder. */
  files?: Record<string, Blob>;
  /** For served folders: the files that exist (others answer 404 instead of the SPA page). */
  listed?: string[];
}

export interface LoadOptions {
  source: ModelSource;
  backend: Backend;
  shaderF16?: boolean;
  /** WASM threads (1 when the page is not cross-origin isolated). */
  threads?: number;
  /** Force a dtype (tests, benchmarks); else chosen from the files present. */
  dtype?: TextDtype;
  onProgress?: (info: { file: string; loaded: number; total: number }) => void;
}

export interface LoadedModel {
  key: string;
  backend: Backend;
  dtype: TextDtype;
  contextLength: number;
  hasChatTemplate: boolean;
  modelType: string;
  loadMs: number;
  warmupMs: number;
}

export interface GenerateOptions {
  prompt: Prompt;
  params: GenerationParams;
  /** Called with each decoded piece of text as it is generated. */
  onText?: (text: string) => void;
  /**
   * A shared flag the caller sets to 1 to stop. On WASM the whole generation runs without
   * yielding to the event loop (ORT's session.run and transformers.js's loop continue in
   * microtasks), so a `stop()` message would only arrive after the end; a SharedArrayBuffer
   * flag is read after every token instead.
   */
  stopFlag?: Int32Array;
}

export interface GenerateResult {
  /** The model's raw text (special tokens removed). */
  text: string;
  finish: 'eos' | 'length' | 'stopped';
  tokens: number;
  promptTokens: number;
  /** A visible notice when the prompt or length was cut to fit the context. */
  notice: string | null;
  seed: number;
  firstTokenMs: number;
  totalMs: number;
  /** Decode speed after the first token. */
  tokensPerSecond: number;
}

export interface RuntimeConfig {
  /** The URL path (browser) or directory (Node) holding model folders. */
  localModelPath: string;
  /** ORT's WASM files on our own origin (browser); transformers.js points at a CDN otherwise. */
  wasmPaths?: { mjs: string; wasm: string };
  /** Read files through `env.fetch` (always in browsers; Node tests opt in for Blob sources). */
  useFetch?: boolean;
}

/* The parts of transformers.js objects this module uses, typed narrowly. */
interface Tok {
  chat_template?: unknown;
  apply_chat_template(m: unknown, o: { tokenize: false; add_generation_prompt: true }): string;
  encode(text: string, o?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[] | bigint[], o?: { skip_special_tokens?: boolean }): string;
  get_vocab(): Map<string, number> | Record<string, number>;
}
interface Lm {
  config: Record<string, unknown>;
  generate(o: Record<string, unknown>): Promise<unknown>;
  dispose?(): Promise<unknown>;
}
interface Gen {
  tokenizer: Tok;
  model: Lm;
  dispose?(): Promise<unknown>;
}

const virtualFolders = new Map<string, ModelSource>();
let defaultFetch: typeof fetch | undefined;

/** Answers transformers.js's file requests for handed-in Blobs and listed served folders. */
function modelFetch(localModelPath: string): typeof fetch {
  const prefix = localModelPath.endsWith('/') ? localModelPath : `${localModelPath}/`;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const path = url.startsWith('http') ? new URL(url).pathname : url;
    if (path.startsWith(prefix)) {
      const rest = decodeURIComponent(path.slice(prefix.length));
      const folder = rest.split('/')[0]!;
      const file = rest.slice(folder.length + 1);
      const source = virtualFolders.get(folder);
      if (source?.files) {
        const blob = source.files[file];
        return blob
          ? new Response(blob, { headers: { 'content-length': String(blob.size) } })
          : new Response('not found', { status: 404 });
      }
      if (source?.listed && !source.listed.includes(file)) {
        return new Response('not found', { status: 404 });
      }
    }
    return (defaultFetch ?? fetch)(input, init);
  };
}

/** Node (tests) runs ORT's native CPU build, which transformers.js calls device 'cpu'. */
const IS_NODE = typeof process !== 'undefined' && !!process.versions?.node;

let configured = false;
function configure(config: RuntimeConfig): void {
  if (configured) return;
  configured = true;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = config.localModelPath;
  env.useBrowserCache = false;
  env.useFSCache = false;
  env.useWasmCache = false;
  if (!IS_NODE || config.useFetch) {
    env.useFS = false;
    defaultFetch = env.fetch as typeof fetch;
    env.fetch = modelFetch(config.localModelPath) as typeof env.fetch;
  }
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } };
  if (config.wasmPaths && onnx.wasm) onnx.wasm.wasmPaths = config.wasmPaths;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Turns a load failure into a TextError the UI can branch on. */
export function loadError(error: unknown, backend: Backend): TextError {
  if (hasCode(error) && error instanceof TextError) return error;
  const message = messageOf(error);
  const missing = /file was not found locally at "([^"]+)"/.exec(message);
  if (missing || (error instanceof Error && error.name === 'ModelFileNotFoundError')) {
    const file = missing?.[1]?.split('/').slice(-2).join('/') ?? 'a required file';
    return new TextError(
      'model-invalid',
      `The model folder is missing ${file.replace(/^[^/]*\/(?=onnx\/)/, '')}.`,
      {
        cause: error,
        details: { file },
      },
    );
  }
  // The runtime's own text (ONNX Runtime's, with its build paths) is for "Details" only.
  const raw = message.slice(0, 2000);
  if (/JSON|Unexpected token|is not valid JSON/i.test(message)) {
    return new TextError(
      'model-load-failed',
      'A file in the model folder is damaged: it is not valid JSON.',
      { cause: error, details: { raw } },
    );
  }
  if (backend === 'webgpu') {
    return new TextError('backend-failed', 'WebGPU could not run this model.', {
      cause: error,
      details: { backend, raw },
    });
  }
  return new TextError(
    'model-load-failed',
    'This file is not a model Atelier can run: its ONNX graph could not be read.',
    { cause: error, details: { raw } },
  );
}

export class TextRuntime {
  #config: RuntimeConfig;
  #gen: Gen | undefined;
  #loaded: LoadedModel | undefined;
  #loading: Promise<LoadedModel> | undefined;
  #stopper: InterruptableStoppingCriteria | undefined;
  #busy = false;

  constructor(config: RuntimeConfig) {
    this.#config = config;
  }

  get loaded(): LoadedModel | undefined {
    return this.#loaded;
  }

  /**
   * Loads (once) and warms up a model. Loading the model already loaded returns it.
   * @throws TextError model-invalid | model-load-failed | tokenizer-mismatch | backend-failed | busy
   */
  async load(options: LoadOptions): Promise<LoadedModel> {
    const { source, backend } = options;
    if (this.#loaded?.key === source.key && this.#loaded.backend === backend) return this.#loaded;
    if (this.#busy) throw new TextError('busy', 'A text is being generated; stop it first.');
    if (this.#loading) await this.#loading.catch(() => undefined);
    this.#loading = this.#load(options);
    try {
      return await this.#loading;
    } finally {
      this.#loading = undefined;
    }
  }

  async #load(options: LoadOptions): Promise<LoadedModel> {
    const { source, backend } = options;
    configure(this.#config);
    await this.unload();
    virtualFolders.set(source.folder, source);
    const present = source.files ? Object.keys(source.files) : source.listed;
    const dtypes = present
      ? (Object.keys(DTYPE_FILES) as TextDtype[]).filter((d) => present.includes(DTYPE_FILES[d]))
      : [];
    let dtype: TextDtype;
    try {
      dtype =
        options.dtype ??
        (dtypes.length ? chooseDtype(dtypes, backend, !!options.shaderF16) : 'fp32');
    } catch (error) {
      throw new TextError('model-invalid', messageOf(error), { cause: error });
    }
    const onnx = env.backends.onnx as { wasm?: { numThreads?: number } };
    if (onnx.wasm && options.threads) onnx.wasm.numThreads = options.threads;
    const started = performance.now();
    let gen: Gen;
    try {
      gen = (await pipeline('text-generation', source.folder, {
        device: IS_NODE && backend === 'wasm' ? 'cpu' : backend,
        dtype,
        progress_callback: (p: unknown) => {
          const info = p as { status?: string; file?: string; loaded?: number; total?: number };
          if (info.status === 'progress' && options.onProgress) {
            options.onProgress({
              file: info.file ?? '',
              loaded: info.loaded ?? 0,
              total: info.total ?? 0,
            });
          }
        },
      })) as unknown as Gen;
    } catch (error) {
      throw loadError(error, backend);
    }
    const loadMs = performance.now() - started;
    const vocabSize = Number(gen.model.config.vocab_size);
    const vocab = gen.tokenizer.get_vocab();
    const ids = vocab instanceof Map ? [...vocab.values()] : Object.values(vocab);
    const maxId = ids.reduce((m, v) => Math.max(m, v), -1);
    if (Number.isFinite(vocabSize) && maxId >= vocabSize) {
      await gen.dispose?.();
      throw new TextError(
        'tokenizer-mismatch',
        `The tokenizer does not match the model: it has token ids up to ${maxId}, the model only ${vocabSize - 1}.`,
        { details: { maxId, vocabSize } },
      );
    }
    this.#gen = gen;
    const warmStart = performance.now();
    try {
      const ids = gen.tokenizer.encode('Hello', { add_special_tokens: false });
      await gen.model.generate({
        ...inputsOf(ids.length ? ids : [0]),
        max_new_tokens: 2,
        do_sample: false,
      });
    } catch (error) {
      this.#gen = undefined;
      await gen.dispose?.();
      throw loadError(error, backend);
    }
    this.#loaded = {
      key: source.key,
      backend,
      dtype,
      contextLength: contextLengthOf(gen.model.config),
      hasChatTemplate: !!gen.tokenizer.chat_template,
      modelType: String(gen.model.config.model_type ?? 'unknown'),
      loadMs: Math.round(loadMs),
      warmupMs: Math.round(performance.now() - warmStart),
    };
    return this.#loaded;
  }

  async unload(): Promise<void> {
    const gen = this.#gen;
    this.#gen = undefined;
    this.#loaded = undefined;
    await gen?.dispose?.().catch(() => undefined);
  }

  /** Stops the running generation after the token being computed; a no-op when idle. */
  stop(): boolean {
    if (!this.#stopper) return false;
    this.#stopper.interrupt();
    return true;
  }

  /**
   * Generates one text. Only one runs at a time.
   * @throws TextError not-ready | busy | generation-failed
   */
  async generate(options: GenerateOptions): Promise<GenerateResult> {
    const gen = this.#gen;
    const loaded = this.#loaded;
    if (!gen || !loaded) throw new TextError('not-ready', 'No text model is loaded yet.');
    if (this.#busy) throw new TextError('busy', 'Another text is being generated.');
    this.#busy = true;
    const stopper = new InterruptableStoppingCriteria();
    this.#stopper = stopper;
    if (options.stopFlag && Atomics.load(options.stopFlag, 0) !== 0) stopper.interrupt();
    try {
      const { params, prompt } = options;
      const text = loaded.hasChatTemplate
        ? gen.tokenizer.apply_chat_template(prompt.messages, {
            tokenize: false,
            add_generation_prompt: true,
          })
        : prompt.completion;
      const all = gen.tokenizer.encode(text, { add_special_tokens: !loaded.hasChatTemplate });
      const plan = planContext({
        promptTokens: all.length,
        maxNewTokens: params.maxNewTokens,
        contextLength: loaded.contextLength,
      });
      const ids = all.slice(all.length - plan.keepPromptTokens);
      const seed = params.seed ?? Math.floor(Math.random() * 2 ** 32);
      random.seed(seed);
      let tokens = 0;
      let firstAt = 0;
      const started = performance.now();
      let out = '';
      const streamer = new TextStreamer(gen.tokenizer as never, {
        skip_prompt: true,
        skip_special_tokens: true,
        callback_function: (piece: string) => {
          out += piece;
          options.onText?.(piece);
        },
        token_callback_function: () => {
          tokens += 1;
          if (tokens === 1) firstAt = performance.now();
          if (options.stopFlag && Atomics.load(options.stopFlag, 0) !== 0) stopper.interrupt();
        },
      });
      const sample = params.temperature > 0;
      await gen.model.generate({
        ...inputsOf(ids),
        max_new_tokens: plan.maxNewTokens,
        do_sample: sample,
        ...(sample
          ? { temperature: params.temperature, top_k: params.topK, top_p: params.topP }
          : {}),
        repetition_penalty: params.repetitionPenalty,
        streamer,
        stopping_criteria: [stopper],
      });
      const end = performance.now();
      const finish = stopper.interrupted
        ? 'stopped'
        : tokens >= plan.maxNewTokens
          ? 'length'
          : 'eos';
      const notice = [
        prompt.notesTruncated ? 'Your notes were cut to their first 2000 characters.' : null,
        contextNotice(plan, loaded.contextLength),
      ]
        .filter(Boolean)
        .join(' ');
      return {
        text: out,
        finish,
        tokens,
        promptTokens: ids.length,
        notice: notice || null,
        seed,
        firstTokenMs: Math.round((firstAt || end) - started),
        totalMs: Math.round(end - started),
        tokensPerSecond: tokens > 1 && firstAt ? ((tokens - 1) * 1000) / (end - firstAt) : 0,
      };
    } catch (error) {
      if (hasCode(error)) throw error;
      throw new TextError(
        'generation-failed',
        `The text could not be generated: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    } finally {
      this.#busy = false;
      this.#stopper = undefined;
    }
  }
}

function inputsOf(ids: number[]): { input_ids: Tensor; attention_mask: Tensor } {
  const n = ids.length;
  return {
    input_ids: new Tensor(
      'int64',
      BigInt64Array.from(ids, (v) => BigInt(v)),
      [1, n],
    ),
    attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
  };
}
