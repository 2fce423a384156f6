/**
 * Where the CPU path runs its ONNX models: a `SessionRunner` — ORT in this thread
 * (`LocalRunner`: Node tests, one-core devices, browsers without nested workers) or the render
 * worker's lanes (./lanes.ts). Models are addressed by a key (a stack's structure, a scaler's
 * model); a runner creates the session from the bytes `model()` gives the first time a key runs
 * and keeps the most recently used few. Inputs travel as plain typed arrays; the output named
 * `out` comes back as bytes. A runner also runs the CPU engine (./engine: the classic effects in
 * WebAssembly, no ORT) on a crop. The session helpers here also serve the lane workers.
 */
import type * as Ort from 'onnxruntime-web';
import { RenderError } from '../../src/shared/errors/render';
import { CpuEngine, type EngineJob } from './engine/engine';

export type OrtModule = typeof Ort;

/** A model input as plain data. */
export interface Feed {
  type: 'uint8' | 'float32';
  data: Uint8Array | Float32Array;
  dims: number[];
}
export type Feeds = Record<string, Feed>;

/** Sessions each runner keeps: a stack, its single-layer variants and a scaler fit. */
export const SESSION_CACHE = 8;

export interface SessionRunner {
  /** How many runs may be in flight at once (tiles side by side). */
  readonly lanes: number;
  /**
   * Creates the session for `key` ahead of its first run (in every lane).
   * @throws RenderError `cpu-failed` when ORT rejects the model; whatever `model` throws.
   */
  prepare(key: string, model: () => Promise<Uint8Array>): Promise<void>;
  /**
   * Runs the model `key` on `feeds` and returns its `out` bytes. `transfer` lists input buffers
   * the caller gives away (a lane takes them without a copy); `proceed`, asked once a lane is
   * free, may call the run off (a tile queued behind a render that stopped).
   * @throws RenderError `cpu-failed`; RunCalledOff; whatever `model` throws.
   */
  run(
    key: string,
    model: () => Promise<Uint8Array>,
    feeds: Feeds,
    transfer?: ArrayBuffer[],
    proceed?: () => boolean,
  ): Promise<Uint8Array>;
  /**
   * Renders a crop with the CPU engine (no ORT); `transfer` and `proceed` as for `run`.
   * @throws RenderError `cpu-failed`; RunCalledOff.
   */
  engine(job: EngineJob, transfer?: ArrayBuffer[], proceed?: () => boolean): Promise<Uint8Array>;
  dispose(): Promise<void>;
}

/** A run that `proceed` called off once it had a lane (the render stopped meanwhile). */
export class RunCalledOff extends Error {
  constructor() {
    super('The render stopped before this tile started.');
    this.name = 'RunCalledOff';
  }
}

/** Creates an ORT session on the WASM backend. @throws RenderError `cpu-failed` */
export async function createSession(
  ort: OrtModule,
  bytes: Uint8Array,
): Promise<Ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
  } catch (cause) {
    throw new RenderError('cpu-failed', `The CPU render path could not start: ${String(cause)}`, {
      cause,
    });
  }
}

/** Runs a session on plain feeds; returns the `out` bytes. @throws RenderError `cpu-failed` */
export async function runSession(
  ort: OrtModule,
  session: Ort.InferenceSession,
  feeds: Feeds,
): Promise<Uint8Array> {
  const tensors: Record<string, Ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) {
    tensors[name] =
      f.type === 'uint8'
        ? new ort.Tensor('uint8', f.data as Uint8Array, f.dims)
        : new ort.Tensor('float32', f.data as Float32Array, f.dims);
  }
  let result: Ort.InferenceSession.OnnxValueMapType;
  try {
    result = await session.run(tensors);
  } catch (cause) {
    throw new RenderError('cpu-failed', `The CPU render failed: ${String(cause)}`, { cause });
  }
  const out = result.out!;
  const data = out.data as Uint8Array;
  out.dispose();
  return data;
}

/**
 * Promised values by key, most recently used last: a failed one is forgotten, and past
 * `SESSION_CACHE` the oldest is dropped (and handed to `release`, as `clear` does with all).
 */
export class RecentCache<T> {
  readonly #items = new Map<string, Promise<T>>();
  readonly #release: (value: T) => unknown;

  constructor(release: (value: T) => unknown = () => undefined) {
    this.#release = release;
  }

  get(key: string): Promise<T> | undefined {
    const item = this.#items.get(key);
    if (item) {
      this.#items.delete(key);
      this.#items.set(key, item);
    }
    return item;
  }

  set(key: string, item: Promise<T>): void {
    this.#items.set(key, item);
    item.catch(() => {
      if (this.#items.get(key) === item) this.#items.delete(key);
    });
    while (this.#items.size > SESSION_CACHE) {
      const [oldKey, old] = this.#items.entries().next().value!;
      this.#items.delete(oldKey);
      void old.then(this.#release).catch(() => undefined);
    }
  }

  async clear(): Promise<void> {
    const all = [...this.#items.values()];
    this.#items.clear();
    await Promise.all(all.map((p) => p.then(this.#release).catch(() => undefined)));
  }
}

/** ORT sessions by key (a `RecentCache` that releases what it drops). */
export function sessionCache(): RecentCache<Ort.InferenceSession> {
  return new RecentCache((s) => s.release());
}

/**
 * ORT and the CPU engine in this thread: one run at a time. `ort` may be a loader, called at the
 * first ONNX run (an engine-only render never loads ORT's 27 MB runtime).
 */
export class LocalRunner implements SessionRunner {
  readonly lanes = 1;
  readonly #ort: () => Promise<OrtModule>;
  readonly #cache = sessionCache();
  #engine: CpuEngine | undefined;
  /** Sessions created so far (tests check the cache with it). */
  created = 0;

  constructor(ort: OrtModule | (() => Promise<OrtModule>)) {
    this.#ort = typeof ort === 'function' ? ort : () => Promise.resolve(ort);
  }

  #session(key: string, model: () => Promise<Uint8Array>): Promise<Ort.InferenceSession> {
    let s = this.#cache.get(key);
    if (!s) {
      s = Promise.all([model(), this.#ort()]).then(([bytes, ort]) => createSession(ort, bytes));
      s.then(() => (this.created += 1)).catch(() => undefined);
      this.#cache.set(key, s);
    }
    return s;
  }

  async prepare(key: string, model: () => Promise<Uint8Array>): Promise<void> {
    await this.#session(key, model);
  }

  async run(key: string, model: () => Promise<Uint8Array>, feeds: Feeds): Promise<Uint8Array> {
    const session = await this.#session(key, model);
    return runSession(await this.#ort(), session, feeds);
  }

  async engine(job: EngineJob): Promise<Uint8Array> {
    return (this.#engine ??= new CpuEngine()).render(job);
  }

  dispose(): Promise<void> {
    return this.#cache.clear();
  }
}

/** The distinct buffers under some feeds (to transfer them). */
export function buffersOf(feeds: Feeds): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const f of Object.values(feeds)) {
    if (f.data.buffer instanceof ArrayBuffer) out.add(f.data.buffer);
  }
  return [...out];
}
