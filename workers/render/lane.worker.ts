/**
 * A CPU render lane (see ./lanes.ts): a nested worker of the render worker with its own CPU engine
 * (./engine, WebAssembly, started at its first crop) and its own ORT instance on the WASM backend
 * (loaded at its first ONNX model). It keeps sessions by key and runs them on the feeds it is sent;
 * a run of a model it does not hold replies `missing` with the inputs, so the caller can load the
 * model and send them again. ORT is imported dynamically (as in the render worker: a static
 * import hangs Vite production workers with threads).
 */
import { CpuEngine, type EngineJob } from './engine/engine';
import {
  buffersOf,
  createSession,
  runSession,
  sessionCache,
  type Feeds,
  type OrtModule,
} from './session-runner';

export type LaneRequest =
  | { id: number; op: 'configure'; threads: number }
  | { id: number; op: 'load'; key: string; bytes: Uint8Array }
  | { id: number; op: 'run'; key: string; feeds: Feeds }
  | { id: number; op: 'engine'; job: EngineJob }
  | { id: number; op: 'dispose' }
  /** Test hook: the next run dies with an uncaught error instead of replying. */
  | { id: number; op: 'crash' };

export type LaneReply =
  | { id: number; ok: true }
  | { id: number; out: Uint8Array }
  | { id: number; missing: Feeds }
  | { id: number; error: string };

let threads = 1;
let crashNext = false;
let ortPromise: Promise<OrtModule> | undefined;
const getOrt = () =>
  // the plain WASM build: the WebGPU build's Asyncify runtime is ~1.7× slower on the CPU
  (ortPromise ??= import('onnxruntime-web/wasm').then((ort) => {
    ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? threads : 1;
    return ort as unknown as OrtModule;
  }));
const sessions = sessionCache();
let engine: CpuEngine | undefined;

/** The test hook's crash: an uncaught error instead of a reply. */
function crash(): Promise<never> {
  setTimeout(() => {
    throw new Error('Simulated lane crash (test hook).');
  });
  return new Promise<never>(() => undefined);
}

async function handle(request: LaneRequest): Promise<[LaneReply, Transferable[]]> {
  const { id } = request;
  switch (request.op) {
    case 'configure':
      threads = request.threads;
      return [{ id, ok: true }, []];
    case 'load': {
      const ort = await getOrt();
      const session = createSession(ort, request.bytes);
      sessions.set(request.key, session);
      await session;
      return [{ id, ok: true }, []];
    }
    case 'crash':
      crashNext = true;
      return [{ id, ok: true }, []];
    case 'engine': {
      if (crashNext) return crash();
      const out = (engine ??= new CpuEngine()).render(request.job);
      return [{ id, out }, [out.buffer as ArrayBuffer]];
    }
    case 'run': {
      if (crashNext) return crash();
      const session = sessions.get(request.key);
      if (!session) return [{ id, missing: request.feeds }, buffersOf(request.feeds)];
      const out = await runSession(await getOrt(), await session, request.feeds);
      return [{ id, out }, out.buffer instanceof ArrayBuffer ? [out.buffer] : []];
    }
    case 'dispose':
      await sessions.clear();
      return [{ id, ok: true }, []];
  }
}

self.onmessage = async (e: MessageEvent<LaneRequest>) => {
  let reply: LaneReply;
  let transfer: Transferable[] = [];
  try {
    [reply, transfer] = await handle(e.data);
  } catch (error) {
    reply = { id: e.data.id, error: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(reply, { transfer });
};
