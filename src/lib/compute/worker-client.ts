/**
 * A small generic client around a Comlink worker:
 * - starts the worker lazily, on the first call;
 * - runs one call at a time per lane (one lane per model: an ORT session cannot run twice at once);
 * - an AbortSignal aborts a call by terminating the worker, and the next call starts a fresh one;
 * - a dead worker (script error, crash, or a silent death noticed through its lifeline lock,
 *   see shared/compute/lifeline) or a call past its timeout rejects with a typed error instead
 *   of hanging;
 * - shuts the worker down after a while idle, to give its memory back.
 * Errors keep their `code` across the boundary (see shared/comlink-errors).
 */
import { wrap, type Remote } from 'comlink';
import '../../shared/comlink-errors';
import { LIFELINE_HELD, LIFELINE_OFFER } from '../../shared/compute/lifeline';
import { ComputeError, abortError } from '../../shared/errors/compute';

/** The parts of `Worker` the client uses; a MessagePort-backed stand-in works in tests. */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  terminate(): void;
  addEventListener(type: 'error' | 'messageerror' | 'message', listener: (e: Event) => void): void;
  removeEventListener(
    type: 'error' | 'messageerror' | 'message',
    listener: (e: Event) => void,
  ): void;
  start?(): void;
}

export interface WorkerClientOptions {
  /** For messages: "the render worker stopped…". */
  name: string;
  create: () => WorkerLike;
  /** Terminate after this long without calls (ms). Default 5 minutes; 0 disables. */
  idleMs?: number;
  /** Default per-call limit (ms). Default 10 minutes. */
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Calls in the same lane run one after another; other lanes run concurrently. */
  lane?: string;
  timeoutMs?: number;
}

interface Running {
  fail: (error: unknown) => void;
}

export class WorkerClient<Api extends object> {
  readonly name: string;
  #create: () => WorkerLike;
  #idleMs: number;
  #timeoutMs: number;
  #worker: WorkerLike | undefined;
  #remote: Remote<Api> | undefined;
  #onWorkerError: ((e: Event) => void) | undefined;
  #lifeline: AbortController | undefined;
  #lanes = new Map<string, Promise<unknown>>();
  #running = new Set<Running>();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** How many workers this client has started (tests and the status bar read it). */
  starts = 0;

  constructor(options: WorkerClientOptions) {
    this.name = options.name;
    this.#create = options.create;
    this.#idleMs = options.idleMs ?? 5 * 60_000;
    this.#timeoutMs = options.timeoutMs ?? 10 * 60_000;
  }

  get alive(): boolean {
    return this.#worker !== undefined;
  }

  /**
   * Runs `fn` against the worker's API.
   * @throws ComputeError `worker-crashed`, `worker-timeout`, `worker-start-failed`; an
   *   `AbortError` when `signal` aborts; and whatever the worker throws (code kept).
   */
  call<R>(fn: (api: Remote<Api>) => Promise<R>, options: CallOptions = {}): Promise<R> {
    const lane = options.lane ?? 'default';
    const previous = this.#lanes.get(lane) ?? Promise.resolve();
    const result = previous.then(
      () => this.#run(fn, options),
      () => this.#run(fn, options),
    );
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.#lanes.set(lane, settled);
    void settled.then(() => {
      if (this.#lanes.get(lane) === settled) this.#lanes.delete(lane);
    });
    return result;
  }

  /** Terminates the worker now; calls in flight reject and the next call starts a fresh one. */
  restart(reason = 'restarted'): void {
    this.#teardown(
      new ComputeError('worker-crashed', `The ${this.name} worker was ${reason}.`, {
        details: { worker: this.name },
      }),
    );
  }

  dispose(): void {
    this.restart('shut down');
  }

  #ensure(): Remote<Api> {
    if (this.#remote) return this.#remote;
    let worker: WorkerLike;
    try {
      worker = this.#create();
    } catch (cause) {
      throw new ComputeError('worker-start-failed', `The ${this.name} worker could not start.`, {
        cause,
        details: { worker: this.name },
      });
    }
    this.#onWorkerError = (event: Event) => {
      const message = (event as ErrorEvent).message || 'it stopped unexpectedly';
      this.#teardown(
        new ComputeError('worker-crashed', `The ${this.name} worker failed: ${message}`, {
          details: { worker: this.name },
        }),
      );
    };
    worker.addEventListener('error', this.#onWorkerError);
    worker.addEventListener('messageerror', this.#onWorkerError);
    this.#worker = worker;
    this.#remote = wrap<Api>(worker as unknown as Worker);
    this.starts += 1;
    this.#watchLifeline(worker);
    return this.#remote;
  }

  /** Offers the worker a lock to hold for life, then waits for it: granted = the worker is gone. */
  #watchLifeline(worker: WorkerLike): void {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return;
    const lock = `atelier-worker-${this.name}-${crypto.randomUUID()}`;
    const watch = (this.#lifeline = new AbortController());
    const onHeld = (event: Event) => {
      if ((event as MessageEvent).data?.[LIFELINE_HELD] !== lock) return;
      worker.removeEventListener('message', onHeld);
      locks
        .request(lock, { signal: watch.signal }, () => {
          if (this.#worker !== worker) return;
          this.#teardown(
            new ComputeError(
              'worker-crashed',
              `The ${this.name} worker stopped unexpectedly. Try again; it starts afresh.`,
              { details: { worker: this.name, noticedBy: 'lifeline' } },
            ),
          );
        })
        .catch(() => undefined); // aborted: the client ended this worker itself
    };
    worker.addEventListener('message', onHeld);
    worker.start?.();
    worker.postMessage({ [LIFELINE_OFFER]: lock }, []);
  }

  async #run<R>(fn: (api: Remote<Api>) => Promise<R>, options: CallOptions): Promise<R> {
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal.reason);
    clearTimeout(this.#idleTimer);
    const remote = this.#ensure();
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;

    let running!: Running;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      running.fail(abortError(signal?.reason));
      // The worker may be deep in a computation that cannot be interrupted: start over.
      this.restart('stopped by a cancelled call');
    };
    const stop = new Promise<never>((_, reject) => {
      running = { fail: reject };
    });
    this.#running.add(running);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        running.fail(
          new ComputeError(
            'worker-timeout',
            `The ${this.name} worker did not answer within ${Math.round(timeoutMs / 1000)} s.`,
            { details: { worker: this.name, timeoutMs } },
          ),
        );
        this.restart('unresponsive');
      }, timeoutMs);
    }
    try {
      return await Promise.race([fn(remote), stop]);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.#running.delete(running);
      this.#scheduleIdle();
    }
  }

  #scheduleIdle(): void {
    if (this.#idleMs <= 0 || this.#running.size > 0) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#running.size === 0) this.#teardown(undefined);
    }, this.#idleMs);
  }

  #teardown(error: unknown): void {
    clearTimeout(this.#idleTimer);
    this.#lifeline?.abort();
    this.#lifeline = undefined;
    const worker = this.#worker;
    this.#worker = undefined;
    this.#remote = undefined;
    if (worker && this.#onWorkerError) {
      worker.removeEventListener('error', this.#onWorkerError);
      worker.removeEventListener('messageerror', this.#onWorkerError);
    }
    if (error !== undefined) for (const running of [...this.#running]) running.fail(error);
    // Terminating drops the worker's pending replies; the calls above were already rejected.
    worker?.terminate();
  }
}
