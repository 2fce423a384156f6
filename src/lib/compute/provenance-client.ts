/**
 * The one client of the provenance worker: Content Credentials for every export (signed with the
 * studio identity kept in IndexedDB) and reading them for Verify.
 */
import { transfer } from 'comlink';
import type { ProvenanceApi } from '../../../workers/provenance.worker';
import type { ContentCredentialsInfo, ExportFormat } from '../../shared/provenance/manifest';
import type { CredentialsSummary } from '../../shared/provenance/read';
import { db } from '../db/instance';
import { studioIdentity } from '../db/studio-identity';
import { WorkerClient } from './worker-client';

export const STUDIO_NAME = 'Atelier';

export const provenanceClient = new WorkerClient<ProvenanceApi>({
  name: 'provenance',
  create: () =>
    new Worker(new URL('../../../workers/provenance.worker.ts', import.meta.url), {
      type: 'module',
      name: 'atelier-provenance',
    }),
  idleMs: 60_000,
  timeoutMs: 2 * 60_000,
});

/**
 * Adds signed Content Credentials to an exported file.
 * @throws ProvenanceError `provenance-failed`, ComputeError when the worker fails.
 */
export async function withContentCredentials(
  file: Blob,
  format: ExportFormat,
  info: Omit<ContentCredentialsInfo, 'studio'>,
): Promise<Blob> {
  const identity = await studioIdentity(db, () =>
    provenanceClient.call((api) => api.createIdentity(STUDIO_NAME)),
  );
  const bytes = new Uint8Array(await file.arrayBuffer());
  const out = await provenanceClient.call((api) =>
    api.embed(transfer(bytes, [bytes.buffer]), format, { ...info, studio: STUDIO_NAME }, identity),
  );
  return new Blob([out as Uint8Array<ArrayBuffer>], { type: format });
}

/** The file's Content Credentials, or null when it has none. */
export async function readCredentials(file: Blob): Promise<CredentialsSummary | null> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return provenanceClient.call((api) => api.read(transfer(bytes, [bytes.buffer]), file.type));
}
