/** The one client of the render worker. */
import type { RenderApi } from '../../../workers/render.worker';
import { WorkerClient } from './worker-client';

export const renderClient = new WorkerClient<RenderApi>({
  name: 'render',
  create: () =>
    new Worker(new URL('../../../workers/render.worker.ts', import.meta.url), {
      type: 'module',
      name: 'atelier-render',
    }),
});
