/** The one client of the image worker (import, thumbnails, export, backup zips). */
import type { ImageApi } from '../../../workers/image.worker';
import { WorkerClient } from './worker-client';

export const imageClient = new WorkerClient<ImageApi>({
  name: 'image',
  create: () =>
    new Worker(new URL('../../../workers/image.worker.ts', import.meta.url), {
      type: 'module',
      name: 'atelier-image',
    }),
  idleMs: 60_000,
  timeoutMs: 3 * 60_000,
});
