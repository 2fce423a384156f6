/**
 * Test hooks for e2e tests and benchmarks, exposed as `window.__atelier` only when
 * localStorage 'atelier.testHooks' is '1' (the e2e harness sets it). Nothing here runs for people.
 */
import {
  neuralEffects,
  registerModel,
  renderClient,
  renderCpuClient,
  render,
  renderOnCpuWorker,
  type ModelRegistration,
} from './render-client';

export interface AtelierTestHooks {
  render: typeof render;
  /** Renders with a fresh, dedicated worker per call pattern (benchmarks). */
  renderClient: typeof renderClient;
  renderCpuClient: typeof renderCpuClient;
  /** `render` on the CPU-only worker (`renderCpuClient`). */
  renderOnCpuWorker: typeof renderOnCpuWorker;
  /** The next GPU render loses its device after `tiles` tiles. */
  simulateDeviceLoss(tiles?: number): Promise<void>;
  /** A CPU render lane of the main render worker dies under its next run. */
  simulateLaneCrash(): Promise<void>;
  registerModel(model: ModelRegistration): void;
  neuralEffects: typeof neuralEffects;
}

function enabled(): boolean {
  try {
    return globalThis.localStorage?.getItem('atelier.testHooks') === '1';
  } catch {
    return false;
  }
}

if (enabled()) {
  const hooks: AtelierTestHooks = {
    render,
    renderClient,
    renderCpuClient,
    renderOnCpuWorker,
    simulateDeviceLoss: (tiles = 1) =>
      renderClient.call((api) => api.simulateDeviceLoss(tiles), { lane: 'control' }),
    simulateLaneCrash: () =>
      renderClient.call((api) => api.simulateLaneCrash(), { lane: 'control' }),
    registerModel,
    neuralEffects,
  };
  (globalThis as { __atelier?: AtelierTestHooks }).__atelier = hooks;
}
