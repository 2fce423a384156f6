/** The one client of the hash worker (content and perceptual hashes for the Register room). */
import { transfer } from 'comlink';
import type { AnalysedImage, HashApi } from '../../../workers/hash.worker';
import { WorkerClient } from './worker-client';

export type { AnalysedImage };

export const hashClient = new WorkerClient<HashApi>({
  name: 'hash',
  create: () =>
    new Worker(new URL('../../../workers/hash.worker.ts', import.meta.url), {
      type: 'module',
      name: 'atelier-hash',
    }),
  idleMs: 60_000,
  timeoutMs: 2 * 60_000,
});

/**
 * Hashes an image file in the worker. `bytes` is transferred (the caller's copy is emptied).
 * @throws WalletError `png-invalid`; ComputeError when the worker fails; AbortError on abort.
 */
export function analyseImage(
  bytes: Uint8Array,
  mime: string,
  signal?: AbortSignal,
): Promise<AnalysedImage> {
  return hashClient.call(
    (api) => api.analyse(transfer(bytes, [bytes.buffer as ArrayBuffer]), mime),
    {
      signal,
    },
  );
}
