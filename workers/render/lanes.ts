/**
 * Where the CPU path runs its ONNX models: a `SessionRunner`. Two of them:
 * - `LocalRunner`: ORT in this thread (Node tests, one-core devices);
 * - `OrtLanes`: a few nested workers (lane.worker.ts), each with its own ORT instance, that
 *   render tiles side by side. ORT's WASM build parallelises convolutions and GEMMs over its
 *   threads, but its element-wise ops, lookups, casts and transposes run on one thread, and they
 *   are over half of a stack's time; lanes run all of it in parallel (a 1 MP five-effect stack on
 *   two cores: one worker with two threads ≈ 50 ms, two lanes of one thread ≈ 33 ms).
 *
 * Models are addressed by a key (a stack's structure, a scaler's model); a runner creates the
 * session from the bytes `model()` gives the first time a key runs, keeps the most recently used
 * few, and a lane asks for the bytes again after it dropped one. Inputs travel as plain typed
 * arrays; the output named `out` comes back as bytes.
 */
import type * as Ort from 'onnxruntime-web';
import { RenderError } from '../../src/shared/errors/render';
import type { LaneReply, LaneRequest } from './lane.worker';

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

/** Sessions by key, most recently used last; the oldest are released past `SESSION_CACHE`. */
export class SessionCache {
  readonly #sessions = new Map<string, Promise<Ort.InferenceSession>>();

  get(key: string): Promise<Ort.InferenceSession> | undefined {
    const s = this.#sessions.get(key);
    if (s) {
      this.#sessions.delete(key);
      this.#sessions.set(key, s);
    }
    return s;
  }

  set(key: string, session: Promise<Ort.InferenceSession>): void {
    this.#sessions.set(key, session);
    session.catch(() => {
      if (this.#sessions.get(key) === session) this.#sessions.delete(key);
    });
    while (this.#sessions.size > SESSION_CACHE) {
      const [oldKey, old] = this.#sessions.entries().next().value!;
      this.#sessions.delete(oldKey);
      void old.then((s) => s.release()).catch(() => undefined);
    }
  }

  async clear(): Promise<void> {
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => undefined)));
  }
}

/** ORT in this thread: one run at a time. */
export class LocalRunner implements SessionRunner {
  readonly lanes = 1;
  readonly #ort: OrtModule;
  readonly #cache = new SessionCache();
  /** Sessions created so far (tests check the cache with it). */
  created = 0;

  constructor(ort: OrtModule) {
    this.#ort = ort;
  }

