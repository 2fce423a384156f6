/**
 * The text worker: runs causal language models through transformers.js, on WebGPU or WASM.
 * This entry only wires the API; the runtime lives in workers/text/.
 */
import { expose } from 'comlink';
import '../src/shared/comlink-errors';
import { probeDevice } from './shared/probe';

const api = {
  /** What this device offers for text generation (adapter, f16, WASM threads). */
  probe: () => probeDevice('text'),
};

export type TextApi = typeof api;
expose(api);
