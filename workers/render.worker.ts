/**
 * The render worker: runs effect stacks on WebGPU (WGSL) or on ORT's WASM backend.
 * This entry only wires the API; the engine lives in workers/render/.
 */
import { expose } from 'comlink';
import '../src/shared/comlink-errors';
import { probeDevice } from './shared/probe';

const api = {
  /** What this device offers for rendering (adapter, f16, limits, WASM threads). */
  probe: () => probeDevice('render'),
};

export type RenderApi = typeof api;
expose(api);
