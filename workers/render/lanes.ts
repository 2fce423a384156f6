/**
 * The CPU path's lanes: a few nested workers of the render worker (lane.worker.ts), each with its
 * own CPU engine (WebAssembly, single-threaded) and, for networks and effects the engine does not
 * know, its own ORT instance, rendering tiles side by side (ORT's own threads cover only its
 * convolutions and GEMMs; lanes run everything in parallel). A lane caches its sessions and asks
 * for a model's bytes again after it dropped one.
 * Also here: the tile loop the CPU renderers share (`runTiles`, over `eachConcurrently` and
 * `retryLaneCrash`).
 */
import { RenderError } from '../../src/shared/errors/render';
import { cropForLane, type LaneCrop, type Rect, type RgbaImage, type Tile } from './image';
import type { EngineJob } from './engine/engine';
import type { LaneReply, LaneRequest } from './lane.worker';
import { buffersOf, RunCalledOff, type Feeds, type SessionRunner } from './session-runner';

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
    return this.#onLane(proceed, async (lane) => {
      let reply = await lane.call({ op: 'run', key, feeds }, transfer);
      if ('missing' in reply) {
        // The lane has not seen this model (or dropped it): it hands the inputs back.
        await lane.call({ op: 'load', key, bytes: await model() });
        reply = await lane.call({ op: 'run', key, feeds: reply.missing }, buffersOf(reply.missing));
      }
      if (!('out' in reply)) throw new RenderError('cpu-failed', 'A CPU render lane lost a model.');
      return reply.out;
    });
  }

  async engine(
    job: EngineJob,
    transfer: ArrayBuffer[] = [],
    proceed: () => boolean = () => true,
  ): Promise<Uint8Array> {
    return this.#onLane(proceed, async (lane) => {
      const reply = await lane.call({ op: 'engine', job }, transfer);
      if (!('out' in reply))
        throw new RenderError('cpu-failed', 'A CPU render lane sent no image.');
      return reply.out;
    });
  }

  /** Runs `work` on the next free lane (unless `proceed` says no by then), then frees it. */
  async #onLane<T>(proceed: () => boolean, work: (lane: Lane) => Promise<T>): Promise<T> {
    const i = await this.#acquire();
    try {
      if (!proceed()) throw new RunCalledOff();
      const lane = this.#lane(i);
      if (this.#crashNext) {
        this.#crashNext = false;
        void lane.call({ op: 'crash' }).catch(() => undefined);
      }
      return await work(lane);
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

  /** Test hook: the lane of the next run (ORT or engine) dies (an uncaught error) before it replies. */
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

/**
 * Renders `tiles` of `image` side by side in `lanes` lanes: each tile's crop (a view of shared
 * pixels, else an owned copy; `strided`: see cropForLane) goes to `run`, again once if its lane
 * died under it, and the result to `paste`; `onTile(done, total)` after each (throw to stop).
 * `live()`, passed to `run`, turns false once the render stopped (a tile still waiting for a
 * lane is then called off).
 * @throws whatever `run` or `onTile` throws first.
 */
export async function runTiles(
  image: RgbaImage,
  tiles: Tile[],
  lanes: number,
  run: (crop: LaneCrop, rect: Rect, live: () => boolean) => Promise<Uint8Array>,
  paste: (tile: Tile, result: Uint8Array) => void,
  onTile?: (done: number, total: number) => void | Promise<void>,
  strided = false,
): Promise<void> {
  let done = 0;
  await eachConcurrently(tiles.length, tilesInFlight(lanes), async (i, live) => {
    const tile = tiles[i]!;
    const result = await retryLaneCrash(() =>
      run(cropForLane(image, tile.crop, strided), tile.crop, live),
    );
    paste(tile, result);
    await onTile?.(++done, tiles.length);
  });
}

/**
 * Tiles in flight for a runner with `lanes` lanes: one more than the lanes when there are
 * several, so a lane that finishes a tile starts the next at once while its result is pasted.
 */
function tilesInFlight(lanes: number): number {
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
