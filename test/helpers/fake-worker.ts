/**
 * A worker stand-in for unit tests of worker clients: a real MessageChannel with an API exposed
 * through Comlink on the far end, so the client's wire format, transfers and errors are real.
 */
import { expose } from 'comlink';
import type { WorkerLike } from '../../src/lib/compute/worker-client';

export class FakeWorker extends EventTarget implements WorkerLike {
  terminated = false;
  readonly port: MessagePort;
  constructor(api: object) {
    super();
    const { port1, port2 } = new MessageChannel();
    expose(api, port2);
    this.port = port1;
    port1.addEventListener('message', (e) =>
      this.dispatchEvent(new MessageEvent('message', { data: (e as MessageEvent).data })),
    );
    port1.start();
  }
  postMessage(message: unknown, transfer: Transferable[] = []) {
    if (!this.terminated) this.port.postMessage(message, transfer);
  }
  terminate() {
    this.terminated = true;
    this.port.close();
  }
  /** Simulates a worker that died (script error, out of memory). */
  crash(message: string) {
    this.dispatchEvent(Object.assign(new Event('error'), { message }));
  }
}
