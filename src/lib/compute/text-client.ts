/** The one client of the text worker. */
import type { TextApi } from '../../../workers/text.worker';
import { WorkerClient } from './worker-client';

export const textClient = new WorkerClient<TextApi>({
  name: 'text',
  create: () =>
    new Worker(new URL('../../../workers/text.worker.ts', import.meta.url), {
      type: 'module',
      name: 'atelier-text',
    }),
});
