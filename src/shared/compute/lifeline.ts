/**
 * A worker's lifeline (issue #20, defect 9): a worker can die without any event (it calls
 * close(), or the browser kills it for memory), and a call to it then waits for its timeout
 * (minutes). Each worker holds a Web Lock for as long as it lives; the page queues for the same
 * lock, and the browser grants it the moment the worker is gone, however it went — even while the
 * worker is busy in a long synchronous computation, which a ping could not tell from death.
 *
 * Worker side: import this module first (before `expose`) in every worker entry.
 */

/** The message the page sends a fresh worker, and the worker's answer once it holds the lock. */
export const LIFELINE_OFFER = 'atelier-lifeline';
export const LIFELINE_HELD = 'atelier-lifeline-held';

interface WorkerScope {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  postMessage(message: unknown): void;
  navigator: { locks?: LockManager };
}

const scope = globalThis as unknown as WorkerScope;
const isWorker =
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';

if (isWorker) {
  scope.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { [LIFELINE_OFFER]?: unknown } | null;
    const name = data?.[LIFELINE_OFFER];
    if (typeof name !== 'string') return;
    // Comlink must not see this message (it would answer it as a call).
    event.stopImmediatePropagation();
    const locks = scope.navigator.locks;
    if (!locks) return;
    void locks.request(name, () => {
      scope.postMessage({ [LIFELINE_HELD]: name });
      return new Promise<never>(() => {}); // held until the worker is gone
    });
  });
}