  #session(key: string, model: () => Promise<Uint8Array>): Promise<Ort.InferenceSession> {
    let s = this.#cache.get(key);
    if (!s) {
      s = model().then((bytes) => createSession(this.#ort, bytes));
      s.then(() => (this.created += 1)).catch(() => undefined);
      this.#cache.set(key, s);
    }
    return s;
  }

  async prepare(key: string, model: () => Promise<Uint8Array>): Promise<void> {
    await this.#session(key, model);
  }

  async run(key: string, model: () => Promise<Uint8Array>, feeds: Feeds): Promise<Uint8Array> {
    return runSession(this.#ort, await this.#session(key, model), feeds);
  }

  dispose(): Promise<void> {
    return this.#cache.clear();
  }
}

interface Pending {
  resolve(reply: LaneReply): void;
  reject(error: unknown): void;
}

/** One nested worker and its calls in flight. */
class Lane {
  readonly worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  dead: RenderError | null = null;

  constructor(create: () => Worker, threads: number) {
    this.worker = create();
    this.worker.onmessage = (e: MessageEvent<LaneReply>) => {
      const p = this.#pending.get(e.data.id);
      this.#pending.delete(e.data.id);
      p?.resolve(e.data);
    };
    const die = (message: string) => {
      this.dead = new RenderError('cpu-failed', `A CPU render lane stopped: ${message}`, {
        details: { laneCrashed: true },
      });
      for (const p of this.#pending.values()) p.reject(this.dead);
      this.#pending.clear();
      this.worker.terminate();
    };
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      die(e.message || 'the worker crashed (out of memory?)');
    };
    this.worker.onmessageerror = () => die('a message could not be read');
    void this.call({ op: 'configure', threads });
  }

  /** @throws RenderError `cpu-failed` when the lane died or ORT failed in it. */
  async call(request: DistributiveOmit<LaneRequest, 'id'>, transfer: Transferable[] = []) {
    if (this.dead) throw this.dead;
    const id = this.#next++;
    const reply = await new Promise<LaneReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
    if ('error' in reply) throw new RenderError('cpu-failed', reply.error);
    return reply;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A pool of lanes. Each run takes a free lane (waiting for one when all are busy); a lane that
 * crashed fails its run with `cpu-failed` and is replaced by a fresh one on the next run.
 */
export class OrtLanes implements SessionRunner {
  readonly lanes: number;
  /** Lanes started so far, replacements of crashed ones included (tests). */
  started = 0;
  #crashNext = false;
  readonly #threads: number;
  readonly #create: () => Worker;
  readonly #slots: (Lane | null)[];
  readonly #busy: boolean[];
  readonly #waiting: (() => void)[] = [];

  /**
   * @param lanes nested workers (≥ 1), each with `threads` WASM threads.
   * @param create makes one lane worker (`new Worker(new URL('./lane.worker.ts', …))`).
   */
  constructor(options: { lanes: number; threads: number; create: () => Worker }) {
    this.lanes = Math.max(1, options.lanes);
    this.#threads = Math.max(1, options.threads);
    this.#create = options.create;
    this.#slots = Array<Lane | null>(this.lanes).fill(null);
    this.#busy = Array<boolean>(this.lanes).fill(false);
  }

  #lane(i: number): Lane {
    let lane = this.#slots[i];
    if (!lane || lane.dead) {
      try {
        lane = new Lane(this.#create, this.#threads);
      } catch (cause) {
        throw new RenderError(
          'cpu-failed',
          `The CPU render lanes could not start: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        );
      }
      this.#slots[i] = lane;
      this.started += 1;
    }
    return lane;
  }

  async #acquire(): Promise<number> {
    for (;;) {
      const i = this.#busy.indexOf(false);
      if (i >= 0) {
        this.#busy[i] = true;
        return i;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #releaseLane(i: number): void {
    this.#busy[i] = false;
    this.#waiting.shift()?.();
  }

  async prepare(key: string, model: () => Promise<Uint8Array>): Promise<void> {
    const bytes = await model();
    await Promise.all(
      Array.from({ length: this.lanes }, (_, i) => this.#lane(i).call({ op: 'load', key, bytes })),
    );
  }

  async run(
    key: string,
    model: () => Promise<Uint8Array>,
    feeds: Feeds,
    transfer: ArrayBuffer[] = [],
    proceed: () => boolean = () => true,
  ): Promise<Uint8Array> {
    const i = await this.#acquire();
    try {
      if (!proceed()) throw new RunCalledOff();
      const lane = this.#lane(i);
      if (this.#crashNext) {
        this.#crashNext = false;
        void lane.call({ op: 'crash' }).catch(() => undefined);
      }
      let reply = await lane.call({ op: 'run', key, feeds }, transfer);
      if ('missing' in reply) {
        // The lane has not seen this model (or dropped it): it hands the inputs back.
        await lane.call({ op: 'load', key, bytes: await model() });
        reply = await lane.call({ op: 'run', key, feeds: reply.missing }, buffersOf(reply.missing));
      }
      if (!('out' in reply)) throw new RenderError('cpu-failed', 'A CPU render lane lost a model.');
      return reply.out;
    } finally {
      this.#releaseLane(i);
    }
  }

  /**
   * Starts every lane now.
   * @throws RenderError `cpu-failed` when a lane cannot start (a browser without nested workers):
   *   the caller then renders in its own thread.
   */
  start(): void {
    for (let i = 0; i < this.lanes; i++) this.#lane(i);
  }

  /** Test hook: the lane of the next run dies (an uncaught error) before it replies. */
  crashNext(): void {
    this.#crashNext = true;
  }

  async dispose(): Promise<void> {
    const lanes = this.#slots.filter((l): l is Lane => !!l && !l.dead);
    this.#slots.fill(null);
    await Promise.all(lanes.map((l) => l.call({ op: 'dispose' }).catch(() => undefined)));
    for (const l of lanes) l.worker.terminate();
  }
}

/**
 * Runs `attempt` again once when a lane died under it (a crash, not an ORT error): the tile is
 * re-sent to a fresh lane, so a render survives a lane lost to, say, memory pressure.
 * @throws whatever the second attempt (or a non-crash failure) throws.
 */
export async function retryLaneCrash<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof RenderError) || error.details?.laneCrashed !== true) throw error;
    return attempt();
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

/**
 * Tiles in flight for a runner with `lanes` lanes: one more than the lanes when there are
 * several, so a lane that finishes a tile starts the next at once while its result is pasted.
 */
export function tilesInFlight(lanes: number): number {
  return lanes > 1 ? lanes + 1 : 1;
}

/**
 * Calls `task(i)` for i = 0…count−1, at most `limit` at a time, in order of start. After a
 * failure no new task starts (and `live()`, passed to each task, turns false: a task waiting for
 * a lane can give up); the first error is thrown once the running ones have settled.
 */
export async function eachConcurrently(
  count: number,
  limit: number,
  task: (i: number, live: () => boolean) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const live = () => !failure;
  const worker = async () => {
    while (!failure && next < count) {
      const i = next++;
      try {
        await task(i, live);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}
